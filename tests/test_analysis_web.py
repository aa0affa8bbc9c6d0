"""Forms, collocates and keywords on the web: pages, JSON and CSV twins, links, escaping; and on the command line."""

import csv
import io
import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from click.testing import CliRunner

from indexer.build import build_index
from search.cli import main
from web import create_app


@pytest.fixture(scope="module")
def client(shipped_index):
    return create_app({"INDEX": str(shipped_index), "TESTING": True}).test_client()


def csv_rows(response) -> list[dict]:
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


def links(html: str, path: str) -> list[str]:
    """Return the links of the page's main part starting with path (the navigation bar links every tool)."""
    main = html[html.index("<main>"):html.index("</main>")]
    return [href.replace("&amp;", "&") for href in re.findall(r'href="([^"]+)"', main) if href.startswith(path)]


def test_the_json_twins_are_the_library_answers(client, corpus):
    def same(url, expected):
        answer = client.get(url)
        assert answer.status_code == 200, url
        assert answer.get_json() == json.loads(json.dumps(expected, ensure_ascii=False)), url

    same("/api/forms?q=/三.四新/", corpus.forms("/三.四新/"))
    same("/api/forms?q=/稳.{0,4}进/&province=湖南&sort=speeches&all=1",
         corpus.forms("/稳.{0,4}进/", {"province": ("湖南",)}, sort="speeches", limit=None))
    same("/api/collocates?q=营商环境&window=5&unit=ngram&min_freq=2",
         corpus.collocates("营商环境", window=5, unit="ngram", min_freq=2))
    same("/api/collocates?q=营商环境&numbers=0&punctuation=1&sort=mi",
         corpus.collocates("营商环境", numbers=False, punctuation=True, sort="mi"))
    same("/api/keywords?year=2022&against_year=2021&against_year=2020",
         corpus.keywords("", {"year": ("2022",)}, against={"year": ("2021", "2020")}))
    same("/api/keywords?q=营商环境&unit=ngram&sort=freq", corpus.keywords("营商环境", unit="ngram", sort="freq"))


def test_json_gives_200_rows_unless_all_and_csv_gives_every_row(client, corpus):
    everything = corpus.keywords("", {"year": ("2022",)}, limit=None)
    assert everything["total"] > 200
    assert len(client.get("/api/keywords?year=2022").get_json()["items"]) == 200
    assert len(client.get("/api/keywords?year=2022&all=1").get_json()["items"]) == everything["total"]
    rows = csv_rows(client.get("/keywords.csv?year=2022"))
    assert len(rows) == everything["total"]
    assert rows[0]["item"] == everything["items"][0]["item"] and rows[0]["filters"] == '{"year": ["2022"]}'
    assert rows[0]["against"] == "{}" and rows[0]["unit"] == "word" and rows[0]["index_version"]
    forms = csv_rows(client.get("/forms.csv?q=/稳.{0,4}进/"))
    assert [(r["form"], int(r["occurrences"])) for r in forms] == \
        [(r["form"], r["occurrences"]) for r in corpus.forms("/稳.{0,4}进/", limit=None)["forms"]]
    collocates = csv_rows(client.get("/collocates.csv?q=发展&window=3"))
    assert len(collocates) == corpus.collocates("发展", window=3, limit=None)["total"] > 200
    assert collocates[0]["window"] == "3" and collocates[0]["query"] == "发展"


def test_every_form_links_to_its_concordance(client, corpus):
    page = client.get("/forms?q=/[一二三四五六七八九十]%2B个一批/&province=湖南")  # %2B: a + in a URL is a space
    html = page.get_data(as_text=True)
    forms = corpus.forms("/[一二三四五六七八九十]+个一批/", {"province": "湖南"})["forms"]
    hrefs = links(html, "/kwic?")
    assert len(hrefs) == len(forms) > 1
    for href, form in zip(hrefs, forms):
        args = parse_qs(urlsplit(href).query)
        assert args == {"q": [form["form"]], "province": ["湖南省"]}
        kwic = client.get("/api" + href).get_json()
        assert kwic["total"] == form["occurrences"]  # the form's own concordance: every occurrence of it
    assert "/api/forms?" in html and "/forms.csv?" in html


def test_a_collocate_links_to_the_concordance_of_both(client, corpus):
    html = client.get("/collocates?q=营商环境").get_data(as_text=True)
    first = corpus.collocates("营商环境")["collocates"][0]["item"]
    href = links(html, "/kwic?")[0]
    assert parse_qs(urlsplit(href).query)["q"] == [f"NEAR(营商环境 {first})"]
    rows = client.get("/api" + href).get_json()["rows"]
    assert {r["match"] for r in rows} == {"营商环境", first}
    pattern = client.get("/collocates?q=/三.四新/ 发展").get_data(as_text=True)
    query = parse_qs(urlsplit(links(pattern, "/kwic?")[0]).query)["q"][0]
    assert query.startswith("(/三.四新/ 发展) ")  # not one term: the query and the collocate, ANDed


def test_keyword_rows_link_to_the_targets_concordance(client, corpus):
    html = client.get("/keywords?year=2022&against_year=2021").get_data(as_text=True)
    first = corpus.keywords("", {"year": "2022"}, against={"year": "2021"})["items"][0]
    href = links(html, "/kwic?")[0]
    assert parse_qs(urlsplit(href).query) == {"q": [first["item"]], "year": ["2022"]}
    assert client.get("/api" + href).get_json()["total"] >= first["target_freq"]


def test_the_search_page_links_to_the_three(client):
    html = client.get("/?q=双过半&province=湖南&sort=date").get_data(as_text=True)
    for path in ("/forms?", "/collocates?", "/keywords?"):
        (href,) = links(html, path)
        assert parse_qs(urlsplit(href).query) == {"q": ["双过半"], "province": ["湖南"]}


def test_nothing_from_the_corpus_or_the_query_reaches_a_page_unescaped(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("在会议上的讲话\n要落实<b>三高四新</b>战略，<script>alert(1)</script>三高四新。\n"
                                  "三高四新<b>战略</b>，<b>三高四新</b>。\n", encoding="utf-8")
    build_index(corpus, tmp_path / "index")
    client = create_app({"INDEX": str(tmp_path / "index"), "TESTING": True}).test_client()
    # Words hold no < or > (rjieba cuts them off); forms and n-grams with punctuation do, and show them escaped.
    for url, shown in [("/forms?q=/<b>.{4}<\\/b>/", "&lt;b&gt;三高四新&lt;/b&gt;"),
                       ("/forms?q=/<script>[^<]%2B/", "&lt;script&gt;alert(1)"),
                       ("/collocates?q=三高四新&punctuation=1&min_freq=1", "script"),
                       ("/collocates?q=三高四新&unit=ngram&punctuation=1&min_freq=1", "&lt;b&gt;"),
                       ("/keywords?q=<script>&unit=ngram&punctuation=1&min_freq=1&against_level=未知", "含「&lt;script&gt;」")]:
        html = client.get(url).get_data(as_text=True)
        assert "<b>" not in html and "<script>alert" not in html, url
        assert shown in html, url


def test_bad_arguments_are_errors_in_each_twin(client):
    assert client.get("/api/forms").status_code == 400
    assert client.get("/forms.csv").status_code == 400
    assert client.get("/forms").status_code == 200  # the empty page says what to type
    answer = client.get("/api/forms?q=/[一二三]*/")
    assert answer.status_code == 400 and "empty string" in answer.get_json()["error"]
    assert "空字符串" in client.get("/forms?q=/[一二三]*/").get_data(as_text=True)
    assert client.get("/api/collocates?q=发展&window=0").status_code == 400
    assert client.get("/api/collocates?q=发展&numbers=maybe").status_code == 400
    assert client.get("/api/keywords?year=2021&unit=sentence").status_code == 400
    assert client.get("/api/keywords?year=2021&against_year=1990").get_json()["code"] == "bad_query"


def test_past_the_time_limit_the_twins_are_503(shipped_index):
    client = create_app({"INDEX": str(shipped_index), "QUERY_TIME_LIMIT_MS": 0, "TESTING": True}).test_client()
    for url in ["/api/forms?q=/稳.{0,4}进/", "/api/collocates?q=发展", "/api/keywords?year=2021&unit=ngram"]:
        answer = client.get(url)
        assert answer.status_code == 503 and answer.get_json()["code"] == "too_broad", url
    assert client.get("/collocates?q=发展").status_code == 503


# ---- the command line ---------------------------------------------------------------------------------


@pytest.fixture
def run(shipped_index):
    def runner(*args):
        return CliRunner().invoke(main, [*args, "--index", str(shipped_index)])
    return runner


def test_the_commands_print_the_library_answers(run, corpus):
    result = run("forms", "/稳.{0,4}进/", "--json", "--province", "湖南")
    assert json.loads(result.output) == json.loads(json.dumps(corpus.forms("/稳.{0,4}进/", {"province": ("湖南",)})))
    result = run("collocates", "营商环境", "--window", "5", "--unit", "ngram", "--min-freq", "2", "--json")
    assert json.loads(result.output)["collocates"] == corpus.collocates("营商环境", window=5, unit="ngram",
                                                                      min_freq=2)["collocates"]
    result = run("keywords", "--year", "2022", "--against-year", "2021", "--json", "--all")
    expected = corpus.keywords("", {"year": ("2022",)}, against={"year": ("2021",)}, limit=None)
    assert json.loads(result.output)["items"] == json.loads(json.dumps(expected["items"]))


def test_the_commands_give_every_row_as_csv_and_a_table_by_default(run, corpus):
    rows = list(csv.DictReader(io.StringIO(run("keywords", "--year", "2022", "--csv").output.lstrip("\ufeff"))))
    assert len(rows) == corpus.keywords("", {"year": "2022"}, limit=None)["total"] > 200
    table = run("collocates", "营商环境", "--no-numbers", "--punctuation").output.splitlines()
    assert table[0].split("\t") == ["item", "window_freq", "corpus_freq", "g2", "mi", "logdice"]
    first = corpus.collocates("营商环境", numbers=False, punctuation=True)["collocates"][0]
    assert table[1].split("\t")[:3] == [first["item"], str(first["window_freq"]), str(first["corpus_freq"])]
    lines = run("forms", "/三.四新/", "--jsonl").output.splitlines()
    assert [json.loads(line)["form"] for line in lines] == [r["form"] for r in corpus.forms("/三.四新/")["forms"]]


def test_the_commands_turn_errors_into_one_line(run):
    for args, message in [(("forms", "/(a)\\1/"), "back-reference"), (("keywords",), "say what the target is"),
                          (("collocates", "发展", "--window", "0"), "window")]:
        result = run(*args)
        assert result.exit_code == 2 and message in result.output and "Traceback" not in result.output, args
