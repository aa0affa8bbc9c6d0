"""What every request and response goes through: one decoding rule, argument limits, security headers.

- An address that is not valid UTF-8 (a path or an argument such as `q=%FF%FE`) is refused
  with 400 (`bad_query`) on every route, pages and API alike: nothing is searched as text
  the user never typed.
- A request carries at most `max_arguments` name=value pairs (5,000 × `q=的` is refused
  before anything is parsed or searched), so no page can repeat them into its links.
- Every response carries a Content-Security-Policy without inline scripts or styles and
  with frame-ancestors 'none', X-Content-Type-Options: nosniff, Referrer-Policy and
  X-Frame-Options.
- A form posted from another site is refused with 403 (`forbidden`): a POST must come from
  this site as the browser says it (Sec-Fetch-Site, else Origin, else Referer). A client that
  sends none of them is no browser, and no page of another site can make it post.
"""

from urllib.parse import unquote_to_bytes, urlsplit

from flask import Flask, current_app, request

from search.corpus import SearchError

SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                               "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    # Queries are in our URLs: a link out of the site does not carry them.
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}


SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class CrossSite(SearchError):
    """A form posted from another site's page."""

    status = 403
    code = "forbidden"


def init_app(app: Flask) -> None:
    """Check every request before anything else runs, and mark every response."""
    app.before_request(check_request)
    app.before_request(check_origin)
    app.after_request(add_headers)


def check_origin():
    """Refuse a request that changes something (a POST) unless it comes from this site's own pages."""
    if request.method in SAFE_METHODS:
        return
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None:  # a browser's own word, which no page can forge
        if site in ("same-origin", "none"):
            return
        raise _cross_site(f"Sec-Fetch-Site: {site}")
    sent = request.headers.get("Origin") or request.headers.get("Referer")
    if sent is None:
        return
    own = {request.host.lower()}
    if current_app.config.get("BASE_URL"):
        own.add(urlsplit(current_app.config["BASE_URL"]).netloc.lower())
    if urlsplit(sent).netloc.lower() not in own:
        raise _cross_site(f"from {sent[:100]}")


def _cross_site(what: str) -> CrossSite:
    return CrossSite(f"a form posted from another site is refused ({what}); use the button on this site's own page",
                     "拒绝来自其他网站的表单提交；请使用本站页面上的按钮")


def check_request():
    """Refuse an address that is not UTF-8 or carries more than max_arguments arguments."""
    # The path as sent (servers set REQUEST_URI); else the WSGI path, its bytes as latin-1 characters.
    sent = request.environ.get("REQUEST_URI") or request.environ.get("RAW_URI")
    path = unquote_to_bytes(sent.split("?", 1)[0].encode("latin-1", "replace")) if sent else \
        request.environ.get("PATH_INFO", "").encode("latin-1", "replace")
    try:
        path.decode("utf-8")
    except UnicodeDecodeError:
        raise SearchError("the address is not valid UTF-8; write it in UTF-8 (browsers do)",
                          "地址不是有效的 UTF-8 编码；请用 UTF-8") from None
    query = request.environ.get("QUERY_STRING", "")
    limit = int(current_app.config["MAX_ARGUMENTS"])
    count = query.count("&") + 1 if query else 0
    if count > limit:
        raise SearchError(f"the address carries {count:,} arguments; at most {limit} are accepted (max_arguments)",
                          f"地址带有 {count:,} 个参数，最多接受 {limit} 个（max_arguments）")
    for pair in query.split("&"):
        name, _, value = pair.partition("=")
        for part, what in ((name, "an argument's name"), (value, f"the argument {_text(name)}")):
            try:
                unquote_to_bytes(part.encode("latin-1", "replace")).decode("utf-8")
            except UnicodeDecodeError:
                raise SearchError(f"{what} is not valid UTF-8 ({_text(part)[:40]}); write it in UTF-8 (browsers do)",
                                  f"参数 {_text(name)} 不是有效的 UTF-8 编码；请用 UTF-8") from None


def _text(part: str) -> str:
    """Show a raw piece of a query string as it was sent."""
    return part.encode("latin-1", "replace").decode("ascii", "backslashreplace")


def add_headers(response):
    """Give a response the security headers (a view may set its own first)."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response
