"""The forms, collocates and keywords pages in a real browser (Debian's chromium through Playwright)."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from test_browser import ARTIFACTS, CHROMIUM, base_url, browser, no_sideways_scroll, open_page  # noqa: F401

pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed: apt-get install -y chromium fonts-noto-cjk")


def test_from_a_search_to_the_forms_of_a_pattern_and_their_concordance(open_page, base_url, corpus):  # noqa: F811
    page = open_page("desktop")
    page.goto(base_url + "/")
    page.fill("input[name=q]", "/[一二三四五六七八九十]+个一批/")
    page.press("input[name=q]", "Enter")
    page.wait_for_load_state()
    expected = corpus.search("/[一二三四五六七八九十]+个一批/")
    assert page.inner_text(".summary .total") == str(expected["total"])
    assert re.fullmatch("[一二三四五六七八九十]+个一批", page.locator(".hits mark").first.inner_text())

    page.click(".analysis-links a:text('形式')")
    page.wait_for_url(re.compile(r"/forms\?"))
    forms = corpus.forms("/[一二三四五六七八九十]+个一批/")
    assert page.inner_text(".summary .total") == str(forms["total"])
    cells = page.locator("table.forms tbody tr").all_inner_texts()
    assert [c.split("\t") for c in cells] == [[f["form"], str(f["occurrences"]), str(f["speeches"])]
                                              for f in forms["forms"]]
    page.screenshot(path=str(ARTIFACTS / "forms-desktop.png"))

    # Sorting by form reorders the table.
    page.click(".controls a:text('形式')")
    page.wait_for_url(re.compile(r"sort=form"))
    assert page.locator("table.forms td.item").all_inner_texts() == sorted(f["form"] for f in forms["forms"])

    # Each form opens its own concordance: every row is that form.
    first = page.locator("table.forms td.item a").first
    form = first.inner_text()
    first.click()
    page.wait_for_url(re.compile(r"/kwic\?"))
    matches = page.locator("table.kwic td.match").all_inner_texts()
    assert matches and set(matches) == {form}


def test_collocates_of_a_term_open_the_concordance_of_both(open_page, base_url, corpus):  # noqa: F811
    page = open_page("desktop")
    page.goto(base_url + "/collocates?q=营商环境")
    result = corpus.collocates("营商环境")
    assert page.locator("table.collocates tbody tr").count() == len(result["collocates"])
    top = result["collocates"][0]
    assert page.locator("table.collocates td.item").first.inner_text() == top["item"]
    page.screenshot(path=str(ARTIFACTS / "collocates-desktop.png"))

    # A narrower window from the form: fewer words in the windows.
    page.fill("input[name=window]", "3")
    page.click("form.analysis-form button")
    page.wait_for_url(re.compile(r"window=3"))
    narrow = corpus.collocates("营商环境", window=3)
    assert f"左右各 3 字窗口内共 {narrow['window_size']} 个词" in page.inner_text(".summary")

    page.locator("table.collocates td.item a").first.click()
    page.wait_for_url(re.compile(r"/kwic\?"))
    query = parse_qs(urlsplit(page.url).query)["q"][0]
    assert query == f"NEAR(营商环境 {narrow['collocates'][0]['item']})"
    assert set(page.locator("table.kwic td.match").all_inner_texts()) == {"营商环境", narrow["collocates"][0]["item"]}


def test_keywords_of_a_year_against_another(open_page, base_url, corpus):  # noqa: F811
    page = open_page("desktop")
    page.goto(base_url + "/keywords")
    page.fill("fieldset:first-of-type input[name=year]", "2022")
    page.fill("input[name=against_year]", "2021")
    page.click("form.analysis-form button")
    page.wait_for_url(re.compile(r"against_year=2021"))
    expected = corpus.keywords("", {"year": "2022"}, against={"year": "2021"})
    assert page.inner_text(".summary .total") == str(expected["target"]["speeches"])
    rows = page.locator("table.keywords tbody tr")
    assert rows.count() == len(expected["items"])
    first = rows.first.locator("td").all_inner_texts()
    assert first[:2] == [expected["items"][0]["item"], str(expected["items"][0]["target_freq"])]
    page.screenshot(path=str(ARTIFACTS / "keywords-desktop.png"))

    # The n-gram unit from the same form.
    page.select_option("select[name=unit]", "ngram")
    page.click("form.analysis-form button")
    page.wait_for_url(re.compile(r"unit=ngram"))
    ngrams = corpus.keywords("", {"year": "2022"}, against={"year": "2021"}, unit="ngram")
    assert page.locator("table.keywords td.item").first.inner_text() == ngrams["items"][0]["item"]


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_the_analysis_pages_fit_the_screen(open_page, base_url, size):  # noqa: F811
    page = open_page(size)
    for name, path in {"forms": "/forms?q=/稳.{0,4}进/", "collocates": "/collocates?q=发展&unit=ngram",
                       "keywords": "/keywords?year=2022"}.items():
        page.goto(base_url + path)
        assert no_sideways_scroll(page), f"{name} is wider than a {size} screen"
        if size == "phone":
            page.screenshot(path=str(ARTIFACTS / f"{name}-phone.png"))
