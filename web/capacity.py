"""Capacity: expensive requests take a slot of their kind or get 503 at once; cheap ones never wait for them.

Every view is a query (search, concordance, the analyses: slots of `max_concurrent_queries`)
unless it is declared otherwise, so a route added later is bounded without a word:

    @bp.get("/speech/<speech_id>")
    @capacity.cheap                     # a speech, one speech's JSON, static files: no slot
    def speech(speech_id): ...

    @bp.get("/export.csv")
    @capacity.export                    # streams rows: slots of `max_concurrent_exports`
    def export(): ...

A request that finds no free slot of its kind is answered at once with 503, `Retry-After`
and the code `busy`, instead of queueing behind the work it would add to. Slots are taken
before the view runs and given back when the response ends (for a stream, when its last row
is sent or the client goes away). A query's whole request runs under one deadline of
`query_time_limit_ms` (search and chart of one page share it). The server's threads are
at least the slots plus CHEAP_THREADS, so a cheap request always finds a thread.
"""

import threading

from flask import Flask, current_app, g, request

from search import limits
from search.corpus import SearchError

CHEAP, QUERY, EXPORT = "cheap", "query", "export"
CHEAP_THREADS = 2  # threads no expensive request can take
RETRY_AFTER = {QUERY: 2, EXPORT: 10}  # seconds a client is asked to wait before trying again
_NAMES = {QUERY: ("searches", "查询"), EXPORT: ("exports", "导出")}


class Busy(SearchError):
    """Every slot of a kind of work is taken: try again after `retry_after` seconds."""

    status = 503
    code = "busy"

    def __init__(self, kind: str, slots: int):
        self.retry_after = RETRY_AFTER[kind]
        english, chinese = _NAMES[kind]
        super().__init__(f"the server is busy: it already runs {slots} {english} at once; "
                         f"try again in {self.retry_after} seconds",
                         f"服务器正忙：已有 {slots} 个{chinese}在进行；请 {self.retry_after} 秒后再试")


def cheap(view=None, *, when=None):
    """Declare a view cheap (no slot); with `when`, cheap only when `when()` is true for the request."""
    def declare(function):
        function.capacity = CHEAP if when is None else when
        return function
    return declare(view) if view is not None else declare


def export(view):
    """Declare a view an export: it streams rows, in one of max_concurrent_exports slots."""
    view.capacity = EXPORT
    return view


def kind(app: Flask, endpoint: str | None) -> str:
    """Return the kind of work a request to an endpoint is: cheap, query or export."""
    view = app.view_functions.get(endpoint) if endpoint else None
    if view is None or endpoint == "static" or endpoint.endswith(".static"):  # a 404 or a static file costs nothing
        return CHEAP
    declared = getattr(view, "capacity", QUERY)
    if callable(declared):
        return CHEAP if declared() else QUERY
    return declared


def server_threads(settings: dict) -> int:
    """Return how many threads the server runs: the setting, but never fewer than the slots plus CHEAP_THREADS."""
    return max(int(settings["threads"]),
               int(settings["max_concurrent_exports"]) + int(settings["max_concurrent_queries"]) + CHEAP_THREADS)


def server_options(app: Flask) -> dict:
    """Return how waitress serves the app: its threads, and the options that keep it answering under a flood."""
    return {
        "threads": server_threads({name: app.config[name.upper()] for name in
                                   ("threads", "max_concurrent_exports", "max_concurrent_queries")}),
        # A flood holds many connections at once, each getting its 503: poll, not select's 1,024 descriptors.
        "connection_limit": 1000, "asyncore_use_poll": True,
        # Keep reading a connection while its request runs, so a client that goes away is seen at once
        # and its export stops at the next row instead of filling the server's buffers.
        "channel_request_lookahead": 1,
    }


def init_app(app: Flask, settings: dict) -> None:
    """Give the app its slots and take one for every expensive request."""
    app.extensions["capacity"] = {
        EXPORT: (threading.BoundedSemaphore(int(settings["max_concurrent_exports"])), int(settings["max_concurrent_exports"])),
        QUERY: (threading.BoundedSemaphore(int(settings["max_concurrent_queries"])), int(settings["max_concurrent_queries"])),
    }
    app.before_request(_take_slot)
    app.after_request(_hold_for_stream)
    app.teardown_request(_give_back)


def _take_slot():
    work = kind(current_app, request.endpoint)
    if work == CHEAP:
        return
    slot, slots = current_app.extensions["capacity"][work]
    if not slot.acquire(blocking=False):
        raise Busy(work, slots)
    g.capacity_slot = slot
    g.capacity_deadline = limits.enter(current_app.extensions["corpus"].query_deadline())


def _hold_for_stream(response):
    """Keep a streamed response's slot until the stream ends: its last row is sent, or the client went away."""
    slot = g.pop("capacity_slot", None)
    if slot is not None:
        if response.is_streamed:
            release = _once(slot.release)
            response.response = _releasing(response.response, release)
            response.call_on_close(release)  # a stream closed before it began never runs its own end
        else:
            slot.release()
    return response


def _releasing(body, release):
    """Yield a response's body, then give its slot back (also when the server closes it early)."""
    try:
        yield from body
    finally:
        release()


def _once(release):
    """Return a function calling release the first time only (a stream may be closed twice)."""
    gate = threading.Lock()

    def call():
        if gate.acquire(blocking=False):
            release()
    return call


def _give_back(_error=None):
    token = g.pop("capacity_deadline", None)
    if token is not None:
        limits.leave(token)
    slot = g.pop("capacity_slot", None)
    if slot is not None:
        slot.release()
