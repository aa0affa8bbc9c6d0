"""The web front end through Flask's test client: every route, status, JSON shape and export."""

import csv
import io
import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from indexer import schema
from indexer.build import build_index
from search import Corpus
from web import create_app
from web.chart import year_chart

from conftest import CORPUS

XSS = '<script>alert(1)</script>"><img src=x onerror=alert(1)>'

SMALL = {
    "a.txt": f"""在全县经济工作会议上的讲话{XSS}
（2021年3月5日）
同志们：
今天召开会议，目标是确保实现双过半，{XSS}这是一段测试。
=SUM(1,2)双过半的任务很重。
+1双过半@here全县上下要抓好落实。
-2双过半，全县要再接再厉。
""",
    "b.txt": """在全市一季度经济运行分析会上的讲话
（2022年4月8日）
同志们：
定西市今年一季度经济运行总体平稳，营商环境持续改善。我市工业增长较快。
我们要紧盯双过半目标，狠抓项目建设，招商引资要有新突破。
""",
    "c.txt": """在全区重点工作推进会上的讲话
同志们：
这次会议主要是部署下一阶段的重点工作，营商环境要继续优化。
各部门要各司其职，扎实推进各项工作落实。
""",
}


def write_corpus(folder: Path, files: dict) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """A tiny corpus with markup and formula-like text, indexed once for the module."""
    root = tmp_path_factory.mktemp("small")
    corpus = write_corpus(root / "corpus", SMALL)
    build_index(corpus, root / "index")
    return root


@pytest.fixture(scope="module")
def small_client(small):
    app = create_app({"INDEX": str(small / "index"), "CORPUS": str(small / "corpus"), "TESTING": True})
    return app.test_client()


@pytest.fixture(scope="module")
def client(shipped_index):
    """The shipped corpus served by the app."""
    app = create_app({"INDEX": str(shipped_index), "TESTING": True})
    return app.test_client()


class Page(HTMLParser):
    """Collect a page's links, element ids and the text of elements by id."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, str]] = []  # (href, text)
        self.ids: dict[str, str] = {}
        self.tags: list[tuple[str, dict]] = []
        self._open: list[list] = []  # [tag, id, text parts, href]
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        if tag in ("br", "img", "input", "meta", "link", "line", "rect", "circle", "polyline"):
            return
        self._open.append([tag, attrs.get("id"), [], attrs.get("href")])

    def handle_endtag(self, tag):
        while self._open:
            name, ident, parts, href = self._open.pop()
            text = "".join(parts)
            if self._open:
                self._open[-1][2].append(text)
            if ident:
                self.ids[ident] = text
            if name == "a" and href is not None:
                self.links.append((href, text.strip()))
            if name == tag:
                break

    def handle_data(self, data):
        if self._open:
            self._open[-1][2].append(data)

    def hrefs(self, pattern: str) -> list[str]:
        return [href for href, _ in self.links if re.search(pattern, href)]


def get_page(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)[:2000]
    return response, Page(response.get_data(as_text=True))


def as_json(value):
    """Return what a library dict looks like after a JSON round trip (tuples become lists)."""
    return json.loads(json.dumps(value, ensure_ascii=False))


# ---- the overview and the search page ------------------------------------------------------


def test_overview_counts_every_speech_and_the_share_unknown(client, corpus):
    response, page = get_page(client, "/")
    html = response.get_data(as_text=True)
    speeches = corpus.speeches()
    assert '<html lang="zh-CN">' in html
    assert '<meta name="viewport"' in html
    assert f'<strong class="total">{len(speeches)}</strong>' in html
    unknown_years = sum(1 for s in speeches if s["year"] is None)
    assert f"年份未知：{unknown_years} 篇" in html
    unknown_provinces = sum(1 for s in speeches if s["province"] is None)
    assert f"省份未知：{unknown_provinces} 篇" in html
    assert "<svg" in html
    # Each count links to the listing of those speeches.
    assert page.hrefs(r"^/\?province=%E7%94%98%E8%82%83%E7%9C%81$")  # 甘肃省
    assert page.hrefs(r"^/\?year=2022$")


def test_search_page_shows_totals_marked_snippets_and_links_to_the_first_hit(client, corpus):
    result = corpus.search("双过半")
    response, page = get_page(client, "/?q=双过半")
    html = response.get_data(as_text=True)
    assert f'<strong class="total">{result["total"]}</strong>' in html
    assert f'<strong class="occurrences">{result["occurrences"]}</strong>' in html
    assert "<mark>双过半</mark>" in html
    for hit in result["hits"]:
        first = hit["snippets"][0]["paragraph"]
        assert page.hrefs(rf"^/speech/{hit['id']}\?q=%E5%8F%8C%E8%BF%87%E5%8D%8A#p{first}$")
    assert "<svg" in html and "rate-dot" in html


def test_a_facet_link_adds_its_filter_and_its_count_is_exact(client, corpus):
    facets = corpus.search("双过半")["facets"]["province"]
    province, count = next((p, n) for p, n in facets.items() if p != "未知")
    _, page = get_page(client, "/?q=双过半")
    link = next(href for href, text in page.links if text == province and "province=" in href)
    assert parse_qs(urlsplit(link).query) == {"q": ["双过半"], "province": [province]}
    response, filtered = get_page(client, link)
    assert f'<strong class="total">{count}</strong>' in response.get_data(as_text=True)
    # The active filter is shown and removable, back to the unfiltered search.
    assert "/?q=%E5%8F%8C%E8%BF%87%E5%8D%8A" in filtered.hrefs(r"^/\?q=[^&]*$")


def test_repeated_filter_values_are_ored_and_short_names_resolve(client, corpus):
    facets = corpus.search("双过半")["facets"]["province"]
    both = client.get("/api/search?q=双过半&province=甘肃省&province=湖南").get_json()
    assert both["total"] == facets["甘肃省"] + facets["湖南省"]
    assert both["filters"] == {"province": ["甘肃省", "湖南省"]}
    assert {hit["province"] for hit in both["hits"]} == {"甘肃省", "湖南省"}


def test_filters_without_a_query_list_the_matching_speeches(client, corpus):
    expected = [s for s in corpus.speeches() if s["province"] == "甘肃省"]
    result = client.get("/api/search?province=甘肃&page_size=200").get_json()
    assert result["query"] == ""
    assert result["total"] == len(expected)
    assert {h["id"] for h in result["hits"]} == {s["id"] for s in expected}
    response, _ = get_page(client, "/?province=甘肃")
    assert f'<strong class="total">{len(expected)}</strong>' in response.get_data(as_text=True)
    unknown = client.get("/api/search?year=未知").get_json()
    assert unknown["total"] == sum(1 for s in corpus.speeches() if s["year"] is None)


@pytest.mark.parametrize("extra", ["", "&sort=date", "&collapse=1", "&page=2&page_size=5", "&year=2021-2022"])
def test_api_search_is_the_library_dict(client, corpus, extra):
    args = {k: v[0] for k, v in parse_qs("q=双过半" + extra).items()}
    filters = {"year": (args["year"],)} if "year" in args else None
    expected = corpus.search("双过半", filters, sort=args.get("sort", "relevance"), page=int(args.get("page", 1)),
                             page_size=int(args["page_size"]) if "page_size" in args else None,
                             collapse="collapse" in args)
    response = client.get("/api/search?q=双过半" + extra)
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.get_json() == as_json(expected)
    assert list(response.get_json()) == ["query", "filters", "index_version", "sort", "total", "occurrences",
                                         "page", "page_size", "facets", "hits", "parsed", "suggestions"]


def test_sort_collapse_and_paging_pages_render(client, corpus):
    for url in ("/?q=双过半&sort=date", "/?q=双过半&collapse=1", "/?q=双过半&page=2&page_size=5", "/?q=双过半&page=99"):
        response, page = get_page(client, url)
    total = corpus.search("双过半")["total"]
    _, page = get_page(client, "/?q=双过半&page_size=5")
    assert page.hrefs(r"page=2") and len(page.hrefs(r"^/speech/")) >= 5
    assert total > 5


def test_the_chart_rate_uses_all_speeches_of_the_year_as_denominator():
    chart = year_chart({"2021": 1, "未知": 2}, {"2020": 2, "2021": 4, "未知": 3})
    bars = {bar["year"]: (bar["count"], bar["total"], bar["rate"]) for bar in chart["bars"]}
    assert bars == {"2020": (0, 2, 0.0), "2021": (1, 4, 0.25), "未知": (2, 3, 2 / 3)}
    assert [bar["year"] for bar in chart["bars"]][-1] == "未知"
    assert year_chart({}, {}) is None


def test_chart_on_the_search_page_lists_counts_and_rates(small_client):
    html = small_client.get("/?q=双过半").get_data(as_text=True)
    # a.txt (2021) and b.txt (2022) both hold the phrase; every dated speech does.
    # Both years are printed: none of the bar is inferred (issue "first hour", item 7).
    assert '<td>2021</td><td>1</td><td class="inferred-count">0</td><td>1</td><td>100.0%</td>' in html
    assert '<td>2022</td><td>1</td><td class="inferred-count">0</td><td>1</td><td>100.0%</td>' in html


# ---- the speech page -------------------------------------------------------------------------


def test_speech_page_anchors_every_paragraph_and_marks_every_hit(client, corpus):
    hit = corpus.search("双过半")["hits"][0]
    speech = corpus.speech(hit["id"])
    paragraphs = speech["text"].split("\n")
    response, page = get_page(client, f"/speech/{hit['id']}?q=双过半")
    html = response.get_data(as_text=True)
    for number, text in enumerate(paragraphs, 1):
        assert page.ids[f"p{number}"] == str(number) + text
    assert html.count("<mark") == hit["occurrences"]
    assert [f"hit-{k}" in page.ids for k in range(1, hit["occurrences"] + 1)] == [True] * hit["occurrences"]
    assert f"hit-{hit['occurrences'] + 1}" not in page.ids
    assert page.ids["next-hit"] and page.ids["prev-hit"]
    assert f"/speech/{hit['id']}/raw" in page.hrefs("/raw$")
    for source in speech["sources"]:
        assert source in html


def test_speech_page_shows_unknowns_evidence_and_citations(client, corpus):
    speech = next(s for s in corpus.speeches() if s["province_evidence"] and s["speaker"] is None)
    response, page = get_page(client, f"/speech/{speech['id']}")
    html = response.get_data(as_text=True)
    assert '<span class="unknown">未知</span>' in html
    assert f'依据：<span lang="zh">{speech["province_evidence"]}</span>' in html
    link = f"http://localhost/speech/{speech['id']}"
    # Issue 25: the citation says what the page says: the speaker unknown, an inferred date marked.
    date = speech["date"] or "日期未知"
    if speech["date_source"] in ("inferred", "meta", "corrected"):
        date += f"（{schema.DATE_SOURCES[speech['date_source']]}）"
    assert page.ids["cite-speech"] == f"讲话人未知，《{speech['title']}》，{date}，{link}"
    assert page.ids["cite-paragraph"] == f"讲话人未知，《{speech['title']}》，{date}，第1段，{link}#p1"


def test_citation_uses_base_url_and_the_first_hit_paragraph(shipped_index, corpus):
    app = create_app({"INDEX": str(shipped_index), "BASE_URL": "https://speeches.example.org/", "TESTING": True})
    client = app.test_client()
    hit = corpus.search("双过半")["hits"][0]
    first = hit["snippets"][0]["paragraph"]
    _, page = get_page(client, f"/speech/{hit['id']}?q=双过半")
    assert page.ids["cite-paragraph"].endswith(f"，第{first}段，https://speeches.example.org/speech/{hit['id']}#p{first}")
    rows = client.get("/api/kwic?q=双过半").get_json()["rows"]
    assert rows[0]["url"].startswith("https://speeches.example.org/speech/")


def test_a_malformed_query_on_a_speech_page_is_a_notice_not_an_error(client, corpus):
    speech_id = corpus.speeches()[0]["id"]
    response, page = get_page(client, f"/speech/{speech_id}?q=%22unclosed")
    html = response.get_data(as_text=True)
    assert "查询有误" in html and "never closed" in html
    assert "<mark" not in html


def test_raw_page_shows_the_original_text_escaped(small_client, small):
    speech = Corpus(small / "index").speeches()[0]
    response, page = get_page(small_client, f"/speech/{speech['id']}/raw")
    html = response.get_data(as_text=True)
    assert "<pre>" in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert" not in html


def test_unknown_speech_is_404(client):
    response, _ = get_page(client, "/speech/0000000000000000", status=404)
    assert "no speech has the id" in response.get_data(as_text=True)
    assert client.get("/speech/0000000000000000/raw").status_code == 404
    api = client.get("/api/speech/0000000000000000")
    assert api.status_code == 404 and "no speech has the id" in api.get_json()["error"]


def test_api_speech_is_the_library_dict(client, corpus):
    speech_id = corpus.speeches()[3]["id"]
    response = client.get(f"/api/speech/{speech_id}")
    assert response.get_json() == as_json(corpus.speech(speech_id))
    assert "text" in response.get_json()


def test_an_id_a_rebuild_changed_redirects_permanently(tmp_path):
    corpus = write_corpus(tmp_path / "corpus", {"b.txt": SMALL["b.txt"], "c.txt": SMALL["c.txt"]})
    index = tmp_path / "index"
    build_index(corpus, index)
    old_id = next(s["id"] for s in Corpus(index).speeches() if s["source"] == "b.txt")
    (corpus / "b.txt").write_text(SMALL["b.txt"].replace("狠抓项目建设", "狠抓重大项目建设"), encoding="utf-8")
    build_index(corpus, index)
    new_id = next(s["id"] for s in Corpus(index).speeches() if s["source"] == "b.txt")
    assert new_id != old_id
    client = create_app({"INDEX": str(index), "TESTING": True}).test_client()
    for path, target in ((f"/speech/{old_id}", f"/speech/{new_id}"), (f"/speech/{old_id}/raw", f"/speech/{new_id}/raw")):
        response = client.get(path + "?q=双过半&x=1")
        assert response.status_code == 301
        assert client.get(path + "?q=%E5%8F%8C%E8%BF%87%E5%8D%8A&x=1").headers["Location"] == response.headers["Location"]
        assert response.headers["Location"] == target + "?q=%E5%8F%8C%E8%BF%87%E5%8D%8A&x=1"
    api = client.get(f"/api/speech/{old_id}")
    assert api.status_code == 301 and api.headers["Location"] == f"/api/speech/{new_id}"
    assert client.get(f"/speech/{old_id}?q=双过半", follow_redirects=True).status_code == 200


def test_a_paragraph_link_survives_a_full_rebuild(tmp_path):
    """A link to a speech paragraph taken before `speeches index --full` is re-run opens the same paragraph after."""
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    index = tmp_path / "index"
    build_index(corpus, index)
    client = create_app({"INDEX": str(index), "TESTING": True}).test_client()
    _, page = get_page(client, "/?q=双过半")
    link = page.hrefs(r"^/speech/[0-9a-f]+\?q=.*#p\d+$")[-1]
    path, anchor = urlsplit(link).path, urlsplit(link).fragment
    _, before = get_page(client, path)
    version = client.get("/api/search?q=双过半").get_json()["index_version"]
    build_index(corpus, index, full=True)  # every build reads every file: what --full asks for
    assert client.get("/api/search?q=双过半").get_json()["index_version"] != version
    _, after = get_page(client, path)
    assert after.ids[anchor] == before.ids[anchor]
    assert "双过半" in after.ids[anchor]


# ---- the concordance and exports --------------------------------------------------------------


def test_kwic_page_lists_rows_linking_to_their_paragraphs(client, corpus):
    rows = corpus.kwic("双过半")["rows"]
    response, page = get_page(client, "/kwic?q=双过半&page_size=10")
    html = response.get_data(as_text=True)
    assert f'<strong class="total">{len(rows)}</strong>' in html
    for row in rows[:10]:
        assert row["url"] in page.hrefs(r"^/speech/[0-9a-f]+#p\d+$")
    assert page.hrefs(r"page=2")
    _, second = get_page(client, "/kwic?q=双过半&page_size=10&page=2")
    assert rows[10]["url"] in second.hrefs(r"#p\d+$")
    prompt, _ = get_page(client, "/kwic")
    assert "输入要查找的词" in prompt.get_data(as_text=True)


def test_api_kwic_is_the_library_dict(client, corpus):
    response = client.get("/api/kwic?q=双过半&province=甘肃省")
    assert response.get_json() == as_json(corpus.kwic("双过半", {"province": ("甘肃省",)}))
    # Rows carry when and where the speech was given (issue "first hour", item 12).
    assert list(response.get_json()["rows"][0]) == ["id", "title", "speaker", "year", "date", "date_source", "province",
                                                    "city", "level", "paragraph", "offset", "left", "match", "right",
                                                    "url"]


def read_csv(response) -> list[list[str]]:
    body = response.get_data()
    assert body.startswith("\ufeff".encode("utf-8"))
    return list(csv.reader(io.StringIO(body.decode("utf-8")[1:])))


def test_export_streams_every_concordance_row_with_a_bom(client, corpus):
    result = corpus.kwic("双过半")
    response = client.get("/export.csv?q=双过半")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.is_streamed
    assert "attachment" in response.headers["Content-Disposition"]
    rows = read_csv(response)
    assert rows[0] == ["id", "title", "speaker", "year", "date", "date_source", "province", "city", "level",
                       "paragraph", "offset", "left", "match", "right", "url", "query", "filters", "index_version"]
    assert len(rows) - 1 == result["total"]
    first = dict(zip(rows[0], rows[1]))
    assert first["id"] == result["rows"][0]["id"] and first["match"] == "双过半"
    assert first["url"] == "http://localhost" + result["rows"][0]["url"]
    assert rows[1][-3:] == ["双过半", "{}", result["index_version"]]


def test_export_of_speeches_lists_every_matching_speech(shipped_index, corpus):
    # A page size of 2 makes the export walk many pages.
    client = create_app({"INDEX": str(shipped_index), "MAX_PAGE_SIZE": 2, "TESTING": True}).test_client()
    result = corpus.search("双过半", page_size=200)
    rows = read_csv(client.get("/export.csv?q=双过半&what=speeches"))
    header = rows[0]
    assert header[:3] == ["id", "title", "speaker"] and header[-3:] == ["query", "filters", "index_version"]
    assert [r[0] for r in rows[1:]] == [h["id"] for h in result["hits"]]
    everything = read_csv(client.get("/export.csv?what=speeches"))
    assert len(everything) - 1 == len(corpus.speeches())


def test_export_neutralises_formulas(small_client):
    rows = read_csv(small_client.get("/export.csv?q=双过半"))
    cells = [cell for row in rows[1:] for cell in row]
    assert "'=SUM(1,2)" in cells
    assert "'+1" in cells and "'@here全县上下要抓好落实。" in cells and "'-2" in cells
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@")]


# ---- markup from the corpus stays text ---------------------------------------------------------


def test_markup_in_a_speech_renders_inert_everywhere(small_client, small):
    speech = next(s for s in Corpus(small / "index").speeches() if s["source"] == "a.txt")
    assert XSS in speech["title"]
    for url in ("/", "/?q=双过半", "/?q=测试", "/?level=县", f"/speech/{speech['id']}",
                f"/speech/{speech['id']}?q=alert", "/kwic?q=alert", "/kwic?q=双过半", "/?q=" + XSS):
        response = small_client.get(url)
        html = response.get_data(as_text=True)
        assert "<script>alert" not in html, url
        assert "<img" not in html, url
        assert 'onerror=alert(1)>"' not in html, url
    html = small_client.get(f"/speech/{speech['id']}?q=alert").get_data(as_text=True)
    assert "&lt;script&gt;<mark id=\"hit-1\">alert</mark>(1)&lt;/script&gt;" in html
    assert "&quot;&gt;&lt;img src=x onerror=<mark" in html
    api = small_client.get(f"/api/speech/{speech['id']}")
    assert api.mimetype == "application/json" and XSS in api.get_json()["title"]
    search = small_client.get("/api/search?q=alert")
    assert search.mimetype == "application/json" and XSS in search.get_json()["hits"][0]["title"]


# ---- errors ------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/?q=%22unclosed", "/kwic?q=NEAR(a", "/?q=year:20x1", "/?q=a&year=abc",
                                 "/?q=a&province=火星", "/export.csv?q=(a"])
def test_a_malformed_query_is_400_with_the_parsers_message(client, corpus, url):
    response = client.get(url)
    assert response.status_code == 400
    assert "<h1>请求有误" in response.get_data(as_text=True)


def test_a_malformed_query_on_the_api_is_a_json_400(client, corpus):
    response = client.get("/api/search?q=%22unclosed")
    assert response.status_code == 400
    message = response.get_json()["error"]
    with pytest.raises(Exception) as raised:
        corpus.parse('"unclosed')
    assert message == str(raised.value)
    for url in ("/api/search", "/api/kwic", "/api/kwic?q=", "/export.csv", "/export.csv?q=a&what=bogus"):
        response = client.get(url)
        assert response.status_code == 400, url
        if url.startswith("/api/"):
            assert response.get_json()["error"]


BAD_NUMBERS = ["abc", "-1", "0", "1.5", "1e3", "99999999999999999999", "２"]


# Malformed numbers are refused; a far page is only an empty page.
@pytest.mark.parametrize("name, value", [("page", v) for v in BAD_NUMBERS] + [("page", "1000001")]
                         + [("page_size", v) for v in BAD_NUMBERS])
def test_bad_paging_values_are_400_never_500(client, name, value):
    for path in ("/", "/api/search", "/kwic", "/api/kwic"):
        response = client.get(f"{path}?q=双过半&{name}={value}")
        assert response.status_code == 400, (path, value)
        text = response.get_data(as_text=True)
        assert name in text and "must be" in text


def test_a_page_size_over_the_maximum_is_capped_as_on_the_command_line(client):
    document = client.get("/api/search?q=双过半&page_size=100000").get_json()
    assert document["page_size"] == 200


def test_a_far_page_is_empty_not_an_error(client):
    assert client.get("/api/search?q=双过半&page=100000").get_json()["hits"] == []
    response, _ = get_page(client, "/?q=双过半&page=100000")
    assert "这一页没有结果" in response.get_data(as_text=True)


def test_a_missing_index_is_503_with_the_command_to_build_it(tmp_path):
    client = create_app({"INDEX": str(tmp_path / "empty"), "TESTING": True}).test_client()
    for url in ("/", "/?q=双过半", "/speech/0123456789abcdef", "/kwic?q=a", "/export.csv?q=a"):
        response = client.get(url)
        assert response.status_code == 503, url
        assert "speeches index" in response.get_data(as_text=True)
    api = client.get("/api/search?q=双过半")
    assert api.status_code == 503 and "speeches index" in api.get_json()["error"]


def test_a_query_over_the_time_limit_is_503_not_a_partial_count(shipped_index):
    client = create_app({"INDEX": str(shipped_index), "QUERY_TIME_LIMIT_MS": 0, "TESTING": True}).test_client()
    response = client.get("/?q=的")
    assert response.status_code == 503 and "查询太宽" in response.get_data(as_text=True)
    api = client.get("/api/search?q=的")
    assert api.status_code == 503 and "narrow it" in api.get_json()["error"]


def test_unknown_addresses_are_404(client):
    assert client.get("/nothing-here").status_code == 404
    api = client.get("/api/nothing")
    assert api.status_code == 404 and api.get_json()["error"]


# ---- configuration ------------------------------------------------------------------------------


def test_config_file_then_dict(tmp_path, shipped_index, monkeypatch):
    settings = tmp_path / "web.cfg"
    settings.write_text(f"INDEX = {str(shipped_index)!r}\nPAGE_SIZE = 3\nKWIC_WIDTH = 5\n", encoding="utf-8")
    client = create_app({"CONFIG_FILE": str(settings), "KWIC_WIDTH": 4}).test_client()
    assert client.get("/api/search?q=双过半").get_json()["page_size"] == 3
    row = client.get("/api/kwic?q=双过半").get_json()["rows"][1]
    assert len(row["left"]) <= 4 and len(row["right"]) <= 4
    monkeypatch.setenv("SPEECHES_WEB_CONFIG", str(settings))
    assert create_app().test_client().get("/api/search?q=双过半").get_json()["page_size"] == 3
    monkeypatch.delenv("SPEECHES_WEB_CONFIG")
    monkeypatch.setenv("SPEECHES_INDEX", str(shipped_index))
    assert create_app().test_client().get("/api/search?q=双过半").status_code == 200


def test_pages_warn_when_the_corpus_changed_since_the_build(tmp_path):
    corpus = write_corpus(tmp_path / "corpus", {"b.txt": SMALL["b.txt"], "c.txt": SMALL["c.txt"]})
    build_index(corpus, tmp_path / "index")
    client = create_app({"INDEX": str(tmp_path / "index"), "CORPUS": str(corpus), "CORPUS_CHECK_SECONDS": 0,
                         "TESTING": True}).test_client()
    assert "语料在建立索引之后有变化" not in client.get("/").get_data(as_text=True)
    (corpus / "d.txt").write_text(SMALL["a.txt"], encoding="utf-8")
    (corpus / "c.txt").write_text(SMALL["c.txt"] + "补充一段。\n", encoding="utf-8")
    html = client.get("/").get_data(as_text=True)
    assert "语料在建立索引之后有变化（新增 1、改动 1、删除 0 个文件）" in html
    # Without CORPUS the app compares against the folder the manifest names.
    default = create_app({"INDEX": str(tmp_path / "index"), "CORPUS_CHECK_SECONDS": 0}).test_client()
    assert "新增 1、改动 1" in default.get("/?q=双过半").get_data(as_text=True)


def test_the_serve_command_builds_this_app(shipped_index, monkeypatch):
    from click.testing import CliRunner

    import waitress
    from search.cli import main

    served = {}

    class Server:
        _map: dict = {}

        def handle_accept(self):  # serve wraps it to accept every waiting connection at once
            pass

        def run(self):
            served["running"] = True

    # serve binds first (a busy port is one line, not a traceback), then runs the server.
    monkeypatch.setattr(waitress, "create_server", lambda app, **kw: served.update(app=app, **kw) or Server())
    result = CliRunner().invoke(main, ["serve", "--index", str(shipped_index), "--base-url", "https://x.org",
                                       "--port", "5999"])
    assert result.exit_code == 0, result.output
    app = served["app"]
    assert app.config["BASE_URL"] == "https://x.org" and served["port"] == 5999 and served["running"]
    assert app.test_client().get("/api/kwic?q=双过半").get_json()["rows"][0]["url"].startswith("https://x.org/speech/")


def test_the_search_page_matches_its_query_once_for_hits_chart_and_map(client, monkeypatch):
    # Issue 26: the page matched its query three times (the hits, the year chart, the map).
    from search import matching

    calls = []
    real = matching.matching

    def counted(generation, parsed):
        calls.append(parsed)
        return real(generation, parsed)

    monkeypatch.setattr(matching, "matching", counted)
    page = client.get("/?q=营商环境 OR 发展&province=湖南省")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<figure class="chart">' in html and '<figure class="tilemap">' in html
    # Once with the query; the chart's denominators (the speeches the filters pass) are no match of it.
    assert [parsed.raw for parsed in calls if parsed.text is not None] == ["营商环境 OR 发展"]
