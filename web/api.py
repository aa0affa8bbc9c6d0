"""JSON API and CSV exports: the library's dicts as they are, and every row streamed."""

import json

from flask import Blueprint, Response, jsonify, redirect, request, url_for

from indexer.schema import SPEECH_FIELDS
from search.export import csv_lines
from search.query import QueryError
from web import views

bp = Blueprint("api", __name__)

KWIC_COLUMNS = ["id", "title", "speaker", "year", "province", "paragraph", "offset", "left", "match", "right", "url"]
SPEECH_COLUMNS = list(SPEECH_FIELDS) + ["score", "occurrences", "folded", "url"]


@bp.get("/api/search")
def search():
    """Return one page of search results as the interface's JSON."""
    params = views.read_params()
    if params.empty:
        raise QueryError("the query is empty; give a phrase or a filter, e.g. /api/search?q=双过半")
    return jsonify(views.run_search(params))


@bp.get("/api/speech/<speech_id>")
def speech(speech_id):
    """Return one speech with its text; an old id redirects to its new one."""
    corpus = views.corpus()
    current = corpus.resolve_id(speech_id)
    if current != speech_id:
        return redirect(url_for("api.speech", speech_id=current), code=301)
    return jsonify(corpus.speech(current))


@bp.get("/api/kwic")
def kwic():
    """Return every occurrence of the query as the interface's concordance JSON."""
    return jsonify(views.run_kwic(views.read_params()))


@bp.get("/export.csv")
def export():
    """Stream every concordance row, or with what=speeches every matching speech, as CSV."""
    params = views.read_params()
    what = request.args.get("what", "kwic")
    if what == "kwic":
        result = views.run_kwic(params)
        rows = result["rows"]
        for row in rows:
            row["url"] = views.base_url() + row["url"] if row["url"].startswith("/") else row["url"]
        columns, name = KWIC_COLUMNS, "kwic"
    elif what == "speeches":
        result, rows = _all_speeches(params)
        columns, name = SPEECH_COLUMNS, "speeches"
    else:
        raise QueryError(f"unknown export {what!r}; use what=kwic (every occurrence) or what=speeches")
    # Computed before streaming starts, so a bad query is a 400, not a broken download.
    context = {"query": params.q, "filters": json.dumps(result["filters"], ensure_ascii=False),
               "index_version": result["index_version"]}
    return Response(csv_lines(rows, columns, context), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="speeches-{name}.csv"'})


def _all_speeches(params: views.Params) -> tuple[dict, list[dict]]:
    """Return every matching speech in result order; all speeches when nothing is asked."""
    corpus = views.corpus()
    if params.empty:
        rows = corpus.speeches()
        context = {"filters": {}, "index_version": corpus.index_version}
    else:
        parsed = corpus.parse(params.q, params.filters)
        rows = list(corpus.hits(params.q, params.filters, sort=params.sort, collapse=params.collapse))
        context = {"filters": parsed.filters, "index_version": corpus.index_version}
    for row in rows:
        row["url"] = views.permalink(row["id"])
    return context, rows
