"""Helpers both blueprints share: reading request arguments, running the library, building URLs."""

import re
from dataclasses import dataclass, field
from urllib.parse import quote

from flask import current_app, request, url_for
from flask_babel import gettext as _
from markupsafe import Markup, escape

from indexer import schema
from search import query as q
from search.corpus import Corpus
from search.errors import SearchError
from search.query import QueryError
from web.i18n import language

UNKNOWN = schema.UNKNOWN
AGAINST = tuple(f"against_{name}" for name in schema.filters())  # the reference of keywords


def url_args() -> tuple[str, ...]:
    """Return every argument a view's URL may carry, in query-string order, so equal views get equal URLs."""
    return (("q",) + schema.filters() + AGAINST +
            ("sort", "page", "page_size", "collapse", "width", "by", "measure", "stated", "scale",
             "unit", "window", "min_freq", "punctuation", "numbers", "all"))


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


def run_search(params: Params, chart: bool = False) -> dict:
    """Search with the URL's query and filters (the library checks and resolves them); `chart` adds the page's chart."""
    return corpus().search(params.q, params.filters, sort=params.sort, page=params.page, page_size=params.page_size,
                           collapse=params.collapse, chart=chart)


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


def cited_date(speech: dict) -> str:
    """Return a speech's date as a citation gives it: with its source when the document does not state it.

    Issue 25: a year shown as 2018（推断） was cited as a bare 2018. Corrected, metadata and
    inferred dates carry their mark (schema.QUALIFIED_DATE_SOURCES); an unknown one says so.
    """
    date = speech.get("date") or (str(speech["year"]) if speech.get("year") else None)
    if not date:
        return _("日期未知")
    source = speech.get("date_source")
    if source in schema.QUALIFIED_DATE_SOURCES:
        return _("%(date)s（%(source)s）", date=date, source=schema.date_source_labels(language())[source])
    return date


def citation_prefix(speech: dict) -> str:
    """Return the start of a citation: speaker，《title》，date，, every unknown and every inferred value said as such."""
    title = speech.get("title")
    return _("%(speaker)s，%(title)s，%(date)s，", speaker=speech.get("speaker") or _("讲话人未知"),
             title=_("《%(title)s》", title=title) if title else _("（无标题）"), date=cited_date(speech))


def paragraph_words() -> str:
    """Return how a citation names a paragraph, with {n} where its number goes (the page's script fills it in)."""
    return _("第%(n)s段，", n="{n}")


def citation(speech: dict, paragraph: int | None = None) -> str:
    """Return the citation line researchers paste: speaker，《title》，date，[第N段，]permalink."""
    where = paragraph_words().replace("{n}", str(paragraph)) if paragraph else ""
    return citation_prefix(speech) + where + permalink(speech["id"], paragraph)


def shown_value(name: str, value) -> str:
    """Return a filter or facet value as pages show it: date sources by their label, 未知 and 全国 in the page's language."""
    if name == "date_source" and value in schema.DATE_SOURCES:
        return schema.date_source_labels(language())[value]
    if language() == "en" and value in schema.KEYS_EN:
        return schema.KEYS_EN[value]
    return str(value)


def reading_words() -> dict:
    """Return the words a query's reading is written with, in the page's language."""
    return {"and": _("且"), "or": _("或"), "not": _("不含"), "near": _("同段含"), "pattern": _("正则"),
            "open": _("「"), "close": _("」"), "group_open": _("（"), "group_close": _("）"), "parts": _("；"),
            "field": _("："), "values": _("或")}


def reading(query: str, filters: dict | None = None) -> Markup | None:
    """Return how the library read a query, as HTML: the words of the page's language, terms and values marked as data.

    None when the query does not parse (the page says why) or asks nothing.
    """
    try:
        parsed = corpus().parse(query, filters)
    except (QueryError, SearchError):
        return None
    if parsed.text is None and not parsed.filters:
        return None
    words = {key: str(escape(word)) for key, word in reading_words().items()}
    labels = {name: str(escape(label)) for name, label in schema.labels(language()).items()}
    data = '<span class="data" lang="zh">{}</span>'
    return Markup(q.reading(parsed, words, labels, term=lambda text: data.format(escape(text)),
                            value=lambda name, text: data.format(escape(shown_value(name, text)))))


def suggestions(query: str, filters: dict | None = None, collapse: bool = False) -> list[dict]:
    """Return the library's suggestions for a query; none when it does not parse (the page says why)."""
    if not query.strip():
        return []
    try:
        return corpus().suggestions(query, filters, collapse)
    except QueryError:
        return []


# The tools every page links to, in the navigation bar's order: (name, endpoint); then the tools
# registered with a table (web/renderers.py), each named in both languages.
TOOLS = (("search", "pages.index"), ("overview", "pages.index"), ("kwic", "pages.kwic"),
         ("compare", "compare.compare_page"), ("forms", "analysis.forms"), ("collocates", "analysis.collocates"),
         ("keywords", "analysis.keywords"))
ADDED_TOOLS: dict[str, tuple[str, tuple[str, str], tuple[str, str]]] = {}  # name: (endpoint, label, button)


def add_tool(name: str, endpoint: str, label: tuple[str, str], button: tuple[str, str]) -> None:
    """Add a tool to the bar and the search box: its endpoint, and its name and button in Chinese and English."""
    ADDED_TOOLS[name] = (endpoint, label, button)


def tools() -> tuple:
    """Return every tool as (name, endpoint), in the bar's order."""
    return TOOLS + tuple((name, entry[0]) for name, entry in ADDED_TOOLS.items())


def said(words: tuple[str, str]) -> str:
    """Return words given in Chinese and English in the page's language."""
    return words[1] if language() == "en" else words[0]


def tool_labels() -> dict:
    """Return each tool's name in the page's language."""
    return {"search": _("检索"), "overview": _("语料概览"), "kwic": _("逐条索引"), "compare": _("比较"),
            "forms": _("形式"), "collocates": _("搭配词"), "keywords": _("关键词"),
            **{name: said(label) for name, (_endpoint, label, _button) in ADDED_TOOLS.items()}}


def box_words() -> dict:
    """Return what the search box says of each tool it can run: {tool: (its name, its button)}."""
    return {"search": (_("检索讲话"), _("检索")), "kwic": (_("逐条索引"), _("列出每处")),
            "forms": (_("形式"), _("列出形式")), "collocates": (_("搭配词"), _("找搭配词")),
            "keywords": (_("关键词"), _("找关键词")),
            **{name: (said(label), said(button)) for name, (_endpoint, label, button) in ADDED_TOOLS.items()}}


def current_tool() -> str | None:
    """Return the tool the request runs, or None on a page that runs none (a speech, a snapshot)."""
    endpoint = request.endpoint
    if endpoint == "pages.index":
        # Read without checking (an error page about a bad argument shows this bar too).
        asked = any(v.strip() for v in request.args.getlist("q")) or any(request.args.get(n) for n in schema.filters())
        return "search" if asked else "overview"
    return next((name for name, tool_endpoint in tools() if tool_endpoint == endpoint), None)


def tool_links() -> list[dict]:
    """Return the navigation bar: every tool, linked with the query and filters of this page, if any."""
    terms = list(dict.fromkeys(t for t in request.args.getlist("q") if t.strip()))
    filters = {name: list(dict.fromkeys(v for v in request.args.getlist(name) if v.strip())) for name in schema.filters()}
    filters = {name: values for name, values in filters.items() if values}
    current = current_tool()
    links = []
    for name, endpoint in tools():
        if name == "overview":
            url = url_for(endpoint)
        elif name == "compare":
            url = url_for(endpoint, q=terms or None, **filters)
        else:
            url = url_for(endpoint, q=terms[0] if terms else None, **filters)
        links.append({"name": name, "url": url, "current": name == current})
    return links


def download(kind: str, query="") -> dict:
    """Return the Content-Disposition header of an export, its file named by the tool and the query.

    Issue 25: every export was named speeches-kwic.csv. The name is speeches-<kind>-<query>.csv
    (filename* in UTF-8, RFC 6266), with an ASCII-only fallback for old clients.
    """
    text = " ".join(query) if isinstance(query, (list, tuple)) else str(query or "")
    words = re.sub(r"[^\w]+", "_", text, flags=re.UNICODE).strip("_")[:40].strip("_")
    name = f"speeches-{kind}-{words}.csv" if words else f"speeches-{kind}.csv"
    ascii_words = re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_")[:40].strip("_")
    fallback = f"speeches-{kind}-{ascii_words}.csv" if ascii_words else f"speeches-{kind}.csv"
    return {"Content-Disposition": f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"}


def url_with(endpoint: str | None = None, set: dict | None = None, add: tuple | None = None,
             drop: tuple | None = None, keep_page: bool = False) -> str:
    """Return this view's URL changed: arguments set, a filter value added or dropped."""
    names = url_args()
    # A filter may carry several values (ORed), and a comparison several terms (q); any other argument is
    # read once, so a link carries it once. Repeated values are carried once.
    many = schema.filters() + AGAINST + ("q",)
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


def url_without_filters(filters: dict, prefix: str = "", also=()) -> str:
    """Return this view's URL without the given filters (and the arguments `also` names): "clear all"."""
    return url_with(set={**{prefix + name: None for name in filters}, **{name: None for name in also}})


def data(value) -> Markup:
    """Write a value from the corpus or a query: marked as Chinese (lang="zh") when it holds anything but ASCII."""
    text = "" if value is None else str(value)
    return Markup('<span lang="zh">{}</span>').format(text) if not text.isascii() else escape(text)


def template_helpers() -> dict:
    """Give templates the URL helpers, the page's language and its labels, and the corpus-drift warning."""
    lang = language()
    return {"url_with": url_with, "permalink": permalink, "UNKNOWN": UNKNOWN, "corpus_drift": _drift,
            "index_version": _index_version, "labels": schema.labels(lang), "today": _today, "lang": lang,
            "page_fields": schema.page_fields(), "kept_fields": schema.kept_fields(),
            "date_source_labels": schema.date_source_labels(lang), "shown": shown_value, "tools": tool_links,
            "tool_labels": tool_labels(), "box_words": box_words(), "said": said,
            "current_tool": current_tool, "language_link": _language_link,
            "reading_of": reading, "suggestions_of": suggestions, "cited_date": cited_date,
            "url_without_filters": url_without_filters, "data": data}


def _language_link(lang: str) -> str:
    """Return this page's address in another language (?lang=, which the cookie then remembers)."""
    if not request.endpoint:
        return url_for("pages.index", lang=lang)
    # Each argument once, however often the address repeated it.
    args = {name: list(dict.fromkeys(request.args.getlist(name))) for name in request.args if name != "lang"}
    return url_for(request.endpoint, **(request.view_args or {}), **args, lang=lang)


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
