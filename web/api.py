"""JSON API and CSV exports: the library's dicts as they are, and every row streamed."""

import json

from flask import Blueprint, Response, current_app, jsonify, redirect, request, stream_with_context, url_for

from search import limits
from search.errors import SearchError
from search.export import batched, csv_lines, hit_columns, json_document
from search.snippets import kwic_columns
from search.query import QueryError
from web import capacity, views

bp = Blueprint("api", __name__)


@bp.get("/api/search")
def search():
    """Return one page of search results as the interface's JSON."""
    return jsonify(views.run_search(views.read_params()))


@bp.get("/api/speech/<speech_id>")
@capacity.cheap
def speech(speech_id):
    """Return one speech with its text; an old id redirects to its new one."""
    corpus = views.corpus()
    current = corpus.resolve_id(speech_id)
    if current != speech_id:
        return redirect(url_for("api.speech", speech_id=current), code=301)
    return jsonify(corpus.speech(current))


@bp.get("/api/speech/<speech_id>/similar")
def similar(speech_id):
    """Return the speeches most like one (相似讲话), with their fields and scores."""
    return jsonify(views.corpus().similar(speech_id))


@bp.get("/api/kwic")
@capacity.export
def kwic():
    """Stream every occurrence of the query as the interface's concordance JSON, rows as they are found.

    Every row is an export's work: under export_time_limit_s, in an export slot. A document
    cut at the limit ends with "complete": false after the rows it gives.
    """
    params = views.read_params()
    sort = None if params.sort == "relevance" else params.sort
    result = views.corpus().kwic_rows(params.q, params.filters, width=params.width, sort=sort)
    rows = result.pop("rows")
    deadline = limits.export_deadline(float(current_app.config["EXPORT_TIME_LIMIT_S"]))
    document = json_document(result, limits.bounded(rows, deadline, stops=(SearchError,)))
    return Response(stream_with_context(capacity.paced(batched(document, capacity.EXPORT_PIECE))),
                    mimetype="application/json")


@bp.get("/export.csv")
@capacity.export
def export():
    """Stream every concordance row, or with what=speeches every matching speech, as CSV.

    The query is matched before streaming starts, so a bad or too broad query is an error
    status, not a broken download; rows are then found as they are sent, under
    export_time_limit_s, and a cut export ends with a `#incomplete` row.
    """
    params = views.read_params()
    what = request.args.get("what", "kwic")
    if what == "kwic":
        sort = None if params.sort == "relevance" else params.sort
        result = views.corpus().kwic_rows(params.q, params.filters, width=params.width, sort=sort)
        base = views.base_url()
        rows = (dict(row, url=base + row["url"]) if row["url"].startswith("/") else row for row in result["rows"])
        columns, name = kwic_columns(), "kwic"
    elif what == "speeches":
        result = views.corpus().speech_list(params.q, params.filters, sort=params.sort, collapse=params.collapse)
        base = views.base_url()
        rows = (dict(hit, url=f"{base}/speech/{hit['id']}") for hit in result["hits"])
        columns, name = hit_columns() + ["url"], "speeches"
    else:
        raise QueryError(f"unknown export {what!r}; use what=kwic (every occurrence) or what=speeches")
    context = {"query": params.q, "filters": json.dumps(result["filters"], ensure_ascii=False),
               "index_version": result["index_version"]}
    deadline = limits.export_deadline(float(current_app.config["EXPORT_TIME_LIMIT_S"]))
    lines = csv_lines(limits.bounded(rows, deadline, stops=(SearchError,)), columns, context)
    return Response(stream_with_context(capacity.paced(batched(lines, capacity.EXPORT_PIECE))), mimetype="text/csv",
                    headers=views.download(name, params.q))
