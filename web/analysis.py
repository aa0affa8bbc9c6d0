"""Forms, collocates and keywords: pages, their JSON twins under /api/ and their CSV twins."""

from flask import Blueprint, Response, jsonify, render_template, request, stream_with_context, url_for

from indexer import schema
from search import query as q
from search.analysis import COLLOCATE_COLUMNS, FORM_COLUMNS, KEYWORD_COLUMNS, export_context
from search.corpus import SearchError
from search.export import csv_lines
from web import views

bp = Blueprint("analysis", __name__)

AGAINST = views.AGAINST
# Every argument these pages read, in query-string order, so equal views get equal URLs.
ARGS = ("q",) + schema.filters() + AGAINST + ("unit", "window", "min_freq", "punctuation", "numbers", "sort", "all")


def _flag(name: str, default: bool) -> bool:
    """Read a yes/no argument (1, true, on, yes / 0, false, off, no); absent is the default."""
    value = request.args.get(name, "").strip().lower()
    if not value:
        return default
    if value not in ("1", "true", "on", "yes", "0", "false", "off", "no"):
        raise SearchError(f"{name} must be 1 or 0, not {value!r}", f"{name} 只能是 1 或 0，不能是 {value!r}")
    return value in ("1", "true", "on", "yes")


def _common(default_min: int, everything: bool = False) -> dict:
    """Read what every analysis takes: min_freq and, unless a CSV wants every row, the row limit."""
    found = views._number(request.args.get("min_freq"), "min_freq", 1, 10**6)
    return {"min_freq": found or default_min, "limit": None if everything or _flag("all", False) else 200}


def _items() -> dict:
    """Read the unit and which items to keep, for collocates and keywords."""
    return {"unit": request.args.get("unit") or "word", "punctuation": _flag("punctuation", False),
            "numbers": _flag("numbers", True)}


def _against() -> dict:
    """Read the reference's filters: against_year=2019&against_province=湖南 …"""
    found = {}
    for name in schema.filters():
        values = tuple(dict.fromkeys(v.strip() for v in request.args.getlist(f"against_{name}") if v.strip()))
        if values:
            found[name] = values
    return found


def _run(kind: str, everything: bool = False) -> dict | None:
    """Run forms, collocates or keywords on the request's arguments; None when nothing is asked yet."""
    params = views.read_params()
    corpus = views.corpus()
    sort = request.args.get("sort") or None
    if kind == "keywords":
        if params.empty:
            return None
        return corpus.keywords(params.q, params.filters, against=_against() or None, sort=sort or "g2",
                               **_items(), **_common(5, everything))
    if not params.q.strip():
        return None
    if kind == "forms":
        return corpus.forms(params.q, params.filters, sort=sort or "occurrences", **_common(1, everything))
    window = views._number(request.args.get("window"), "window", 1, 1000)
    return corpus.collocates(params.q, params.filters, window=window, sort=sort or "g2", **_items(),
                             **_common(3, everything))


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


def _page(kind: str, template: str):
    result = _run(kind)
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
                           suggestions=views.suggestions(params.q, params.filters) if asked else [])


def _csv(kind: str, key: str, columns: list[str]):
    result = _run(kind, everything=True)
    if result is None:
        raise q.QueryError("say what to count: a query, e.g. q=/三.四新/" if kind != "keywords" else
                           "say what the target is: a query or filters, e.g. year=2021",
                           None, "请输入检索式，例如 q=/三.四新/" if kind != "keywords" else "请给出目标语料，例如 year=2021")
    # Computed before streaming starts, so a bad request is an error page, not a broken download.
    query = result["target"]["query"] if kind == "keywords" else result["query"]
    return Response(stream_with_context(csv_lines(result[key], columns, export_context(result))), mimetype="text/csv",
                    headers=views.download(kind, query))


def _json(kind: str):
    result = _run(kind)
    if result is None:
        raise q.QueryError("say what to count: a query (q=…)" + (" or filters" if kind == "keywords" else ""), None,
                           "请输入检索式（q=…）" + ("或筛选条件" if kind == "keywords" else ""))
    return jsonify(result)


@bp.get("/forms")
def forms():
    """Show the distinct strings a pattern matched, each linked to its concordance."""
    return _page("forms", "forms.html")


@bp.get("/api/forms")
def forms_json():
    """Return the forms as JSON (the first 200 unless all=1)."""
    return _json("forms")


@bp.get("/forms.csv")
def forms_csv():
    """Stream every form as CSV."""
    return _csv("forms", "forms", FORM_COLUMNS)


@bp.get("/collocates")
def collocates():
    """Show the collocates of a term, each linked to the concordance of both."""
    return _page("collocates", "collocates.html")


@bp.get("/api/collocates")
def collocates_json():
    """Return the collocates as JSON (the first 200 unless all=1)."""
    return _json("collocates")


@bp.get("/collocates.csv")
def collocates_csv():
    """Stream every collocate as CSV."""
    return _csv("collocates", "collocates", COLLOCATE_COLUMNS)


@bp.get("/keywords")
def keywords():
    """Show a target's keywords against the rest of the corpus or the against_ filters."""
    return _page("keywords", "keywords.html")


@bp.get("/api/keywords")
def keywords_json():
    """Return the keywords as JSON (the first 200 unless all=1)."""
    return _json("keywords")


@bp.get("/keywords.csv")
def keywords_csv():
    """Stream every keyword row as CSV."""
    return _csv("keywords", "items", KEYWORD_COLUMNS)
