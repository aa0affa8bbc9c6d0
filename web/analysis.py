"""Forms, collocates and keywords: each one view answered as a page, JSON under /api/ and CSV (web/renderers.py)."""

from flask import Blueprint, render_template, request, url_for

from indexer import schema
from search import query as q
from search.analysis import CLUSTER_COLUMNS, COLLOCATE_COLUMNS, FORM_COLUMNS, KEYWORD_COLUMNS, export_context
from search.errors import SearchError
from web import renderers, views

bp = Blueprint("analysis", __name__)

AGAINST = views.AGAINST
# Every argument these pages read, in query-string order, so equal views get equal URLs.
ARGS = ("q",) + schema.filters() + AGAINST + ("unit", "window", "min_freq", "punctuation", "numbers", "sort", "all",
                                              "side", "words")


def _flag(name: str) -> bool | None:
    """Read a yes/no argument (1, true, on, yes / 0, false, off, no); None when absent."""
    value = request.args.get(name, "").strip().lower()
    if not value:
        return None
    if value not in ("1", "true", "on", "yes", "0", "false", "off", "no"):
        raise SearchError(f"{name} must be 1 or 0, not {value!r}", f"{name} 只能是 1 或 0，不能是 {value!r}")
    return value in ("1", "true", "on", "yes")


def _asked(kind: str, everything: bool, table: renderers.Table | None) -> dict:
    """Read the options of a tool the request gives; the library's own defaults stand for the others."""
    given = {"sort": request.args.get("sort") or None,
             "min_freq": views._number(request.args.get("min_freq"), "min_freq", 1, 10**6)}
    if everything or _flag("all"):
        given["limit"] = None  # every row; else the first LIMIT
    if kind != "forms":
        given.update(unit=request.args.get("unit") or None, punctuation=_flag("punctuation"), numbers=_flag("numbers"))
    if kind == "collocates":
        given["window"] = views._number(request.args.get("window"), "window", 1, 1000)
    if kind == "keywords":
        given["against"] = _against() or None
    for option in table.options if table else ():  # a tool's own options, as its table names them
        if option.name not in given:
            value = request.args.get(option.name) or None
            given[option.name] = value if option.choices else views._number(value, option.name, option.low, option.high)
    return {name: value for name, value in given.items() if value is not None or name == "limit"}


def _against() -> dict:
    """Read the reference's filters: against_year=2019&against_province=湖南 …"""
    found = {}
    for name in schema.filters():
        values = tuple(dict.fromkeys(v.strip() for v in request.args.getlist(f"against_{name}") if v.strip()))
        if values:
            found[name] = values
    return found


def _run(kind: str, everything: bool = False, table: renderers.Table | None = None) -> dict | None:
    """Run a research tool (forms, collocates, keywords …) on the request's arguments; None when nothing is asked yet."""
    params = views.read_params()
    if params.empty if kind == "keywords" else not params.q.strip():
        return None
    return getattr(views.corpus(), kind)(params.q, params.filters, **_asked(kind, everything, table))


def url(endpoint: str, **changes) -> str:
    """Return this page's URL (or a twin's) with arguments changed; None or '' drops one."""
    args = {name: request.args.getlist(name) for name in ARGS if request.args.getlist(name)}
    for name, value in changes.items():
        if value is None or value == "":
            args.pop(name, None)
        else:
            args[name] = [str(value)]
    return url_for(endpoint, **{name: args[name] for name in ARGS if name in args})


def kwic_link(query: str, filters: dict) -> str:
    """Return the concordance of a query under filters (each value repeated in the URL)."""
    return url_for("pages.kwic", q=query, **{name: list(values) for name, values in (filters or {}).items()})


def _together(node, item: str) -> str:
    """Write the query of a term and a collocate together: one paragraph holding both, or the query and the item."""
    if isinstance(node, (q.Term, q.Pattern)):
        return f"NEAR({q.render(node)} {q.quote(item)})"
    return f"({q.render(node)}) {q.quote(item)}"


def _page(kind: str, template: str, result: dict | None, table: renderers.Table | None = None) -> str:
    """Render an analysis page: the answer's table, the box, and how the query was read."""
    params = views.read_params()
    node = None
    if result is not None and kind != "keywords":
        node = views.corpus().parse(result["query"], result["filters"]).text
    elif result is not None and result["target"]["query"].strip():
        node = views.corpus().parse(result["target"]["query"]).text
    asked = result is not None and params.q.strip()
    return render_template(template, result=result, url=url, kwic_link=kwic_link, node=node, together=_together,
                           quote=q.quote, filter_names=schema.filters(), page_filters=params.filters,
                           against_filters=_against(), query_link=lambda query: url(request.endpoint, q=query),
                           reading=views.reading(params.q, params.filters) if asked else None,
                           suggestions=views.suggestions(params.q, params.filters) if asked else [],
                           kind=kind, endpoint=f"{bp.name}.{kind}", table=table)


def _view(kind: str, key: str, columns: list[str], asked: tuple[str, str],
          table: renderers.Table | None = None) -> renderers.View:
    """Return a tool as a view: its page (its own template, else table.html), its JSON (the first LIMIT rows unless
    all=1) and its CSV (every row)."""
    return renderers.View(
        name=kind, answer=lambda everything: _run(kind, everything, table),
        page=lambda result: _page(kind, "table.html" if table else f"{kind}.html", result, table),
        rows=lambda result: result[key], columns=lambda result: columns, context=export_context,
        query=lambda result: result["target"]["query"] if kind == "keywords" else result["query"], asked=asked)


ASK_QUERY = ("say what to count: a query (q=…), e.g. q=/三.四新/", "请输入检索式（q=…），例如 q=/三.四新/")
for view in (_view("forms", "forms", FORM_COLUMNS, ASK_QUERY), _view("collocates", "collocates", COLLOCATE_COLUMNS, ASK_QUERY),
             _view("keywords", "items", KEYWORD_COLUMNS, ("say what the target is: a query or filters (q=…), e.g. year=2021",
                                                          "请给出目标语料：检索式或筛选条件，例如 year=2021"))):
    renderers.register(bp, view)

CLUSTERS = renderers.Table(
    title=("词簇", "Clusters"), button=("找词簇", "Find clusters"), key="clusters",
    intro=("输入一个词或模式，列出它每处出现连同其后（或其前、前后）若干个词组成的词串，按出现次数排序，如“稳中求进”之后的“工作总基调”。",
           "Enter a word or a pattern to list each of its occurrences with the words after it (or before it, or both) "
           "as strings, by how often they occur: 稳中求进 followed by 工作总基调."),
    labels={"cluster": ("词簇", "cluster"), "occurrences": ("次数", "occurrences"), "speeches": ("篇数", "speeches")},
    sorts=(("occurrences", ("次数", "occurrences")), ("speeches", ("篇数", "speeches")), ("cluster", ("词簇", "cluster"))),
    options=(renderers.Option("side", ("方向", "side"), choices=(("right", ("其后", "after")), ("left", ("其前", "before")),
                                                                   ("both", ("前后", "both")))),
             renderers.Option("words", ("词数", "words"), low=1, high=8),
             renderers.Option("min_freq", ("最低频次", "minimum frequency"), high=10**6)))
renderers.register(bp, _view("clusters", "clusters", CLUSTER_COLUMNS, ASK_QUERY, CLUSTERS), table=CLUSTERS)
