"""Comparison pages: terms over time and place, the province map, cross tables, and citable snapshots."""

import functools
import json

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, url_for

from indexer import schema
from search.export import compare_columns, compare_rows
from web import renderers, views
from web.i18n import language
from web.chart import series_chart
from web.tilemap import peak, tile_map

bp = Blueprint("compare", __name__)

MEASURES = {"rate": "per_10k_chars", "count": "occurrences"}
# "Years the text states": every way of knowing a date but inference.
STATED = tuple(source for source in schema.DATE_SOURCES if source != "inferred")
# Comparisons over two fields offered beside every field a comparison may go by (the registry's `by`).
PAIRED_CHOICES = (("province", "year"), ("level", "year"))


def by_choices() -> list[tuple[str, str]]:
    """Return the comparisons the page offers, each with its label in the page's language (the registry's)."""
    labels = schema.labels(language())
    return [(name, labels[name]) for name in schema.compare_fields()] + \
        [(",".join(pair), " × ".join(labels[name] for name in pair)) for pair in PAIRED_CHOICES]
SCALES = ("shared", "term")  # the maps' colours: one scale for every term (the default), or one per term


def _request() -> dict:
    """Read what a comparison URL asks for: terms, by, filters, collapse, measure and the stated-years switch."""
    params = views.read_params()
    filters = dict(params.filters)
    stated = request.args.get("stated", "") in ("1", "true", "on", "yes")
    if stated:
        filters["date_source"] = STATED
    return {"terms": [t for t in request.args.getlist("q") if t.strip()], "by": request.args.get("by") or "year",
            "filters": filters, "page_filters": params.filters, "collapse": params.collapse, "stated": stated,
            "measure": request.args.get("measure") if request.args.get("measure") in MEASURES else "rate",
            "scale": request.args.get("scale") if request.args.get("scale") in SCALES else "shared"}


def _compare(asked: dict) -> dict:
    return views.corpus().compare(asked["terms"], asked["by"], asked["filters"], collapse=asked["collapse"])


def bucket_link(term: str, key: dict, asked: dict) -> str:
    """Return the concordance of a term in one bucket: the page's filters and the bucket's values."""
    args = {name: list(values) for name, values in asked["filters"].items()}
    for field, value in key.items():
        args[field] = [value]
    return url_for("pages.kwic", q=term, collapse="1" if asked["collapse"] else None, **args)


def term_link(old: str, new: str) -> str:
    """Return this comparison with one term replaced by another (a suggestion taken)."""
    return _with_terms([new if term == old else term for term in request.args.getlist("q")])


def _with_terms(terms: list[str]) -> str:
    """Return this comparison's URL with the given terms, every other argument kept."""
    args = {name: request.args.getlist(name) for name in views.url_args() if request.args.getlist(name)}
    args["q"] = terms
    return url_for("compare.compare_page", **{name: args[name] for name in views.url_args() if name in args})


def province_values(result: dict, term: str) -> dict:
    """Return each province's series of a term from a comparison by province."""
    return {b["key"]["province"]: dict(b["series"][term], speeches_total=b["speeches"], chars=b["chars"])
            for b in result["buckets"] if b["key"]["province"] not in (schema.UNKNOWN, schema.NATIONAL)}


def _page(result: dict) -> str:
    """Show terms compared over one or two fields: a chart, the province maps, the table of every number."""
    asked = _request()
    if not asked["terms"]:
        return render_template("compare.html", asked=asked, result=None, by_choices=by_choices())
    by_province = result if result["by"] == ["province"] else \
        views.corpus().compare(asked["terms"], "province", asked["filters"], collapse=asked["collapse"])
    measure, min_chars = MEASURES[asked["measure"]], int(current_app.config["MAP_MIN_CHARS"])
    values = {term: province_values(by_province, term) for term in result["terms"]}
    # One colour means one rate on every map, unless each term is asked its own scale (scale=term).
    top = None if asked["scale"] == "term" else max((peak(v, measure, min_chars) for v in values.values()), default=0)
    maps = [(term, tile_map(values[term], measure, min_chars, top)) for term in result["terms"]]
    readings = [(views.reading(term, asked["filters"]), views.suggestions(term, asked["filters"], asked["collapse"]),
                 functools.partial(term_link, term)) for term in result["terms"]]
    return render_template("compare.html", asked=asked, result=result, by_choices=by_choices(),
                           chart=series_chart(result, measure), maps=maps, readings=readings,
                           cross=_cross_tables(result, measure), bucket_link=bucket_link)


def _cross_tables(result: dict, measure: str) -> list[dict] | None:
    """Lay out a comparison over two fields as one table per term: first field down, second across."""
    if len(result["by"]) != 2:
        return None
    down, across = result["by"]
    rows = list(dict.fromkeys(b["key"][down] for b in result["buckets"]))
    columns = list(dict.fromkeys(b["key"][across] for b in result["buckets"]))
    from search.compare import bucket_order

    columns.sort(key=lambda value: bucket_order(across, value))
    cells = {(b["key"][down], b["key"][across]): b for b in result["buckets"]}
    tables = []
    for term in result["terms"]:
        peak = max((b["series"][term][measure] or 0 for b in result["buckets"]), default=0) or 1
        tables.append({"term": term, "rows": [
            {"value": row, "cells": [
                None if (row, column) not in cells else {
                    "bucket": cells[(row, column)], "series": cells[(row, column)]["series"][term],
                    "shade": (cells[(row, column)]["series"][term][measure] or 0) / peak}
                for column in columns]} for row in rows]})
    return {"down": down, "across": across, "columns": columns, "tables": tables}


def _context(result: dict) -> dict:
    """Return the columns every CSV row of a comparison repeats: what was compared, and in which index."""
    return {"terms": json.dumps(result["terms"], ensure_ascii=False), "by": ",".join(result["by"]),
            "filters": json.dumps(result["filters"], ensure_ascii=False), "collapse": result["collapse"],
            "index_version": result["index_version"]}


# The page, its JSON (/api/compare) and every bucket and term as CSV rows, denominators beside each count.
renderers.register(bp, renderers.View(
    name="compare", answer=lambda everything: _compare(_request()), page=_page, rows=compare_rows,
    columns=lambda result: compare_columns(result["by"]), context=_context, query=lambda result: result["terms"],
    asked=("say what to compare: q=…", "请输入要比较的词：q=…")), endpoints=("compare_page", "compare_api", "compare_csv"))


# ---- citable snapshots ----------------------------------------------------------------------


@bp.post("/cite")
def cite():
    """Take a snapshot of a search (or of each term of a comparison) and show it under its own id."""
    form = request.form
    filters = {name: tuple(v for v in form.getlist(name) if v.strip()) for name in schema.filters()}
    filters = {name: values for name, values in filters.items() if values}
    terms = [t for t in form.getlist("q") if t.strip()]
    snapshot = views.corpus().cite(terms if len(terms) > 1 else (terms[0] if terms else ""), filters,
                                   collapse=form.get("collapse", "") in ("1", "true", "on"),
                                   by=form.get("by") or None, client=request.remote_addr or "")
    return redirect(url_for("compare.cite_page", snapshot_id=snapshot["id"]), code=303)


@bp.get("/cite/<snapshot_id>")
def cite_page(snapshot_id):
    """Show a snapshot as it was taken, what has changed since, and the line to cite it by."""
    snapshot = views.corpus().snapshot(snapshot_id)
    link = views.base_url() + url_for("compare.cite_page", snapshot_id=snapshot_id)
    return render_template("cite.html", snapshot=snapshot, link=link)


@bp.get("/api/cite/<snapshot_id>")
def cite_api(snapshot_id):
    """Return a snapshot and what has changed since as JSON."""
    return jsonify(views.corpus().snapshot(snapshot_id))
