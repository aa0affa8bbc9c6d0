"""Issue 25, through Flask's test client: how a query was read, suggestions, filter chips, citations that
keep their qualifiers, the navigation bar, the English interface, the maps' legend and scale, export names."""

import json
import re
from html.parser import HTMLParser
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from indexer import schema
from search import settings
from web.tilemap import EMPTY, NONE_FOUND, RATED, TOO_SMALL, tile_map

PAGES = {  # every page, with a query and a province filter where it takes them
    "search": "/?q=双过半&province=湖南省",
    "overview": "/",
    "kwic": "/kwic?q=双过半&province=湖南省",
    "compare": "/compare?q=稳中求进&q=高质量发展&by=year&province=湖南省",
    "forms": "/forms?q=/三.四新/&province=湖南省",
    "collocates": "/collocates?q=发展&province=湖南省",
    "keywords": "/keywords?q=发展&province=湖南省&against_year=2019",
    "clusters": "/clusters?q=发展&province=湖南省",
}
TOOLS = ("search", "overview", "kwic", "compare", "forms", "collocates", "keywords", "clusters")


class Page(HTMLParser):
    """Collect a page's links (href, class, text) and the text of elements by class."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.links, self.by_class, self._open = [], {}, []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = (attrs.get("class") or "").split()
        self._open.append((tag, attrs, classes, []))

    def handle_endtag(self, tag):
        while self._open:
            name, attrs, classes, text = self._open.pop()
            joined = "".join(text)
            if self._open:
                self._open[-1][3].append(joined)
            if name == "a":
                self.links.append({**attrs, "href": attrs.get("href", ""), "class": classes, "text": joined.strip()})
            for cls in classes:
                self.by_class.setdefault(cls, []).append(joined.strip())
            if name == tag:
                break

    def handle_data(self, data):
        if self._open:
            self._open[-1][3].append(data)

    def links_of(self, cls: str) -> list[dict]:
        return [link for link in self.links if cls in link["class"]]


def get(client, path, lang=None, **headers):
    if lang:
        path += ("&" if "?" in path else "?") + f"lang={lang}"
    response = client.get(path, headers=headers)
    assert response.status_code == 200, path
    return Page(response.get_data(as_text=True)), response


def args_of(href: str) -> dict:
    return parse_qs(urlsplit(href).query)


# ---- the query's reading and the suggestion (item 2) ----------------------------------------


@pytest.mark.parametrize("lang, reading, suggestion", [
    ("zh", "「双」且「过」且「半」", "是否要找“双过半”？"),
    ("en", "“双” AND “过” AND “半”", "Did you mean “双过半”?"),
])
@pytest.mark.parametrize("path", ["/?q=双 过 半", "/kwic?q=双 过 半", "/compare?q=双 过 半&by=year",
                                  "/forms?q=双 过 半", "/collocates?q=双 过 半", "/keywords?q=双 过 半"])
def test_every_page_that_searches_shows_the_reading_and_each_suggestion_as_a_link(client, corpus, path, lang, reading,
                                                                                    suggestion):
    page, _ = get(client, path, lang)
    assert page.by_class["reading-text"] == [reading]
    (text,) = page.by_class["suggestion"]
    assert text.startswith(suggestion)
    (link,) = page.links_of("suggestion-link")
    endpoint = urlsplit(path).path
    assert urlsplit(link["href"]).path == endpoint and args_of(link["href"])["q"] == ["双过半"]
    # Its count is what the suggested query finds, in speeches.
    total = corpus.search("双过半")["total"]
    assert page.by_class["suggestion-count"] == [(f"{total} 篇讲话" if lang == "zh" else f"{total} speeches")]


def test_the_reading_names_filters_and_data_stays_as_printed(client):
    page, _ = get(client, "/kwic?q=营商环境 -疫情&province=湖南&date_source=inferred", "en")
    assert page.by_class["reading-text"] == ["“营商环境” AND NOT “疫情”; date source: inferred; province: 湖南省"]
    page, _ = get(client, "/kwic?q=营商环境 -疫情&province=湖南&date_source=inferred", "zh")
    assert page.by_class["reading-text"] == ["「营商环境」且不含「疫情」；日期来源：推断；省份：湖南省"]


def test_the_speech_page_shows_the_query_read_never_in_doubled_quotes(client, corpus):
    # Issue 25: ?q="高质量发展" showed “"高质量发展"”.
    hit = corpus.search('"高质量发展"')["hits"][0]
    response = client.get(f'/speech/{hit["id"]}?q="高质量发展"')
    html = response.get_data(as_text=True)
    assert '“"' not in html and "&#34;高质量发展&#34;”" not in html
    assert Page(html).by_class["reading-text"] == ["「高质量发展」"]


# ---- filter chips (item 3) -------------------------------------------------------------------


@pytest.mark.parametrize("lang, label", [("zh", "省份"), ("en", "province")])
@pytest.mark.parametrize("name", [name for name in PAGES if name != "overview"])
def test_every_page_shows_its_filters_as_chips_that_remove_them(client, name, lang, label):
    page, _ = get(client, PAGES[name], lang)
    chips = [link for link in page.links_of("chip") if link.get("data-field") == "province"]
    assert [chip["text"].split()[:2] for chip in chips] == [[label, "湖南省"]]
    removed = args_of(chips[0]["href"])
    asked = args_of(PAGES[name])
    assert "province" not in removed
    assert removed == {key: value for key, value in asked.items() if key != "province"}


def test_the_compare_page_shows_a_map_clicks_province_and_clears_it(client, corpus):
    # Issue 25: with province=湖南省 the page read "比较词语（按年份）", a provincial trend passing for a national one.
    page, _ = get(client, "/compare?q=稳中求进&by=year&province=湖南省&stated=1")
    fields = [link.get("data-field") for link in page.links_of("chip")]
    assert fields == ["province", "extra"]  # the stated-years switch is a filter too
    (clear,) = page.links_of("clear")
    assert args_of(clear["href"]) == {"q": ["稳中求进"], "by": ["year"]}
    cleared, _ = get(client, clear["href"])
    assert not cleared.links_of("chip")


def test_the_keywords_page_shows_target_and_reference_chips_apart(client):
    page, _ = get(client, "/keywords?year=2021&against_year=2019")
    chips = {link["data-field"]: args_of(link["href"]) for link in page.links_of("chip")}
    assert chips == {"year": {"against_year": ["2019"]}, "against_year": {"year": ["2021"]}}


def test_a_snapshot_shows_its_filters_fixed_and_every_row_links_its_speech(client, corpus):
    response = client.post("/cite", data={"q": "双过半", "province": "湖南省"})
    page, _ = get(client, response.headers["Location"])
    assert not page.links_of("chip") and page.by_class["fixed"] == ["省份 湖南省"]
    snapshot = corpus.snapshot(response.headers["Location"].rsplit("/", 1)[1])
    rows = [link for link in page.links_of("speech-link")]
    assert [urlsplit(link["href"]).path for link in rows] == [f"/speech/{i}" for i in snapshot["ids"]]
    # The line a paper pastes says what was searched, filters included.
    (line,) = page.by_class["citation"]
    assert "「双过半」；省份：湖南省" in line


# ---- citations keep their qualifiers (item 4) --------------------------------------------------


@pytest.mark.parametrize("lang, inferred, unknown", [("zh", "（推断）", "讲话人未知"), ("en", " (inferred)", "speaker unknown")])
def test_a_citation_carries_the_inferred_year_and_the_unknown_speaker(client, corpus, lang, inferred, unknown):
    # Issue 25: a year shown as 2018（推断） was cited as 2018.
    speech = next(s for s in corpus.speeches() if s["date_source"] == "inferred" and s["speaker"] is None)
    page, _ = get(client, f"/speech/{speech['id']}", lang)
    (shown,) = page.by_class["date-source"]
    assert shown.strip("（）() ") == ("推断" if lang == "zh" else "inferred")
    lines = page.by_class["citation"]  # the speech's and the paragraph's
    assert len(lines) == 2
    for line in lines:
        assert line.startswith(unknown) and f"{speech['date']}{inferred}" in line and speech["id"] in line


def test_a_printed_date_is_cited_bare(client, corpus):
    speech = next(s for s in corpus.speeches() if s["date_source"] == "printed" and s["speaker"])
    page, _ = get(client, f"/speech/{speech['id']}")
    line = page.by_class["citation"][0]
    assert line.startswith(f"{speech['speaker']}，《") and f"，{speech['date']}，http" in line


# ---- one navigation bar (item 5) ------------------------------------------------------------


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("name", list(PAGES) + ["speech", "raw", "cite", "error"])
def test_every_page_links_every_tool(client, corpus, name, lang):
    speech = corpus.speeches()[0]["id"]
    path = PAGES.get(name) or {"speech": f"/speech/{speech}", "raw": f"/speech/{speech}/raw",
                               "cite": client.post("/cite", data={"q": "双过半"}).headers.get("Location"),
                               "error": "/nowhere"}[name]
    response = client.get(path + ("&" if "?" in path else "?") + f"lang={lang}")
    page = Page(response.get_data(as_text=True))
    tools = {link["class"][1].removeprefix("tool-"): link for link in page.links_of("tool")}
    assert list(tools) == list(TOOLS)
    current = [tool for tool, link in tools.items() if link.get("aria-current") == "page"]
    assert current == ([name] if name in TOOLS else [])
    labels = {"zh": ["检索", "语料概览", "逐条索引", "比较", "形式", "搭配词", "关键词", "词簇"],
              "en": ["Search", "Overview", "Concordance", "Compare", "Forms", "Collocates", "Keywords", "Clusters"]}[lang]
    assert [link["text"] for link in tools.values()] == labels


def test_the_bar_carries_the_query_and_filters_to_every_tool(client):
    page, _ = get(client, "/?q=双过半&province=湖南省&sort=date")
    tools = {link["class"][1].removeprefix("tool-"): args_of(link["href"]) for link in page.links_of("tool")}
    for tool in ("search", "kwic", "compare", "forms", "collocates", "keywords", "clusters"):
        assert tools[tool] == {"q": ["双过半"], "province": ["湖南省"]}, tool
    assert tools["overview"] == {}


@pytest.mark.parametrize("path, zh, en", [
    ("/?q=双过半", "检索讲话", "Search"), ("/kwic?q=双过半", "逐条索引", "Concordance"),
    ("/forms?q=/三.四新/", "形式", "Forms"), ("/collocates?q=发展", "搭配词", "Collocates"),
    ("/keywords?year=2021", "关键词", "Keywords"), ("/clusters?q=发展", "词簇", "Clusters"),
])
def test_the_box_atop_a_tool_page_says_which_tool_it_runs(client, path, zh, en):
    for lang, label in (("zh", zh), ("en", en)):
        page, _ = get(client, path, lang)
        assert page.by_class["box-tool"] == [label]


# ---- the English interface (item 6) ----------------------------------------------------------


def test_the_language_is_asked_remembered_and_defaults_from_the_browser(client):
    assert '<html lang="zh-CN">' in client.get("/").get_data(as_text=True)
    answer = client.get("/?lang=en")
    assert '<html lang="en">' in answer.get_data(as_text=True)
    assert "lang=en" in answer.headers["Set-Cookie"]
    # Remembered: the next page without ?lang= is English too, until Chinese is asked for.
    assert '<html lang="en">' in client.get("/kwic").get_data(as_text=True)
    assert '<html lang="zh-CN">' in client.get("/kwic?lang=zh").get_data(as_text=True)
    assert '<html lang="zh-CN">' in client.get("/kwic").get_data(as_text=True)


@pytest.mark.parametrize("accept, html_lang", [("en-US,en;q=0.9", "en"), ("zh-CN,zh;q=0.9,en;q=0.8", "zh-CN"),
                                               ("fr-FR", "zh-CN"), ("de,en;q=0.5", "en")])
def test_without_a_choice_the_browsers_languages_decide(app, accept, html_lang):
    fresh = app.test_client()
    assert f'<html lang="{html_lang}">' in fresh.get("/", headers={"Accept-Language": accept}).get_data(as_text=True)


def test_an_unknown_language_is_ignored(client):
    response = client.get("/?lang=xx")
    assert '<html lang="zh-CN">' in response.get_data(as_text=True) and "Set-Cookie" not in response.headers


def test_errors_are_in_the_pages_language_and_json_keeps_both(client):
    zh = client.get("/?q=(双过半&lang=zh").get_data(as_text=True)
    en = client.get("/?q=(双过半&lang=en").get_data(as_text=True)
    assert "请求有误" in zh and "never closed" in zh  # the English beneath the Chinese
    assert "Bad request" in en and "never closed" in en and "没有闭合" not in en
    api = client.get("/api/search?q=(双过半&lang=en").get_json()
    assert api["code"] == "bad_query" and "never closed" in api["error"] and "没有闭合" in api["zh"]


# ---- the map (item 7) -------------------------------------------------------------------------


def series(occurrences, speeches_total, chars):
    return {"occurrences": occurrences, "speeches": min(occurrences, speeches_total), "speeches_total": speeches_total,
            "chars": chars, "per_10k_chars": occurrences * 10_000 / chars if chars else None}


def test_a_map_tells_no_speeches_none_found_too_small_and_rated_apart():
    grid = tile_map({"湖南省": series(6, 3, 30_000), "甘肃省": series(0, 2, 20_000), "广东省": series(4, 1, 2_000)},
                    min_chars=10_000)
    states = {tile["name"]: tile["state"] for tile in grid["tiles"]}
    assert (states["湖南省"], states["甘肃省"], states["广东省"], states["北京市"]) == (RATED, NONE_FOUND, TOO_SMALL, EMPTY)
    # A small province's rate (20 per 10,000) does not set the scale: 湖南's 2 does.
    assert grid["peak"] == pytest.approx(2.0)
    assert [tile["fill"] for tile in grid["tiles"] if tile["state"] != RATED] == [None] * 33


def test_the_compare_maps_share_one_scale_unless_asked_per_term(client, corpus, app):
    terms = ["稳中求进", "高质量发展"]
    result = corpus.compare(terms, "province")
    minimum = app.config["MAP_MIN_CHARS"]
    rates = {term: [b["series"][term]["per_10k_chars"] for b in result["buckets"]
                    if b["chars"] >= minimum and b["key"]["province"] not in (schema.UNKNOWN, schema.NATIONAL)
                    and b["series"][term]["occurrences"]] for term in terms}
    path = "/compare?q=稳中求进&q=高质量发展&by=year"
    shared = re.findall(r'class="scale-top">([^<]+)<', client.get(path).get_data(as_text=True))
    top = max(max(r) for r in rates.values())
    assert shared == [f"{top:.3g}"] * 2
    apart = re.findall(r'class="scale-top">([^<]+)<', client.get(path + "&scale=term").get_data(as_text=True))
    assert apart == [f"{max(rates[term]):.3g}" for term in terms]


def test_the_map_marks_provinces_under_the_minimum_as_too_small(shipped_index):
    from web import create_app

    assert settings.setting("map_min_chars").default == 10_000
    big = create_app({"INDEX": str(shipped_index), "TESTING": True, "MAP_MIN_CHARS": 10**9}).test_client()
    html = big.get("/?q=发展").get_data(as_text=True)
    states = re.findall(r'data-state="(\w+)"', html)
    assert states and set(states) <= {EMPTY, TOO_SMALL}  # every province with speeches is too small for 10^9
    assert "10 亿" not in html and "1000000000" in html  # the legend names the minimum


# ---- smaller items (8) ------------------------------------------------------------------------


@pytest.mark.parametrize("path, name", [
    ("/export.csv?q=双过半", "speeches-kwic-双过半.csv"),
    ("/export.csv?q=双过半&what=speeches", "speeches-speeches-双过半.csv"),
    ("/compare.csv?q=稳中求进&q=GDP&by=year", "speeches-compare-稳中求进_GDP.csv"),
    ("/forms.csv?q=/三.四新/", "speeches-forms-三_四新.csv"),
    ("/collocates.csv?q=营商环境", "speeches-collocates-营商环境.csv"),
    ("/keywords.csv?year=2021", "speeches-keywords.csv"),
])
def test_exports_are_named_after_the_tool_and_the_query(client, path, name):
    disposition = client.get(path).headers["Content-Disposition"]
    found = re.search(r"filename\*=UTF-8''(\S+)", disposition).group(1)
    assert unquote(found) == name
    fallback = re.search(r'filename="([^"]+)"', disposition).group(1)
    assert fallback.isascii() and fallback.startswith(name.split("-")[0] + "-" + name.split("-")[1])


def test_the_command_line_prints_the_reading_the_suggestion_and_one_speech(shipped_index, corpus):
    from click.testing import CliRunner

    from search.cli import main

    result = CliRunner().invoke(main, ["search", "双", "过", "半", "--index", str(shipped_index)])
    lines = result.output.splitlines()
    total = corpus.search("双过半")["total"]
    assert lines[1:3] == ["Read as: 「双」且「过」且「半」", f"Did you mean “双过半”? {total} speeches"]
    single = next(s for s in corpus.speeches() if s["title"] and corpus.search(f'title:"{s["title"]}"')["total"] == 1)
    one = CliRunner().invoke(main, ["search", f'title:"{single["title"]}"', "--index", str(shipped_index)])
    assert one.output.startswith("1 speech, 0 occurrences\n")


def test_the_json_keeps_its_chinese_reading(client):
    body = client.get("/api/search?q=双 过 半&lang=en").get_json()
    assert body["parsed"]["reading"] == "「双」且「过」且「半」"
    assert json.dumps(body["suggestions"], ensure_ascii=False).count("双过半") == 1
