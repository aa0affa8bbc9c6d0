"""Child processes of a build die with it, and hold nothing of it: the build lock above all.

A worker forked by `speeches index --jobs N` (and a PDF's reader, see indexer/readers/bounded.py)
inherits the build's open files, the lock on `index/.lock` among them: flock holds while any
process holds the open file. Killed with -9, the build left its workers running, and they
held the lock for ever (issue 24). So every child, first thing: asks the kernel to kill it
when the thread that forked it dies (prctl PR_SET_PDEATHSIG), checks that its parent had not
died already, and closes its copies of the locks.
"""

import ctypes
import os
import signal
import threading

PR_SET_PDEATHSIG = 1  # linux/prctl.h

_locks: set[int] = set()  # file descriptors of the locks this process holds
_guard = threading.Lock()


def hold_lock(fd: int) -> None:
    """Note a lock's file descriptor, for children to close."""
    with _guard:
        _locks.add(fd)


def release_lock(fd: int) -> None:
    """Forget a lock's file descriptor (it is being closed)."""
    with _guard:
        _locks.discard(fd)


def become_child(parent: int) -> None:
    """Make this freshly forked process die with its parent and let go of the parent's locks.

    `parent` is the parent's process id as the parent saw it before forking: if it died before
    the kernel was asked, this process is already an orphan and ends now.
    """
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: watch the parent instead
        _watch(parent)
    if os.getppid() != parent:
        os._exit(1)
    for fd in list(_locks):
        try:
            os.close(fd)
        except OSError:
            pass
    _locks.clear()


def _watch(parent: int) -> None:
    def watch():
        while os.getppid() == parent:
            threading.Event().wait(0.5)
        os._exit(1)
    threading.Thread(target=watch, daemon=True, name="watch parent").start()
