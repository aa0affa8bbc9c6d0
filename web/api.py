"""JSON API and CSV exports: the library's dicts as they are, and every row streamed."""

import csv
import io
import json

from flask import Blueprint, Response, jsonify, redirect, request, url_for

from indexer.schema import SPEECH_FIELDS
from search.cli import _cell
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
    return Response(_csv_lines(rows, columns, context), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="speeches-{name}.csv"'})


def _all_speeches(params: views.Params) -> tuple[dict, list[dict]]:
    """Collect every matching speech in search order, page by page; all speeches when nothing is asked."""
    corpus = views.corpus()
    if params.empty:
        rows = corpus.speeches()
        for row in rows:
            row["url"] = views.permalink(row["id"])
        return {"filters": {}, "index_version": corpus.index_version}, rows
    size = corpus.settings["max_page_size"]
    for _attempt in range(3):
        first = views.run_search(params, page_size=size, page=1)
        rows = list(first["hits"])
        page = 1
        while len(rows) < first["total"]:
            page += 1
            more = views.run_search(params, page_size=size, page=page)
            if more["index_version"] != first["index_version"] or not more["hits"]:
                break  # the index was rebuilt between pages: start again on the new one
            rows.extend(more["hits"])
        if len(rows) == first["total"]:
            break
    for row in rows:
        row["url"] = views.permalink(row["id"])
    return first, rows


def _csv_lines(rows: list[dict], columns: list[str], context: dict):
    """Yield CSV text: a BOM so Excel reads Chinese, a header, then one line per row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def take() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(columns + list(context))
    yield "\ufeff" + take()
    tail = [_cell(v) for v in context.values()]
    for row in rows:
        writer.writerow([_cell(row.get(c)) for c in columns] + tail)
        yield take()
