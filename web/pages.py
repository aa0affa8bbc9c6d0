"""HTML pages: search and overview, speech, raw text, concordance."""

import itertools
import math
import re
from urllib.parse import quote

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from markupsafe import Markup

from indexer import schema
from search.errors import OlderIndex
from search.matching import marks_by_pattern
from search.snippets import mark
from web import capacity, views
from web.chart import year_chart
from web.compare import province_values
from web.tilemap import tile_map

bp = Blueprint("pages", __name__)


@bp.get("/")
@capacity.cheap(when=lambda args: views.read_params(args).empty)  # the overview is cheap; a search is a query
def index():
    """Show the search page, or the corpus overview when nothing is asked."""
    params = views.read_params()
    if params.empty:
        counts = views.corpus().overview()
        tables = [f.name for f in schema.FIELDS if f.overview]
        # The denominators of every rate: how many characters each year, province and level holds.
        chars = {name: {b["key"][name]: b["chars"] for b in views.corpus().compare([], name)["buckets"]} for name in tables}
        return render_template("overview.html", counts=counts, tables=tables, chars=chars,
                               chart=year_chart(counts["facets"]["year"]))
    # One match gives the hits, the year chart and the map (issue 26: the query was matched three times).
    result = views.run_search(params, chart=True)
    pages = max(1, math.ceil(result["total"] / result["page_size"]))
    series = result.pop("chart")
    chart = year_chart(series["counts"], series["totals"], series["by_source"]) if params.q.strip() else None
    grid = None
    if params.q.strip():
        by_province = series["provinces"]
        grid = tile_map(province_values(by_province, by_province["terms"][0]),
                        min_chars=int(current_app.config["MAP_MIN_CHARS"]))
    return render_template("search.html", params=params, result=result, pages=pages, facets=_facet_lists(result),
                           chart=chart, year_sources=series["by_source"], grid=grid,
                           reading=views.reading(params.q, params.filters))


def _facet_lists(result: dict) -> dict:
    """Order facet values for reading: years newest first, others by count; 未知 last."""
    lists = {}
    for name, counts in result["facets"].items():
        items = [(v, n) for v, n in counts.items() if v != views.UNKNOWN]
        if name == "year":
            items.sort(key=lambda item: item[0], reverse=True)
        if views.UNKNOWN in counts:
            items.append((views.UNKNOWN, counts[views.UNKNOWN]))
        lists[name] = items
    return lists


_MARK = re.compile(r"<mark>")


@bp.get("/speech/<speech_id>")
# Cheap, unless ?q= holds a pattern: RE2 over every paragraph is a query's work, in a slot and under
# query_time_limit_ms (eight such pages once held every thread for 109 s, issue 24). Phrases are
# marked by plain search, linear in the text as the page itself is.
@capacity.cheap(when=lambda args: not marks_by_pattern(args.get("q", "")))
def speech(speech_id):
    """Show a whole speech with every hit of ?q= marked and each paragraph anchored."""
    corpus = views.corpus()
    current = corpus.resolve_id(speech_id)
    if current != speech_id:
        return _moved("pages.speech", current)
    record = corpus.speech(current)
    q = request.args.get("q", "")
    terms, notice = views.marked_terms(q)
    paragraphs, counter = [], itertools.count(1)
    for number, text in enumerate(record["text"].split("\n"), 1):
        # mark() escapes the text; the only tags in its output are its own <mark>s, numbered here.
        html = _MARK.sub(lambda _: f'<mark id="hit-{next(counter)}">', mark(text, terms))
        paragraphs.append({"number": number, "html": Markup(html), "hits": html.count("<mark ")})
    hits = sum(p["hits"] for p in paragraphs)
    first_hit = next((p["number"] for p in paragraphs if p["hits"]), None)
    chosen = first_hit or 1
    return render_template(
        "speech.html", speech=record, q=q, notice=notice, paragraphs=paragraphs, hits=hits, similar=_similar(current),
        first_hit=first_hit, chosen=chosen, cite_speech=views.citation(record),
        cite_paragraph=views.citation(record, chosen), cite_prefix=views.citation_prefix(record),
        cite_where=views.paragraph_words(), speech_link=views.permalink(record["id"]),
        reading=views.reading(q) if q.strip() and not notice else None,
    )


def _similar(speech_id: str) -> dict:
    """Return the speeches most like one, or what stops them being found (an index built by an older version)."""
    try:
        return views.corpus().similar(speech_id)
    except OlderIndex as error:
        return {"similar": [], "older": error}


@bp.get("/speech/<speech_id>/raw")
@capacity.cheap
def raw(speech_id):
    """Show the original, uncleaned text of a speech's source span."""
    corpus = views.corpus()
    current = corpus.resolve_id(speech_id)
    if current != speech_id:
        return _moved("pages.raw", current)
    return render_template("raw.html", speech=corpus.speech(current, with_text=False), raw=corpus.raw(current))


def _moved(endpoint: str, speech_id: str):
    """Redirect permanently to a speech's new id, keeping the query string."""
    target = url_for(endpoint, speech_id=speech_id)
    if request.query_string:
        # Keep the query string byte for byte; escape only what arrived unescaped (raw UTF-8).
        target += "?" + quote(request.query_string, safe="=&+%;/?:@,$!*'()~")
    return redirect(target, code=301)


@bp.get("/kwic")
def kwic():
    """Show the concordance of a query, one occurrence a row, paged."""
    params = views.read_params()
    if not params.q.strip():
        return render_template("kwic.html", params=params, result=None, rows=[], pages=1, page_size=0)
    result = views.run_kwic(params, paged=True)
    first = (result["page"] - 1) * result["page_size"] + 1
    return render_template("kwic.html", params=params, result=result, rows=result["rows"], first=first,
                           pages=result["pages"], page_size=result["page_size"],
                           reading=views.reading(params.q, params.filters),
                           suggestions=views.suggestions(params.q, params.filters, params.collapse))
