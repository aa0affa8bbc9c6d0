"""Output formats as renderers (Datasette's way): one handler answers a view as a page, as JSON and as CSV.

A view says once how to compute its answer and how to lay it out; `register` gives it its
three addresses, `/<name>`, `/api/<name>` and `/<name>.csv` (endpoints `<name>`,
`<name>_json`, `<name>_csv`). JSON is the library's dict as it is; CSV streams every row,
with what was asked and the index version as columns; the answer is computed before the
first byte, so a bad request is an error status, never a broken download.
"""

from dataclasses import dataclass
from typing import Callable

from flask import Blueprint, Response, jsonify, stream_with_context

from search.export import csv_lines
from search.query import QueryError
from web import views

FORMATS = ("html", "json", "csv")


@dataclass(frozen=True)
class View:
    """How one view computes its answer and lays it out in each format."""

    name: str
    answer: Callable[[bool], dict | None]  # the library's answer (every row when asked), None when nothing is asked
    page: Callable[[dict | None], str]  # the HTML page of an answer (or of nothing asked yet)
    rows: Callable[[dict], object]  # the CSV rows of an answer
    columns: Callable[[dict], list[str]]  # their columns
    context: Callable[[dict], dict]  # the columns every CSV row repeats: what was asked, and of which index
    query: Callable[[dict], object]  # what the export's file is named after
    asked: tuple[str, str]  # what to say, in English and Chinese, when JSON or CSV is asked for nothing


def respond(view: View, fmt: str):
    """Answer a view in one of FORMATS."""
    if fmt == "html":
        return view.page(view.answer(False))
    result = view.answer(fmt == "csv")
    if result is None:
        raise QueryError(view.asked[0], None, view.asked[1])
    if fmt == "json":
        return jsonify(result)
    lines = csv_lines(view.rows(result), view.columns(result), view.context(result))
    return Response(stream_with_context(lines), mimetype="text/csv", headers=views.download(view.name, view.query(result)))


def register(bp: Blueprint, view: View, endpoints: tuple[str, str, str] | None = None) -> None:
    """Give a view its page, its JSON twin under /api/ and its CSV twin (endpoints: name, name_json, name_csv)."""
    endpoints = endpoints or (view.name, f"{view.name}_json", f"{view.name}_csv")
    for fmt, rule, name in zip(FORMATS, (f"/{view.name}", f"/api/{view.name}", f"/{view.name}.csv"), endpoints):
        bp.add_url_rule(rule, name, lambda fmt=fmt: respond(view, fmt), methods=["GET"])
