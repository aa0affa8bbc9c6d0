"""Issue 25 in a real browser (Debian's chromium through Playwright), each item in Chinese and in English:
the query's reading and suggestion, filter chips, citations with their qualifiers, the navigation bar,
the English interface, the map's legend, export names and snapshot rows."""

import re
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from test_browser import ARTIFACTS, CHROMIUM, base_url, browser, open_page  # noqa: F401

pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed: apt-get install -y chromium fonts-noto-cjk")

LOCALES = {"zh": "zh-CN", "en": "en-US"}  # the browser's language picks the interface's
TOOLS = ["search", "overview", "kwic", "compare", "forms", "collocates", "keywords", "clusters"]

# Text a person reads that is interface, not data: every text node outside what the page marks as
# Chinese data (lang=zh: titles, speakers, places, queries, snippets), code (query examples) and the
# citation lines, which quote the data. Its Han characters are Chinese interface text.
INTERFACE_HAN = """() => {
  const han = /[\\u3400-\\u9fff\\u3000-\\u303f\\uff00-\\uffef]/;
  const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (!han.test(node.data)) continue;
    if (node.parentElement.closest('[lang^=zh], code, pre, script, style, textarea, option, .citation')) continue;
    found.push(node.data.trim().slice(0, 80));
  }
  return found;
}"""


def query_of(url: str) -> dict:
    return parse_qs(urlsplit(url).query)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_query_pasted_from_a_pdf_shows_its_reading_and_the_suggestion_leads_to(open_page, base_url, corpus, lang):  # noqa: F811
    page = open_page("desktop", LOCALES[lang])
    page.goto(base_url + "/")
    page.fill("#box-q", "双 过 半")
    page.press("#box-q", "Enter")
    page.wait_for_url(re.compile(r"q="))
    reading = {"zh": "「双」且「过」且「半」", "en": "“双” AND “过” AND “半”"}[lang]
    assert page.inner_text(".reading-text") == reading
    suggestion = page.locator("a.suggestion-link")
    assert suggestion.inner_text() == "双过半"
    total = corpus.search("双过半")["total"]
    assert page.inner_text(".suggestion-count") == {"zh": f"{total} 篇讲话", "en": f"{total} speeches"}[lang]
    page.screenshot(path=str(ARTIFACTS / f"reading-{lang}.png"))
    suggestion.click()
    page.wait_for_url(re.compile(r"q=%E5%8F%8C%E8%BF%87%E5%8D%8A"))
    assert page.inner_text(".summary .total") == str(total)
    # The concordance of the pasted query says the same.
    page.goto(base_url + "/kwic?q=双 过 半")
    assert page.inner_text(".reading-text") == reading and page.locator("a.suggestion-link").count() == 1


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_compare_page_shows_the_province_a_map_click_added_and_clears_it(open_page, base_url, lang):  # noqa: F811
    page = open_page("desktop", LOCALES[lang])
    page.goto(base_url + "/compare?q=稳中求进&q=高质量发展&by=year")
    assert page.locator(".active-filters .chip").count() == 0
    page.locator(".tilemap a[data-province='湖南省']").first.click()
    page.wait_for_url(re.compile(r"province="))
    chip = page.locator(".active-filters a.chip[data-field=province]")
    assert chip.inner_text().split()[:2] == [{"zh": "省份", "en": "province"}[lang], "湖南省"]
    page.screenshot(path=str(ARTIFACTS / f"compare-chip-{lang}.png"))
    chip.click()
    page.wait_for_url(lambda url: "province" not in query_of(url))
    assert page.locator(".active-filters .chip").count() == 0
    assert query_of(page.url)["q"] == ["稳中求进", "高质量发展"]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_citation_of_an_inferred_year_carries_the_mark_in_the_pasted_line(open_page, base_url, corpus, lang):  # noqa: F811
    speech = next(s for s in corpus.speeches() if s["date_source"] == "inferred" and s["speaker"] is None)
    page = open_page("desktop", LOCALES[lang])
    page.goto(base_url + f"/speech/{speech['id']}")
    mark = {"zh": f"{speech['date']}（推断）", "en": f"{speech['date']} (inferred)"}[lang]
    unknown = {"zh": "讲话人未知", "en": "speaker unknown"}[lang]
    line = page.inner_text("#cite-speech")
    assert line.startswith(unknown) and mark in line
    # Choosing a paragraph keeps the mark, and the copied line is the one shown.
    page.click("#p3 a.pn")
    page.locator("#cite-paragraph", has_text={"zh": "第3段，", "en": "para. 3, "}[lang]).wait_for()
    paragraph = page.inner_text("#cite-paragraph")
    assert mark in paragraph and paragraph.endswith("#p3")
    page.click("button[data-copy=cite-paragraph]")
    page.locator("button[data-copy=cite-paragraph]", has_text={"zh": "已复制", "en": "Copied"}[lang]).wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == paragraph


@pytest.mark.parametrize("path", ["/", "/?q=双过半", "/kwic?q=双过半", "/compare?q=稳中求进&q=高质量发展&by=province,year",
                                  "/forms?q=/三.四新/", "/collocates?q=营商环境", "/keywords?year=2021&against_year=2019",
                                  "/?q=营商环境&province=湖南&date_source=inferred", "SPEECH", "SNAPSHOT"])
def test_the_english_pages_hold_no_chinese_interface_text(open_page, base_url, corpus, path):  # noqa: F811
    page = open_page("desktop", "en-US")
    if path == "SPEECH":
        path = f"/speech/{corpus.search('双过半')['hits'][0]['id']}?q=双过半"
    if path == "SNAPSHOT":
        page.goto(base_url + "/?q=双过半&province=湖南")
        page.click("button.cite-button")
        page.wait_for_url(re.compile(r"/cite/"))
        path = urlsplit(page.url).path
    page.goto(base_url + path)
    assert page.get_attribute("html", "lang") == "en"
    assert page.evaluate(INTERFACE_HAN) == []
    # Tooltips and legends too: the map's squares and the chart's bars.
    if path == "/?q=双过半":
        page.click(".province-map summary")
        assert "no speeches" in page.inner_text(".map-legend")
        page.screenshot(path=str(ARTIFACTS / "english-search.png"), full_page=True)


def test_english_is_chosen_by_lang_remembered_and_chinese_comes_back(open_page, base_url):  # noqa: F811
    page = open_page("desktop", "zh-CN")
    page.goto(base_url + "/?q=双过半")
    assert page.get_attribute("html", "lang") == "zh-CN"
    page.click("a.language[hreflang=en]")
    page.wait_for_url(re.compile(r"lang=en"))
    assert page.get_attribute("html", "lang") == "en" and page.inner_text(".box-tool") == "Search"
    # Remembered: a link without ?lang= stays in English.
    page.click("nav.tools a.tool-kwic")
    page.wait_for_url(re.compile(r"/kwic\?"))
    assert "lang" not in query_of(page.url) and page.inner_text("h1") == "Concordance (KWIC)"
    page.click("a.language[hreflang=zh]")
    page.wait_for_url(re.compile(r"lang=zh"))
    assert page.inner_text("h1") == "逐条索引（KWIC）"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_page_links_every_tool_and_the_box_names_its_tool(open_page, base_url, corpus, lang):  # noqa: F811
    page = open_page("desktop", LOCALES[lang])
    speech = corpus.speeches()[0]["id"]
    for path in ["/", "/?q=双过半", "/kwic?q=双过半", "/compare?q=双过半", "/forms?q=/三.四新/", "/collocates?q=发展",
                 "/keywords?year=2021", "/clusters?q=发展", f"/speech/{speech}", f"/speech/{speech}/raw", "/nowhere"]:
        page.goto(base_url + path)
        names = page.eval_on_selector_all("nav.tools a.tool", "links => links.map(a => a.className.split(' ')[1])")
        assert names == [f"tool-{tool}" for tool in TOOLS], path
    # From a search, the bar opens each tool on the same query; the box there says which tool it runs.
    page.goto(base_url + "/?q=双过半&province=湖南")
    for tool, label in zip(["kwic", "forms", "collocates", "clusters"], {"zh": ["逐条索引", "形式", "搭配词", "词簇"],
                                                                        "en": ["Concordance", "Forms", "Collocates",
                                                                               "Clusters"]}[lang]):
        page.click(f"nav.tools a.tool-{tool}")
        page.wait_for_load_state()
        assert query_of(page.url) == {"q": ["双过半"], "province": ["湖南"]}, tool
        assert page.inner_text(".box-tool") == label
        assert page.get_attribute(f"nav.tools a.tool-{tool}", "aria-current") == "page"
        page.go_back()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_maps_have_a_legend_one_scale_and_say_what_is_no_rate(open_page, base_url, lang):  # noqa: F811
    page = open_page("desktop", LOCALES[lang])
    page.goto(base_url + "/compare?q=稳中求进&q=高质量发展&by=year")
    tops = page.eval_on_selector_all(".map-legend .scale-top", "tops => tops.map(t => t.textContent)")
    assert len(tops) == 2 and tops[0] == tops[1]  # one scale for both terms
    states = set(page.eval_on_selector_all(".tilemap a.tile", "tiles => tiles.map(t => t.dataset.state)"))
    assert {"empty", "rated"} <= states
    legend = page.inner_text(".map-legend >> nth=0")
    for words in {"zh": ["每万字次数", "有讲话，未找到", "没有讲话", "太少不评"],
                  "en": ["per 10,000 characters", "speeches, none found", "no speeches", "too small to rate"]}[lang]:
        assert words in legend
    # A square with no speeches looks unlike one whose speeches do not hold the term.
    fills = {state: page.eval_on_selector(f".tilemap a.state-{state} rect", "r => getComputedStyle(r).fill")
             for state in ("empty", "none") if page.locator(f".tilemap a.state-{state}").count()}
    assert len(set(fills.values())) == len(fills)
    page.locator("a.scale-switch").click()
    page.wait_for_url(re.compile(r"scale=term"))
    tops = page.eval_on_selector_all(".map-legend .scale-top", "tops => tops.map(t => t.textContent)")
    assert len(tops) == 2 and tops[0] != tops[1]
    page.screenshot(path=str(ARTIFACTS / f"maps-{lang}.png"), full_page=True)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_an_export_is_named_after_its_query_and_snapshot_rows_open_their_speech(open_page, base_url, lang):  # noqa: F811
    page = open_page("desktop", LOCALES[lang])
    page.goto(base_url + "/kwic?q=双过半")
    with page.expect_download() as download:
        page.click("a[href^='/export.csv']")
    assert unquote(download.value.suggested_filename) == "speeches-kwic-双过半.csv"
    page.click("button.cite-button")
    page.wait_for_url(re.compile(r"/cite/"))
    row = page.locator(".snapshot-table a.speech-link").first
    speech_id = row.inner_text()
    row.click()
    page.wait_for_url(re.compile(rf"/speech/{speech_id}"))
    assert page.locator(".text mark").count() > 0  # the query's hits marked
