"""Helpers both blueprints share: reading request arguments, running the library, building URLs."""

from dataclasses import dataclass, field

from flask import current_app, request, url_for

from indexer import schema
from search.corpus import Corpus, SearchError
from search.query import QueryError

UNKNOWN = schema.UNKNOWN


def url_args() -> tuple[str, ...]:
    """Return every argument a view's URL may carry, in query-string order, so equal views get equal URLs."""
    return ("q",) + schema.filters() + ("sort", "page", "page_size", "collapse", "width", "by", "measure", "stated")


def corpus() -> Corpus:
    """Return the app's one Corpus."""
    return current_app.extensions["corpus"]


@dataclass
class Params:
    """What a search, concordance or export URL asks for."""

    q: str = ""
    filters: dict = field(default_factory=dict)  # field -> tuple of values as given in the URL
    sort: str = "relevance"
    page: int = 1
    page_size: int | None = None
    collapse: bool = False
    width: int | None = None

    @property
    def empty(self) -> bool:
        """Tell whether nothing is asked: no query and no filter."""
        return not self.q.strip() and not self.filters


def read_params(args=None) -> Params:
    """Read and check the search arguments of a request; bad numbers are a 400, never a 500."""
    args = request.args if args is None else args
    filters = {}
    for name in schema.filters():
        values = tuple(dict.fromkeys(v.strip() for v in args.getlist(name) if v.strip()))
        if values:
            filters[name] = values
    return Params(
        q=args.get("q", ""),
        filters=filters,
        sort=args.get("sort", "relevance") or "relevance",
        page=_number(args.get("page"), "page", 1, 10**6) or 1,
        # A page size over max_page_size is capped by the library, as on the command line.
        page_size=_number(args.get("page_size"), "page_size", 1, 10**6),
        collapse=args.get("collapse", "") in ("1", "true", "on", "yes"),
        width=_number(args.get("width"), "width", 0, 1000),
    )


def _number(value, name: str, low: int, high: int) -> int | None:
    """Read a whole number argument within [low, high]; None when absent."""
    if value is None or value == "":
        return None
    text = value.strip()
    if not (text.isascii() and text.lstrip("-").isdigit()) or len(text) > 12:
        raise SearchError(f"{name} must be a whole number between {low} and {high}, not {value!r}",
                          f"{name} 必须是 {low} 到 {high} 之间的整数，不能是 {value!r}")
    number = int(text)
    if not low <= number <= high:
        raise SearchError(f"{name} must be between {low} and {high}, not {number}",
                          f"{name} 必须在 {low} 到 {high} 之间，不能是 {number}")
    return number


def run_search(params: Params, page_size: int | None = None, page: int | None = None) -> dict:
    """Search with the URL's query and filters (the library checks and resolves them)."""
    return corpus().search(params.q, params.filters, sort=params.sort, page=page or params.page,
                           page_size=page_size or params.page_size, collapse=params.collapse)


def run_kwic(params: Params, paged: bool = False) -> dict:
    """Return the concordance of the URL's query (one page of it when paged); an empty query is the parser's error."""
    # The search page's orders (relevance, date) travel in the same argument; relevance means the concordance's own.
    sort = None if params.sort == "relevance" else params.sort
    if paged:
        return corpus().kwic(params.q, params.filters, width=params.width, page=params.page,
                             page_size=params.page_size, sort=sort)
    return corpus().kwic(params.q, params.filters, width=params.width, sort=sort)


def marked_terms(q: str) -> tuple[list[str], str | None]:
    """Return the terms of a query to mark, and the parser's message if it is malformed."""
    try:
        return corpus().marked_terms(q), None
    except QueryError as error:
        return [], str(error)


def base_url() -> str:
    """Return the prefix of permalinks: BASE_URL, else the address this request came to if its host is trusted.

    A Host: header is the client's to write: only a trusted one (the host the server is bound
    to, localhost, or one of trusted_hosts) may reach a citation; any other gets relative links.
    """
    configured = current_app.config.get("BASE_URL")
    if configured:
        return configured.rstrip("/")
    trusted = {h.strip().lower() for h in str(current_app.config.get("TRUSTED_HOSTS") or "").split(",") if h.strip()}
    trusted |= {str(current_app.config.get("HOST") or "127.0.0.1").lower(), "localhost"}
    host = request.host.lower()
    name = host[1:].split("]")[0] if host.startswith("[") else host.rsplit(":", 1)[0] if ":" in host else host
    return request.host_url.rstrip("/") if name in trusted else ""


def permalink(speech_id: str, paragraph: int | None = None) -> str:
    """Return the absolute, stable link to a speech or one of its paragraphs."""
    link = f"{base_url()}/speech/{speech_id}"
    return f"{link}#p{paragraph}" if paragraph else link


def citation_prefix(speech: dict) -> str:
    """Return the start of a citation: speaker，《title》，date，"""
    return f"{speech.get('speaker') or UNKNOWN}，《{speech.get('title') or UNKNOWN}》，{speech.get('date') or UNKNOWN}，"


def citation(speech: dict, paragraph: int | None = None) -> str:
    """Return the citation line researchers paste: speaker，《title》，date，[第N段，]permalink."""
    where = f"第{paragraph}段，" if paragraph else ""
    return citation_prefix(speech) + where + permalink(speech["id"], paragraph)


def url_with(endpoint: str | None = None, set: dict | None = None, add: tuple | None = None,
             drop: tuple | None = None, keep_page: bool = False) -> str:
    """Return this view's URL changed: arguments set, a filter value added or dropped."""
    names = url_args()
    # A filter may carry several values (ORed), and a comparison several terms (q); any other argument is
    # read once, so a link carries it once. Repeated values are carried once.
    many = schema.filters() + ("q",)
    args = {name: list(dict.fromkeys(request.args.getlist(name))) if name in many else request.args.getlist(name)[:1]
            for name in names if request.args.getlist(name)}
    if not keep_page:
        args.pop("page", None)
    for name, value in (set or {}).items():
        if value is None or value == "" or value is False:
            args.pop(name, None)
        else:
            args[name] = [str(value)]
    if add:
        name, value = add
        values = args.setdefault(name, [])
        if str(value) not in values:
            values.append(str(value))
    if drop:
        name, value = drop
        args[name] = [v for v in args.get(name, []) if v != str(value)]
    # Arguments set for this link alone (what=speeches on an export link) come after the view's own.
    extra = [name for name in (set or {}) if name not in names]
    ordered = {name: args[name] for name in [*names, *extra] if args.get(name)}
    return url_for(endpoint or request.endpoint, **ordered)


def template_helpers() -> dict:
    """Give templates the URL helpers and the corpus-drift warning."""
    return {"url_with": url_with, "permalink": permalink, "UNKNOWN": UNKNOWN, "corpus_drift": _drift,
            "index_version": _index_version, "labels": schema.labels(), "today": _today}


def _today() -> str:
    """Return today's date, for the access date of a citation."""
    import datetime

    return datetime.date.today().isoformat()


def _drift():
    try:
        return current_app.extensions["corpus_watch"].changes(corpus().manifest())
    except SearchError:
        return None


def _index_version():
    try:
        return corpus().index_version
    except SearchError:
        return None
