"""Capacity: expensive requests take a slot of their kind or get 503 at once; cheap ones never wait for them.

Every view is a query (search, concordance, the analyses: slots of `max_concurrent_queries`)
unless it is declared otherwise, so a route added later is bounded without a word:

    @bp.get("/speech/<speech_id>")
    @capacity.cheap                     # a speech, one speech's JSON: no slot (static files neither)
    def speech(speech_id): ...

    @bp.get("/export.csv")
    @capacity.export                    # streams rows: slots of `max_concurrent_exports`
    def export(): ...

Slots are taken in front of Flask, by a WSGI wrapper: a request that finds no free slot of its
kind is answered at once with 503, `Retry-After` and the code `busy` (a body rendered once),
without a request context, routing to the view or a template, so a flood of them costs the
server little and cheap requests queue behind little. A slot is given back when the response
body ends or is closed: for a stream, when its last row is sent or the client goes away. A
query's whole request runs under one deadline of `query_time_limit_ms` (a search and its
chart share it). The server runs at least the slots plus CHEAP_THREADS threads, so a cheap
request always finds one.
"""

import json
import threading
import time

from flask import Flask, current_app, g, render_template, request
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Request

from search import limits
from search.corpus import SearchError

CHEAP, QUERY, EXPORT = "cheap", "query", "export"
CHEAP_THREADS = 2  # threads no expensive request can take
RETRY_AFTER = {QUERY: 2, EXPORT: 10}  # seconds a client is asked to wait before trying again
_NAMES = {QUERY: ("searches", "查询"), EXPORT: ("exports", "导出")}
_KIND = "speeches.capacity"  # the environ key saying what kind of work a request is
ACCEPT_AT_ONCE = 128  # connections the server accepts in one turn of its loop
EXPORT_PIECE = 8192  # characters of an export sent at once
# Pause after each piece: under the flood of bench/flood.py 0.5 ms left the probe p95 ~190 ms, 2 ms ~125 ms.
EXPORT_PAUSE_S = 0.001


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
    """Declare a view cheap (no slot); with `when(args)`, cheap only when it is true of the request's arguments."""
    def declare(function):
        function.capacity = CHEAP if when is None else when
        return function
    return declare(view) if view is not None else declare


def export(view):
    """Declare a view an export: it streams rows, in one of max_concurrent_exports slots."""
    view.capacity = EXPORT
    return view


def kind(app: Flask, environ: dict) -> str:
    """Return the kind of work a request is: cheap, query or export, by the view it goes to."""
    try:
        endpoint, _ = app.url_map.bind_to_environ(environ).match()
    except HTTPException:  # no such page, a redirect: nothing to compute
        return CHEAP
    view = app.view_functions.get(endpoint)
    if view is None or endpoint == "static" or endpoint.endswith(".static"):
        return CHEAP
    declared = getattr(view, "capacity", QUERY)
    if callable(declared):
        try:
            return CHEAP if declared(Request(environ).args) else QUERY
        except SearchError:  # bad arguments: the view's own check answers them
            return CHEAP
    return declared


def server_threads(settings: dict) -> int:
    """Return how many threads the server runs: the setting, but never fewer than the slots plus CHEAP_THREADS."""
    return max(int(settings["threads"]),
               int(settings["max_concurrent_exports"]) + int(settings["max_concurrent_queries"]) + CHEAP_THREADS)


def create_server(app: Flask, host: str, port: int):
    """Return the waitress server `speeches serve` runs: enough threads, cheap requests served first."""
    import waitress

    threads = server_threads({name: app.config[name.upper()] for name in
                              ("threads", "max_concurrent_exports", "max_concurrent_queries")})
    server = waitress.create_server(
        app, host=host, port=port, threads=threads, _dispatcher=_cheap_first(app, threads),
        # A flood holds many connections at once, each getting its 503: poll, not select's 1,024 descriptors.
        connection_limit=1000, asyncore_use_poll=True,
        # Keep reading a connection while its request runs, so a client that goes away is seen at once
        # and its export stops at the next row instead of filling the server's buffers.
        channel_request_lookahead=1)
    accept_one = server.handle_accept

    def accept_waiting():
        # Every connection waiting, not one per turn of the loop: under a flood a new client
        # (a reader opening a speech) would otherwise wait a turn for each client ahead of it.
        for _ in range(ACCEPT_AT_ONCE):
            before = len(server._map)
            accept_one()
            if len(server._map) == before:  # none was waiting
                break
    server.handle_accept = accept_waiting
    slots = app.extensions.get("capacity")
    if slots is not None:
        threading.Thread(target=_give_back_when_idle, args=(slots,), daemon=True, name="give memory back").start()
    return server


IDLE_S = 2.0  # how long the server must have been idle before its freed memory is given back


def _give_back_when_idle(slots: "_Slots") -> None:
    """Hand the memory requests freed back to the system once the server is idle after work.

    Under a flood the server grew from 200 to 340 MB and stayed there (issue 24): glibc keeps
    freed blocks in each thread's arena for reuse (anonymous memory, 81 -> 115 MB), and the
    pages of the mapped index files the flood read stay mapped (120 -> 224 MB). When no
    request is in flight and some were served since, malloc_trim(0) returns the arenas' free
    pages and the corpus lets go of its mapped pages (they stay in the page cache).
    """
    import ctypes

    try:
        trim = ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc
        trim = None
    corpus = slots.app.extensions.get("corpus")
    trimmed_at = 0
    while True:
        time.sleep(IDLE_S)
        served, busy = slots.served, slots.active
        if served != trimmed_at and busy == 0 and time.monotonic() - slots.last_end >= IDLE_S:
            if trim is not None:
                trim(0)
            release = getattr(corpus, "release_memory", None)
            if release is not None:
                release()
            trimmed_at = served


def _cheap_first(app: Flask, threads: int):
    """Return a waitress task dispatcher that triages each request as it arrives, in the server's loop.

    A cheap request goes to the front of the line: under a flood every free thread is taken
    by the next request waiting, and a speech page at the front waits for one thread, not
    for the hundred requests ahead of it. An expensive request whose slots are all taken is
    answered busy there and then, without a thread.
    """
    from waitress.task import ThreadedTaskDispatcher

    class Triage(ThreadedTaskDispatcher):
        def add_task(self, channel):
            work = _work_of(app, channel)
            if work == CHEAP:
                with self.lock:
                    self.queue.appendleft(channel)
                    self.queue_cv.notify()
            elif work is not None and _answered_busy(app, channel, work):
                return
            else:
                super().add_task(channel)

    dispatcher = Triage()
    dispatcher.set_thread_count(threads)
    return dispatcher


def _work_of(app: Flask, channel) -> str | None:
    """Return the kind of work a waitress channel's request is (None when it cannot tell)."""
    try:
        parsed = channel.requests[0]
        environ = {"REQUEST_METHOD": parsed.command, "PATH_INFO": parsed.path, "QUERY_STRING": parsed.query,
                   "SCRIPT_NAME": "", "SERVER_NAME": "localhost", "SERVER_PORT": "80", "wsgi.url_scheme": "http"}
        return kind(app, environ)
    except Exception:  # never let a strange request stop the server from queueing it
        return None


def _answered_busy(app: Flask, channel, work: str) -> bool:
    """Answer a channel's request busy at once if its slots are all taken; tell whether it was."""
    slots = app.extensions.get("capacity")
    if slots is None or len(channel.requests) != 1:
        return False
    slot = slots.slots[work]
    if slot.acquire(blocking=False):  # a slot is free: the request goes its way (and takes one then)
        slot.release()
        return False
    parsed = channel.requests.pop()
    body, headers = slots.busy_answer(work, parsed.path.startswith("/api/"))
    head = f"HTTP/{parsed.version} 503 Service Unavailable\r\n" + "".join(
        f"{name}: {value}\r\n" for name, value in headers) + "Connection: close\r\n\r\n"
    channel.write_soon(head.encode("latin-1") + body)
    channel.close_when_flushed = True
    return True


def init_app(app: Flask, settings: dict) -> None:
    """Give the app its slots, taken in front of Flask for every expensive request."""
    counts = {EXPORT: int(settings["max_concurrent_exports"]), QUERY: int(settings["max_concurrent_queries"])}
    slots = {work: threading.BoundedSemaphore(count) for work, count in counts.items()}
    app.wsgi_app = app.extensions["capacity"] = _Slots(app, app.wsgi_app, slots, counts)
    app.before_request(_start_deadline)
    app.teardown_request(_end_deadline)


class _Slots:
    """The WSGI wrapper that takes a slot for each expensive request, or answers busy at once."""

    def __init__(self, app: Flask, wsgi_app, slots: dict, counts: dict):
        self.app, self.wsgi_app, self.slots, self.counts = app, wsgi_app, slots, counts
        self._busy: dict[tuple[str, bool], tuple[bytes, list]] = {}
        # Requests in flight and served, and when the last one ended: the server is idle when none runs.
        self.active = self.served = 0
        self.last_end = time.monotonic()
        self._counting = threading.Lock()

    def __call__(self, environ, start_response):
        work = environ[_KIND] = kind(self.app, environ)
        if work == CHEAP:
            self._begin()
            try:
                return self.wsgi_app(environ, start_response)
            finally:
                self._end()
        slot = self.slots[work]
        if not slot.acquire(blocking=False):
            body, headers = self.busy_answer(work, environ.get("PATH_INFO", "").startswith("/api/"))
            start_response("503 SERVICE UNAVAILABLE", headers)
            return [body]
        self._begin()
        ended = _once(self._end)
        release = _once(lambda: (slot.release(), ended()))
        try:
            return _Held(self.wsgi_app(environ, start_response), release)
        except BaseException:
            release()
            raise

    def _begin(self) -> None:
        with self._counting:
            self.active += 1

    def _end(self) -> None:
        with self._counting:
            self.active -= 1
            self.served += 1
            self.last_end = time.monotonic()

    def busy_answer(self, work: str, as_json: bool) -> tuple[bytes, list]:
        """Return the busy answer's body and headers, rendered the first time they are needed."""
        if (work, as_json) not in self._busy:
            from web.guard import SECURITY_HEADERS

            error = Busy(work, self.counts[work])
            if as_json:
                body, kind_of = json.dumps({"error": str(error), "code": error.code, "zh": error.zh},
                                           ensure_ascii=False), "application/json"
            else:
                with self.app.test_request_context("/"):
                    body = render_template("busy.html", message=error.zh, english=str(error))
                kind_of = "text/html; charset=utf-8"
            data = body.encode("utf-8")
            headers = [("Content-Type", kind_of), ("Content-Length", str(len(data))),
                       ("Retry-After", str(error.retry_after)), *SECURITY_HEADERS.items()]
            self._busy[(work, as_json)] = (data, headers)
        return self._busy[(work, as_json)]


class _Held:
    """A response body that gives its slot back when it ends or is closed (a client that went away)."""

    def __init__(self, body, release):
        self.body, self.release = body, release

    def __iter__(self):
        try:
            yield from self.body
        finally:
            self.release()

    def close(self):
        try:
            if hasattr(self.body, "close"):
                self.body.close()
        finally:
            self.release()


def paced(pieces):
    """Yield an export's pieces, pausing after each so the server's other threads get the interpreter.

    An export is CPU-bound Python: left alone it holds the GIL in 5 ms slices, and every
    cheap request (and the server's loop that accepts and answers them) waits behind it.
    """
    for piece in pieces:
        yield piece
        time.sleep(EXPORT_PAUSE_S)


def _once(release):
    """Return a function calling release the first time only (a body may end and be closed)."""
    gate = threading.Lock()

    def call():
        if gate.acquire(blocking=False):
            release()
    return call


def _start_deadline():
    if request.environ.get(_KIND, CHEAP) != CHEAP:
        g.capacity_deadline = limits.enter(current_app.extensions["corpus"].query_deadline())


def _end_deadline(_error=None):
    token = g.pop("capacity_deadline", None)
    if token is not None:
        limits.leave(token)
