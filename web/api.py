"""JSON API and CSV exports: the library's dicts as they are, and every row streamed."""

import json

from flask import Blueprint, Response, jsonify, redirect, request, stream_with_context, url_for

from search.export import KWIC_COLUMNS, csv_lines, hit_columns
from search.query import QueryError
from web import views

bp = Blueprint("api", __name__)


@bp.get("/api/search")
def search():
    """Return one page of search results as the interface's JSON."""
    return jsonify(views.run_search(views.read_params()))


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
        result = views.corpus().speech_list(params.q, params.filters, sort=params.sort, collapse=params.collapse)
        rows = (dict(hit, url=views.permalink(hit["id"])) for hit in result["hits"])
        columns, name = hit_columns() + ["url"], "speeches"
    else:
        raise QueryError(f"unknown export {what!r}; use what=kwic (every occurrence) or what=speeches")
    # Computed before streaming starts, so a bad query is a 400, not a broken download.
    context = {"query": params.q, "filters": json.dumps(result["filters"], ensure_ascii=False),
               "index_version": result["index_version"]}
    return Response(stream_with_context(csv_lines(rows, columns, context)), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="speeches-{name}.csv"'})
