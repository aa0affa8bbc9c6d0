"""What every request and response goes through: one decoding rule, argument limits, security headers.

- An address that is not valid UTF-8 (a path or an argument such as `q=%FF%FE`) is refused
  with 400 (`bad_query`) on every route, pages and API alike: nothing is searched as text
  the user never typed.
- A request carries at most `max_arguments` name=value pairs (5,000 × `q=的` is refused
  before anything is parsed or searched), so no page can repeat them into its links.
- Every response carries a Content-Security-Policy without inline scripts or styles and
  with frame-ancestors 'none', X-Content-Type-Options: nosniff, Referrer-Policy and
  X-Frame-Options.
"""

from urllib.parse import unquote_to_bytes

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


def init_app(app: Flask) -> None:
    """Check every request before anything else runs, and mark every response."""
    app.before_request(check_request)
    app.after_request(add_headers)


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
