"""HTML pages: search and overview, speech, raw text, concordance."""

import itertools
import math
import re
from urllib.parse import quote

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from markupsafe import Markup

from search.corpus import mark
from web import views
from web.chart import year_chart

bp = Blueprint("pages", __name__)

FACET_NAMES = {"province": "省份", "year": "年份", "speaker": "讲话人", "level": "层级"}


def _all_counts() -> dict:
    """Return facet counts over every speech."""
    return views.corpus().overview()


@bp.get("/")
def index():
    """Show the search page, or the corpus overview when nothing is asked."""
    params = views.read_params()
    if params.empty:
        counts = _all_counts()
        return render_template("overview.html", counts=counts, facet_names=FACET_NAMES,
                               chart=year_chart(counts["facets"]["year"]))
    result = views.run_search(params)
    pages = max(1, math.ceil(result["total"] / result["page_size"]))
    return render_template("search.html", params=params, result=result, pages=pages, facet_names=FACET_NAMES,
                           facets=_facet_lists(result), chart=_chart(params, result))


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


def _chart(params: views.Params, result: dict) -> dict | None:
    """Lay out matching speeches per year against all speeches passing the same filters."""
    counts = result["facets"]["year"]
    if params.collapse:
        # Denominators count every version, so the numerators must too.
        counts = views.corpus().facets(params.q, params.filters)["year"]
    if result["filters"]:
        totals = views.corpus().facets("", result["filters"])["year"]
    else:
        totals = _all_counts()["facets"]["year"]
    return year_chart(counts, totals)


_MARK = re.compile(r"<mark>")


@bp.get("/speech/<speech_id>")
def speech(speech_id):
    """Show a whole speech with every hit of ?q= marked and each paragraph anchored."""
    corpus = views.corpus()
    current = corpus.resolve_id(speech_id)
    if current != speech_id:
        return _moved("pages.speech", current)
    record = corpus.speech(current)
    q = request.args.get("q", "")
    terms, notice = views.query_terms(q)
    paragraphs, counter = [], itertools.count(1)
    for number, text in enumerate(record["text"].split("\n"), 1):
        # mark() escapes the text; the only tags in its output are its own <mark>s, numbered here.
        html = _MARK.sub(lambda _: f'<mark id="hit-{next(counter)}">', mark(text, terms))
        paragraphs.append({"number": number, "html": Markup(html), "hits": html.count("<mark ")})
    hits = sum(p["hits"] for p in paragraphs)
    first_hit = next((p["number"] for p in paragraphs if p["hits"]), None)
    chosen = first_hit or 1
    return render_template(
        "speech.html", speech=record, q=q, notice=notice, paragraphs=paragraphs, hits=hits,
        first_hit=first_hit, chosen=chosen, cite_speech=views.citation(record),
        cite_paragraph=views.citation(record, chosen), cite_prefix=views.citation_prefix(record),
        speech_link=views.permalink(record["id"]),
    )


@bp.get("/speech/<speech_id>/raw")
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
    result = views.run_kwic(params)
    page_size = params.page_size or min(views.KWIC_PAGE_SIZE, int(current_app.config["MAX_PAGE_SIZE"]))
    start = (params.page - 1) * page_size
    pages = max(1, math.ceil(result["total"] / page_size))
    return render_template("kwic.html", params=params, result=result, rows=result["rows"][start : start + page_size],
                           first=start + 1, pages=pages, page_size=page_size)
