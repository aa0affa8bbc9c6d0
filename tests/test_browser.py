"""The pages a researcher sees, driven in a real browser (Debian's chromium through Playwright)."""

import re
import shutil
import threading
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from werkzeug.serving import make_server

from web import create_app

CHROMIUM = shutil.which("chromium")
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}

pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed: apt-get install -y chromium fonts-noto-cjk")


@pytest.fixture(scope="module")
def base_url(shipped_index):
    """Serve the app over the shipped corpus on a free port of 127.0.0.1, in a background thread."""
    app = create_app({"INDEX": str(shipped_index)})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
        )
        yield browser
        browser.close()


@pytest.fixture
def open_page(browser, base_url):
    """Open pages in a fresh context of the given size; fail the test on any script error or refused content.

    Every response carries a Content-Security-Policy without inline scripts or styles: the
    browser reports what it refuses on the console, and a page relying on it would break.
    """
    contexts, errors = [], []

    def opener(size="desktop", locale="zh-CN"):
        # The browser's language picks the interface's (Accept-Language): Chinese unless a test asks otherwise.
        context = browser.new_context(viewport=SIZES[size], is_mobile=size == "phone", has_touch=size == "phone",
                                      locale=locale)
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base_url)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("console", lambda message: errors.append(message.text)
                if "Content Security Policy" in message.text else None)
        page.add_init_script("document.addEventListener('securitypolicyviolation', e => "
                             "console.error('Content Security Policy refused ' + e.violatedDirective + ' ' + e.blockedURI))")
        return page

    yield opener
    for context in contexts:
        context.close()
    assert errors == []


def in_view(page, selector: str) -> bool:
    """Tell whether an element's top is inside the visible part of the window."""
    return page.eval_on_selector(
        selector, "e => { const r = e.getBoundingClientRect(); return r.top >= 0 && r.top < window.innerHeight; }")


def no_sideways_scroll(page) -> bool:
    """Tell whether the page fits the window's width (long titles must wrap, not widen it)."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_search_facet_speech_and_citation(open_page, base_url, corpus):
    page = open_page("desktop")
    page.goto(base_url + "/")
    assert page.evaluate("document.fonts.check('16px \"Noto Sans CJK SC\"')"), "no CJK font: install fonts-noto-cjk"
    # The overview's share bars are drawn (SVG, not an inline style the policy would refuse).
    bars = page.eval_on_selector_all(".hbar rect", "rs => rs.map(r => r.getBoundingClientRect().width)")
    assert bars and max(bars) > 10 * min(bars) > 0
    page.screenshot(path=str(ARTIFACTS / "overview-desktop.png"), full_page=True)

    # Search for an exact phrase from the box.
    page.fill("input[name=q]", "双过半")
    page.press("input[name=q]", "Enter")
    page.wait_for_url(re.compile(r"\?q=%E5%8F%8C%E8%BF%87%E5%8D%8A$"))
    expected = corpus.search("双过半")
    assert page.inner_text(".summary .total") == str(expected["total"])
    assert page.locator(".hits mark").first.inner_text() == "双过半"
    page.screenshot(path=str(ARTIFACTS / "search-desktop.png"))

    # Narrow by a province from the facet sidebar: its count is the new total.
    province, count = next((p, n) for p, n in expected["facets"]["province"].items() if p != "未知")
    item = page.locator(".facet-province li", has_text=province)
    assert item.locator(".count").inner_text() == str(count)
    item.locator("a").click()
    page.wait_for_url(re.compile(r"province="))
    assert parse_qs(urlsplit(page.url).query)["province"] == [province]
    assert page.inner_text(".summary .total") == str(count)
    assert page.locator(".chip", has_text=province).count() == 1

    # Open the first result: the browser lands on the paragraph of its first hit.
    title = page.locator(".hit h3 a").first
    href = title.get_attribute("href")
    title.click()
    page.wait_for_load_state()
    number = re.search(r"#p(\d+)$", href).group(1)
    assert urlsplit(page.url).fragment == f"p{number}"
    assert unquote(urlsplit(page.url).query) == "q=双过半"
    paragraph = f"#p{number}"
    assert page.locator(f"{paragraph} mark").count() >= 1
    assert in_view(page, paragraph)

    # Copy the paragraph's citation and read it back from the clipboard.
    citation = page.inner_text("#cite-paragraph")
    assert f"，第{number}段，{base_url}/speech/" in citation and citation.endswith(f"#p{number}")
    page.click("button[data-copy=cite-paragraph]")
    # Waits by locators, not wait_for_function: its polling evaluates a string, which the CSP refuses.
    page.locator("button[data-copy=cite-paragraph]", has_text="已复制").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == citation
    page.screenshot(path=str(ARTIFACTS / "speech-desktop.png"))

    # Jump between hits: each jump brings a mark into view and says where it is.
    hits = page.locator(".text mark").count()
    page.click("#next-hit")
    assert page.locator("mark.current").count() == 1
    assert in_view(page, "mark.current")
    assert page.inner_text("#hit-position").endswith(f"/ {hits} 处")

    # Choosing another paragraph by its number changes the paragraph citation.
    page.click("#p3 a.pn")
    page.locator("#cite-paragraph", has_text="，第3段，").wait_for()
    assert urlsplit(page.url).fragment == "p3"
    assert page.inner_text("#cite-paragraph").endswith("，第3段，" + page.url.split("?")[0] + "#p3")


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_pages_fit_the_screen(open_page, base_url, corpus, size):
    page = open_page(size)
    # The speech with the longest title: long titles must wrap inside the page.
    longest = max(corpus.speeches(), key=lambda s: len(s["title"] or ""))
    assert len(longest["title"]) >= 40
    pages = {"overview": "/", "search": "/?q=双过半", "speech": f"/speech/{longest['id']}?q=经济",
             "kwic": "/kwic?q=双过半"}
    for name, path in pages.items():
        page.goto(base_url + path)
        assert no_sideways_scroll(page), f"{name} is wider than a {size} screen"
        if size == "phone" or name == "kwic":
            page.screenshot(path=str(ARTIFACTS / f"{name}-{size}.png"), full_page=name == "overview")
    # On a phone the facets fold above the results, so the first result is on the first screen.
    if size == "phone":
        page.goto(base_url + "/?q=双过半")
        assert in_view(page, ".hit")
        page.click(".facet-province summary")
        assert page.locator(".facet-province li").first.is_visible()


# ---- what a researcher's first hour turned up (issue "first hour", items 5, 6, 7, 12) ----------


def test_the_speech_list_export_link_downloads_the_speech_list(open_page, base_url, corpus):
    # Regression: the link 导出讲话列表（CSV） lost what=speeches and downloaded the concordance.
    page = open_page("desktop")
    page.goto(base_url + "/?q=双过半&province=湖南省")
    link = page.locator("a", has_text="导出讲话列表（CSV）")
    assert parse_qs(urlsplit(link.get_attribute("href")).query)["what"] == ["speeches"]
    with page.expect_download() as download:
        link.click()
    rows = Path(download.value.path()).read_text(encoding="utf-8-sig").splitlines()
    assert rows[0].startswith("id,title,speaker")
    assert len(rows) - 1 == corpus.search("双过半", {"province": ("湖南省",)})["total"]
    with page.expect_download() as download:
        page.locator("a", has_text="导出每处（CSV）").click()
    rows = Path(download.value.path()).read_text(encoding="utf-8-sig").splitlines()
    assert ",match," in rows[0] and len(rows) - 1 == corpus.kwic("双过半", {"province": ("湖南省",)})["total"]


def test_inferred_years_are_shown_apart_in_the_facet_and_the_chart(open_page, base_url, corpus):
    page = open_page("desktop")
    page.goto(base_url + "/?q=双过半")
    series = corpus.year_series("双过半")
    inferred = {year: split["inferred"] for year, split in series["by_source"].items() if split.get("inferred")}
    assert inferred, "the shipped corpus infers most of its years"
    year, count = next(iter(inferred.items()))
    item = page.locator(".facet-year li", has_text=year)
    assert item.locator(".inferred").inner_text() == f"推断 {count}"
    # The chart stacks the inferred part of each bar apart, and its table lists it.
    assert page.locator(".chart rect.inferred-part").count() == len(inferred)
    page.click(".chart details.numbers summary")
    row = page.locator(".chart details.numbers tr", has_text=year).first
    assert row.locator(".inferred-count").inner_text() == str(count)
    # How a year is known is a facet of its own, with its values in Chinese.
    assert page.locator(".facet-date_source li", has_text="推断").locator(".count").inner_text() == \
        str(corpus.search("双过半")["facets"]["date_source"]["inferred"])


def test_the_concordance_sorts_and_lines_up_its_contexts(open_page, base_url, corpus):
    page = open_page("desktop")
    page.goto(base_url + "/kwic?q=双过半")
    page.locator(".kwic-sort a", has_text="左文").click()
    page.wait_for_url(re.compile(r"sort=left"))
    expected = corpus.kwic("双过半", sort="left", page=1)["rows"]
    shown = page.locator("table.kwic tbody tr td.left").all_inner_texts()
    assert shown == [row["left"] for row in expected]
    # The left context ends at the match and never runs under the number column.
    number = page.eval_on_selector("table.kwic tbody tr td.n", "e => e.getBoundingClientRect().right")
    left = page.eval_on_selector("table.kwic tbody tr td.left div", "e => e.getBoundingClientRect().left")
    assert left >= number
    page.locator(".kwic-sort a", has_text="日期").click()
    page.wait_for_url(re.compile(r"sort=date"))
    assert page.locator("table.kwic tbody tr").count() == len(corpus.kwic("双过半", sort="date", page=1)["rows"])


def test_the_copied_label_goes_back(open_page, base_url, corpus):
    page = open_page("desktop")
    speech = corpus.search("双过半")["hits"][0]
    page.goto(f"{base_url}/speech/{speech['id']}")
    button = "button[data-copy=cite-paragraph]"
    label = page.inner_text(button)
    page.click(button)
    from playwright.sync_api import expect

    expect(page.locator(button)).to_have_text("已复制")
    expect(page.locator(button)).to_have_text(label, timeout=10000)


@pytest.fixture(scope="module")
def skipped_file_url(tmp_path_factory):
    """An index of a corpus with a file no reader can read, served like the shipped one."""
    from indexer.build import build_index

    folder = tmp_path_factory.mktemp("skipped")
    corpus = folder / "corpus"
    corpus.mkdir()
    for name in ("000_e22c3551305105ef.txt", "001_1d8c1133fb1961e9.txt"):
        shutil.copy(Path(__file__).resolve().parent.parent / "corpus" / name, corpus / name)
    (corpus / "notes.pdf").write_bytes(b"%PDF-1.4 not really a PDF")
    first = build_index(corpus, folder / "index")
    again = build_index(corpus, folder / "index")  # re-indexing keeps it skipped, never reused
    app = create_app({"INDEX": str(folder / "index"), "CORPUS": str(corpus), "CORPUS_CHECK_SECONDS": 0})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", (first, again)
    server.shutdown()
    thread.join()


def test_a_skipped_file_never_makes_the_index_look_stale(browser, skipped_file_url):
    # Regression: a skipped .pdf showed a false "corpus changed" banner on every page, also after re-indexing.
    url, (first, again) = skipped_file_url
    assert [s["file"] for s in first.skipped] == ["notes.pdf"] and first.reused == 0
    assert [s["file"] for s in again.skipped] == ["notes.pdf"] and again.reused == 2
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    for path in ("/", "/?q=双过半"):
        page.goto(url + path)
        assert page.locator("p.warning").count() == 0, path
    context.close()


# ---- comparisons (issue "compare") ----------------------------------------------------------


def test_compare_page_chart_toggles_map_and_exports(open_page, base_url, corpus):
    page = open_page("desktop")
    page.goto(base_url + "/?q=稳中求进")
    page.locator("a.compare-link").click()
    page.wait_for_url(re.compile(r"/compare\?"))
    # Add a second term in the form and compare by year.
    page.locator(".compare-form input[name=q]").nth(1).fill("高质量发展")
    page.locator(".compare-form button").click()
    page.wait_for_url(re.compile(r"q=%E9%AB%98"))
    expected = corpus.compare(["稳中求进", "高质量发展"], "year")
    assert page.locator(".series-chart circle").count() == 2 * len(expected["buckets"])
    rate_label = page.inner_text(".series-chart figcaption")
    page.locator(".controls a", has_text="出现次数").click()
    page.wait_for_url(re.compile(r"measure=count"))
    assert page.inner_text(".series-chart figcaption") != rate_label and "出现次数" in page.inner_text(".series-chart figcaption")
    # A point links to the concordance of its term in its year.
    point = page.locator(".series-chart a").first
    args = parse_qs(urlsplit(point.get_attribute("href")).query)
    assert args["q"] == ["稳中求进"] and args["year"] == [expected["buckets"][0]["key"]["year"]]
    page.screenshot(path=str(ARTIFACTS / "compare-desktop.png"), full_page=True)
    # A province on the map filters the comparison by it.
    province = next(b["key"]["province"] for b in corpus.compare(["稳中求进"], "province")["buckets"]
                    if b["series"]["稳中求进"]["speeches"] and b["key"]["province"] not in ("未知", "全国"))
    page.locator(f".tilemap a[data-province='{province}']").first.click()
    page.wait_for_url(re.compile(r"province="))
    assert parse_qs(urlsplit(page.url).query)["province"] == [province]
    filtered = corpus.compare(["稳中求进", "高质量发展"], "year", {"province": (province,)})
    assert page.locator(".legend li").first.inner_text().strip().startswith(
        f"稳中求进：{filtered['totals']['series']['稳中求进']['occurrences']} 处")
    with page.expect_download() as download:
        page.locator(".exports a", has_text="导出（CSV）").click()
    rows = Path(download.value.path()).read_text(encoding="utf-8-sig").splitlines()
    assert rows[0].startswith("year,speeches,chars,term") and len(rows) - 1 == 2 * len(filtered["buckets"])


def test_the_search_page_maps_the_query_by_province(open_page, base_url, corpus):
    page = open_page("desktop")
    page.goto(base_url + "/?q=双过半")
    page.click(".province-map summary")
    expected = {b["key"]["province"]: b["series"]["双过半"] for b in corpus.compare(["双过半"], "province")["buckets"]}
    tile = page.locator(".tilemap a[data-province='湖南省'] title")
    assert f"{expected['湖南省']['occurrences']} 处" in tile.text_content()
    page.locator(".tilemap a[data-province='湖南省']").click()
    page.wait_for_url(re.compile(r"province="))
    assert page.inner_text(".summary .total") == str(corpus.search("双过半", {"province": ("湖南省",)})["total"])


def test_citing_a_search_stores_a_snapshot_page(open_page, base_url, corpus):
    page = open_page("desktop")
    page.goto(base_url + "/?q=双过半&province=湖南省")
    page.locator("button.cite-button").click()
    page.wait_for_url(re.compile(r"/cite/[a-z0-9]{6}$"))
    snapshot = corpus.snapshot(urlsplit(page.url).path.rsplit("/", 1)[1])
    assert snapshot["total"] == corpus.search("双过半", {"province": ("湖南省",)})["total"]
    assert page.locator(".unchanged").count() == 1
    assert f"讲话检索快照 {snapshot['id']}" in page.inner_text("#cite-snapshot")
