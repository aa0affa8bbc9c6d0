"""Every request goes through one decoding rule and one argument limit; every response carries the security headers.

Issue 14 item 7: one request with 5,000 × q=的 cost 27.7 s of CPU and a 36 MB page (every link
repeated every argument); %FF%FE was searched as text by the API but called empty by the page;
no response carried CSP, X-Content-Type-Options, Referrer-Policy or frame-ancestors.
"""

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from search import Corpus
from web import create_app
from web.guard import SECURITY_HEADERS


@pytest.fixture(scope="module")
def speech_id(corpus):
    return corpus.speeches()[0]["id"]


ROUTES = ["/", "/api/search", "/kwic", "/api/kwic", "/export.csv", "/speech/{id}", "/api/speech/{id}", "/speech/{id}/raw"]


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("query", ["q=%FF%FE", "q=%E5%8F", "q=双过半&province=%C0%AF", "q=%E5%8F%8C&%FF=1"])
def test_an_address_that_is_not_utf8_is_refused_alike_on_every_route(client, speech_id, route, query):
    response = client.get(route.format(id=speech_id) + "?" + query)
    assert response.status_code == 400, (route, query)
    if route.startswith("/api/"):
        assert response.get_json()["code"] == "bad_query" and "UTF-8" in response.get_json()["error"]
    else:
        assert "UTF-8" in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/speech/%FF", "/api/speech/%FF%FE", "/speech/%E5%8F/raw"])
def test_a_path_that_is_not_utf8_is_refused_too(client, path):
    response = client.get(path)
    assert response.status_code == 400 and "UTF-8" in response.get_data(as_text=True)


def test_valid_utf8_in_every_form_still_searches(client, corpus):
    expected = corpus.search("双过半")["total"]
    for query in ("q=%E5%8F%8C%E8%BF%87%E5%8D%8A", "q=双过半"):
        assert client.get("/api/search?" + query).get_json()["total"] == expected


def test_five_thousand_arguments_are_refused_before_anything_is_parsed(client, monkeypatch):
    def never(*args, **kwargs):
        raise AssertionError("a refused request must not reach the library")
    monkeypatch.setattr(Corpus, "parse", never)
    for route in ("/", "/api/search", "/kwic", "/export.csv"):
        response = client.get(route + "?" + "&".join(["q=的"] * 5000))
        assert response.status_code == 400, route
        assert "max_arguments" in response.get_data(as_text=True) and "5,000" in response.get_data(as_text=True)


def test_the_argument_limit_is_the_setting(shipped_index):
    client = create_app({"INDEX": str(shipped_index), "TESTING": True, "MAX_ARGUMENTS": 3}).test_client()
    assert client.get("/api/search?q=双过半&year=2021&year=2020").status_code == 200
    refused = client.get("/api/search?q=双过半&year=2021&year=2020&year=2019")
    assert refused.status_code == 400 and refused.get_json()["code"] == "bad_query"
    assert "at most 3" in refused.get_json()["error"]


def test_links_carry_each_argument_once_however_often_it_was_given(client):
    page = client.get("/?" + "&".join(["q=双过半"] * 40 + ["province=湖南省"] * 40)).get_data(as_text=True)
    links = re.findall(r'href="(/[^"]*\?[^"]*)"', page)
    assert links
    for link in links:
        args = parse_qs(urlsplit(link.replace("&amp;", "&")).query)
        # Each given value once; a link may add one value of its own (a facet or a map square adds a province).
        provinces = args.get("province", [])
        assert len(args.get("q", [])) <= 1 and len(provinces) == len(set(provinces)) <= 2, link
        assert provinces[:1] in ([], ["湖南省"]), link


@pytest.mark.parametrize("path, status", [
    ("/", 200), ("/?q=双过半", 200), ("/api/search?q=双过半", 200), ("/kwic?q=双过半", 200), ("/export.csv?q=双过半", 200),
    ("/speech/{id}", 200), ("/api/speech/{id}", 200), ("/static/app.js", 200), ("/static/style.css", 200),
    ("/nothing-here", 404), ("/api/search?q=%22", 400), ("/api/search?page=x&q=a", 400), ("/?q=%FF", 400),
])
def test_every_response_carries_the_security_headers(client, speech_id, path, status):
    response = client.get(path.format(id=speech_id))
    response.get_data()
    assert response.status_code == status
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, (path, name)
    policy = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy and "'unsafe-inline'" not in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_a_busy_answer_carries_them_too(shipped_index):
    client = create_app({"INDEX": str(shipped_index), "TESTING": True, "MAX_CONCURRENT_EXPORTS": 0}).test_client()
    response = client.get("/export.csv?q=双过半")
    assert response.status_code == 503 and response.headers["Retry-After"]
    assert response.headers["Content-Security-Policy"] == SECURITY_HEADERS["Content-Security-Policy"]


def test_pages_hold_no_inline_script_or_style(client, speech_id):
    # The policy refuses them: a page relying on one would break in the browser.
    for path in ("/", "/?q=双过半", "/kwic?q=双过半", f"/speech/{speech_id}?q=双过半", f"/speech/{speech_id}/raw", "/nothing"):
        page = client.get(path).get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)", page), path
        assert " style=" not in page and "<style" not in page and not re.search(r" on[a-z]+=", page), path
