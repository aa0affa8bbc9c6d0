"""Deadlines on the work one request or one export does, checked as the work goes.

The library calls `check()` in every loop that can run long (matching, ranking, snippets,
concordance rows, suggestions, exports). A deadline is active for the code that runs inside
`within(deadline)`: the web app makes one per request, the library one per call when none
is active, and an export one of its own for its rows. Iterators (exports' rows) are lazy:
they are checked against whatever deadline is active while they are being read, so
`bounded()` makes the export's deadline active for each step and turns its expiry into an
explicit last item instead of a silent cut.
"""

import contextvars
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator

_active: contextvars.ContextVar["Deadline | None"] = contextvars.ContextVar("deadline", default=None)


class Deadline:
    """A moment after which work stops, raising the error `expired()` makes; no limit when seconds is None."""

    def __init__(self, seconds: float | None, expired: Callable[[], Exception]):
        self.seconds = seconds
        self.at = None if seconds is None else time.monotonic() + seconds
        self.expired = expired

    def check(self) -> None:
        """Raise the deadline's error once it has passed."""
        if self.at is not None and time.monotonic() >= self.at:
            raise self.expired()


def active() -> Deadline | None:
    """Return the deadline the running code is under, if any."""
    return _active.get()


def remaining() -> float | None:
    """Return the seconds the running work has left before its deadline, None when it has none."""
    deadline = _active.get()
    if deadline is None or deadline.at is None:
        return None
    return deadline.at - time.monotonic()


def check() -> None:
    """Stop the running work if its deadline has passed (nothing when no deadline is active)."""
    deadline = _active.get()
    if deadline is not None and deadline.at is not None and time.monotonic() >= deadline.at:
        raise deadline.expired()


@contextmanager
def within(deadline: Deadline | None):
    """Run the body under a deadline."""
    token = _active.set(deadline)
    try:
        yield deadline
    finally:
        _active.reset(token)


def enter(deadline: Deadline | None) -> contextvars.Token:
    """Make a deadline active until `leave(token)`: for hooks that cannot wrap the work in a `with`."""
    return _active.set(deadline)


def leave(token: contextvars.Token) -> None:
    """End what `enter` began."""
    try:
        _active.reset(token)
    except ValueError:  # entered in another context (a thread that never ran the request): nothing to undo
        pass


@dataclass
class Stopped:
    """The last item of an export that did not finish: after how many rows, and why."""

    rows: int
    reason: str  # a code: "export_time_limit_s", or the error code that stopped it
    message: str


def bounded(rows: Iterable, deadline: Deadline, stops: tuple[type[Exception], ...] = ()) -> Iterator:
    """Yield rows under a deadline; when it passes, or an error of `stops` is raised, yield a Stopped and end.

    Each step of the rows runs with the deadline active, so the library's checks inside
    the row generator stop it between rows, however long one row takes to find.
    """
    stops = (ExportTimeUp, *stops)
    iterator = iter(rows)
    count = 0
    while True:
        token = _active.set(deadline)
        try:
            if count:
                deadline.check()
            row = next(iterator)
        except StopIteration:
            return
        except stops as error:
            code = getattr(error, "code", type(error).__name__)
            yield Stopped(count, "export_time_limit_s" if isinstance(error, ExportTimeUp) else code, str(error))
            return
        finally:
            _active.reset(token)
        count += 1
        yield row


class ExportTimeUp(Exception):
    """An export reached export_time_limit_s."""


def export_deadline(seconds: float | None) -> Deadline:
    """Return the deadline of one export: `seconds` from now."""
    return Deadline(seconds, lambda: ExportTimeUp(
        f"the export reached export_time_limit_s ({seconds:g} s) and stopped; narrow the query "
        "with a longer phrase or a filter, or raise the limit"))
