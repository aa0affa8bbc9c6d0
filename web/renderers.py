"""Output formats as renderers (Datasette's way): one handler answers a view as a page, as JSON and as CSV.

A view says once how to compute its answer and how to lay it out; `register` gives it its
three addresses, `/<name>`, `/api/<name>` and `/<name>.csv` (endpoints `<name>`,
`<name>_json`, `<name>_csv`). JSON is the library's dict as it is; CSV streams every row,
with what was asked and the index version as columns; the answer is computed before the
first byte, so a bad request is an error status, never a broken download.
"""

from dataclasses import dataclass, field
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


@dataclass(frozen=True)
class Option:
    """A choice a table page's form offers: from `choices` ((value, (zh, en)) pairs), else a whole number."""

    name: str
    label: tuple[str, str]
    choices: tuple = ()
    low: int = 1
    high: int = 1000


@dataclass(frozen=True)
class Table:
    """A view laid out by table.html, with no template of its own: its words, each in Chinese and English.

    The answer's `key` holds its rows; the first column is the item, linked to its concordance.
    A view registered with a table is a tool: the navigation bar and the search box name it.
    """

    title: tuple[str, str]
    intro: tuple[str, str]  # what the page says before anything is asked
    button: tuple[str, str]  # the search box's button
    key: str
    labels: dict  # each column's heading: {column: (zh, en)}
    sorts: tuple = ()  # (sort value, (zh, en)) the rows can be ordered by
    options: tuple = field(default=())  # Option …


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


def register(bp: Blueprint, view: View, endpoints: tuple[str, str, str] | None = None, table: Table | None = None) -> None:
    """Give a view its page, its JSON twin under /api/ and its CSV twin (endpoints: name, name_json, name_csv).

    A view with a table is a tool of its own on every page's bar and search box.
    """
    endpoints = endpoints or (view.name, f"{view.name}_json", f"{view.name}_csv")
    if table is not None:
        views.add_tool(view.name, f"{bp.name}.{endpoints[0]}", table.title, table.button)
    for fmt, rule, name in zip(FORMATS, (f"/{view.name}", f"/api/{view.name}", f"/{view.name}.csv"), endpoints):
        bp.add_url_rule(rule, name, lambda fmt=fmt: respond(view, fmt), methods=["GET"])
