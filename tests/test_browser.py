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

    def opener(size="desktop"):
        context = browser.new_context(viewport=SIZES[size], is_mobile=size == "phone", has_touch=size == "phone")
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
