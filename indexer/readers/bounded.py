"""Run a reader in a child process under a memory limit and a time limit: past either, its file is skipped.

A PDF's streams inflate inside PDFium, out of reach of any check in Python: a 1 MB PDF whose
page inflates to 1 GB took the build to 2.3 GB, a 4 MB one to 5.4 GB, before it was skipped
(issue 24). So a PDF is read in a forked child whose address space may grow by at most
`max_reader_mb` (RLIMIT_AS) and which is killed after `reader_time_limit_s`; the child sends
its Documents back through a pipe. A child that runs out of memory (a MemoryError, or PDFium
ending the process) is a skip as `too_large`, one out of time a skip as `unreadable`, and any
other failure of the reader a skip as `unreadable` with its error: never the build's end.
The child dies with the build and lets go of its lock (indexer/lifetime.py).
"""

import faulthandler
import functools
import importlib
import os
import pickle
import resource
import select
import signal
import time

from indexer.readers.base import UnreadableFile

_OUT_OF_MEMORY = 3  # the child's exit status when it ran out of memory outside the reader


def in_child(reader, preload: tuple[str, ...] = ()):
    """Wrap a reader so that it runs in a child process under the read's limits; `preload` names
    modules imported once in the parent, so that each child has them already."""

    @functools.wraps(reader)
    def bounded(data: bytes, path: str, limits):
        for module in preload:
            importlib.import_module(module)
        return run(reader, data, path, limits)
    return bounded


def run(reader, data: bytes, path: str, limits):
    """Return reader(data, path, limits) as run in a forked child, or raise UnreadableFile naming the limit it passed."""
    parent = os.getpid()
    readable, writable = os.pipe()
    child = os.fork()
    if child == 0:  # the child: never returns
        os.close(readable)
        _read_in_child(reader, data, path, limits, writable, parent)
    os.close(writable)
    status = None
    try:
        payload = _receive(readable, time.monotonic() + limits.reader_time_limit_s)
        if payload is None:
            raise UnreadableFile(f"reading it took over {limits.reader_time_limit_s:g} s (reader_time_limit_s)",
                                 "unreadable")
        _, status = os.waitpid(child, 0)
    finally:
        os.close(readable)
        if status is None:  # out of time, or the parent interrupted: the child goes
            try:
                os.kill(child, signal.SIGKILL)
            except ProcessLookupError:
                pass
            os.waitpid(child, 0)
    return _outcome(payload, status, limits)


def _receive(readable: int, deadline: float) -> bytes | None:
    """Read everything the child writes until it closes the pipe; None when the deadline passes first."""
    chunks = []
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        ready, _, _ = select.select([readable], [], [], left)
        if ready:
            chunk = os.read(readable, 1 << 20)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)


def _outcome(payload: bytes, status: int, limits):
    memory = (f"reading it needed more than {limits.max_reader_mb:g} MB of memory (max_reader_mb): "
              "a PDF whose streams inflate that far is a decompression bomb, or needs a larger limit")
    if not payload:
        if os.WIFSIGNALED(status) or os.WEXITSTATUS(status) == _OUT_OF_MEMORY:
            # PDFium ends the process when an allocation fails: under the limit, that is the limit.
            raise UnreadableFile(memory, "too_large")
        raise UnreadableFile(f"the reader ended without an answer (exit status {os.WEXITSTATUS(status)})",
                             "unreadable")
    outcome = pickle.loads(payload)
    if outcome[0] == "read":
        return outcome[1]
    if outcome[0] == "skipped":
        raise UnreadableFile(outcome[1], outcome[2])
    if outcome[0] == "memory":
        raise UnreadableFile(memory, "too_large")
    raise UnreadableFile(f"the reader failed ({outcome[1]})", "unreadable")


def _read_in_child(reader, data: bytes, path: str, limits, writable: int, parent: int) -> None:
    """Read under the memory limit, write the outcome to the pipe and end the process."""
    status = 1
    try:
        from indexer import lifetime

        lifetime.become_child(parent)
        # PDFium aborts when an allocation fails: no traceback dump, no core file, for an outcome expected here.
        faulthandler.disable()
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        budget = _address_space() + int(limits.max_reader_mb * 1024 * 1024)
        resource.setrlimit(resource.RLIMIT_AS, (budget, budget))
        try:
            outcome = ("read", reader(data, path, limits))
        except UnreadableFile as error:
            outcome = ("skipped", error.reason, error.code)
        except MemoryError:
            outcome = ("memory",)
        except Exception as error:  # a reader's bug or a library's: named, and the build goes on
            outcome = ("error", f"{type(error).__name__}: {error}"[:500])
        view = memoryview(pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL))
        while view:
            view = view[os.write(writable, view):]
        status = 0
    except MemoryError:
        status = _OUT_OF_MEMORY
    finally:
        os._exit(status)


def _address_space() -> int:
    """Return the bytes of address space this process has mapped now (the limit is counted from there)."""
    with open("/proc/self/statm", "rb") as handle:
        return int(handle.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
