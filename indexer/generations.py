"""The index folder's lifecycle: CURRENT names the serving generation, a build holds the lock, debris is cleaned."""

import fcntl
import os
import shutil
import time
from contextlib import contextmanager
from pathlib import Path

from indexer import schema
from indexer.integrity import stat_key


class LockHeld(Exception):
    """Another build holds the index folder's lock."""

    def __init__(self, path: str, pid: int | None = None):
        super().__init__(path)
        self.path, self.pid = path, pid


_seen: dict[tuple[str, object], tuple] = {}  # (path, parse) -> (what stat said of the file, what parse made of it)


def read_when_changed(path: Path, parse):
    """Return parse(the file's text), parsed again only when stat says the file changed; None when it cannot be read.

    For the small files every query reads (CURRENT, SHARDS): a build replaces them by a
    rename, so a new one is a new file, and a stat costs a fraction of a read and a parse.
    Callers must not change what it returns.
    """
    try:
        seen = os.stat(path)
        key = (seen.st_ino, seen.st_dev, seen.st_size, seen.st_mtime_ns, seen.st_ctime_ns)
        cached = _seen.get((str(path), parse))
        if cached is not None and cached[0] == key:
            return cached[1]
        value = parse(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    _seen[(str(path), parse)] = (key, value)
    return value


def current_name(index_dir: Path) -> str | None:
    """Return the name CURRENT gives the serving generation, or None when there is none (or CURRENT names no generation)."""
    return read_when_changed(Path(index_dir) / schema.CURRENT, _generation_name)


def _generation_name(text: str) -> str | None:
    # Only a generation folder of this index: a damaged CURRENT must not lead anywhere else.
    name = text.strip()
    if not name.startswith(schema.GENERATION_PREFIX) or any(c in name for c in "/\\\0") or name in (".", ".."):
        return None
    return name


def current_generation(index_dir: Path) -> Path | None:
    """Return the serving generation folder, or None when there is no complete one."""
    name = current_name(index_dir)
    path = Path(index_dir) / (name or "")
    return path if name and (path / schema.MANIFEST).is_file() else None


def switch(index_dir: Path, name: str) -> None:
    """Point CURRENT at a generation atomically."""
    temporary = Path(index_dir) / f"{schema.CURRENT}.{os.getpid()}.tmp"
    with open(temporary, "w", encoding="utf-8") as handle:
        handle.write(name + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, Path(index_dir) / schema.CURRENT)


@contextmanager
def build_lock(index_dir: Path):
    """Hold the index folder's build lock, or raise LockHeld if another build holds it.

    The lock file names the build that holds it (process id and start time). A lock whose
    build is dead yet still held (by children it left behind, say) is taken over: the file is
    replaced by a new one, and a build only ever holds the lock of the file the path names.
    """
    from indexer import lifetime

    index_dir = Path(index_dir)
    index_dir.mkdir(parents=True, exist_ok=True)
    path = index_dir / schema.LOCK
    for _ in range(8):
        handle = open(path, "a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _lock_holder(handle)
            handle.close()
            if holder is not None and not _alive(*holder):
                _replace_lock(index_dir)
                continue
            raise LockHeld(str(path), holder[0] if holder else None) from None
        if stat_key(path) is None or os.fstat(handle.fileno()).st_ino != os.stat(path).st_ino:
            handle.close()  # replaced by a takeover while this build waited: lock the file the path names now
            continue
        break
    else:
        raise LockHeld(str(path), None)
    try:
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()} {_started(os.getpid()) or 0}\n")
        handle.flush()
        lifetime.hold_lock(handle.fileno())
        yield
    finally:
        lifetime.release_lock(handle.fileno())
        handle.close()


def _lock_holder(handle) -> tuple[int, int] | None:
    """Return (process id, start time) of the build a lock file names, None when it names none."""
    try:
        handle.seek(0)
        pid, started = handle.read(100).split()[:2]
        return int(pid), int(started)
    except (OSError, ValueError):
        return None


def _started(pid: int) -> int | None:
    """Return when a process started (clock ticks since boot), None when there is no such process or no /proc."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            return int(handle.read().rsplit(b")", 1)[1].split()[19])
    except (OSError, ValueError, IndexError):
        return None


def _alive(pid: int, started: int) -> bool:
    """Tell whether the process that wrote a lock file still runs (not another one that got its id since)."""
    now = _started(pid)
    if now is not None:
        return started == 0 or now == started
    if os.path.isdir("/proc"):
        return False  # /proc knows no such process
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def _replace_lock(index_dir: Path) -> None:
    """Put a new lock file in place of one a dead build's leftovers still hold."""
    temporary = Path(index_dir) / f".tmp-lock-{os.getpid()}-{time.time_ns()}"
    temporary.write_text("", encoding="utf-8")
    os.replace(temporary, Path(index_dir) / schema.LOCK)


def clean_debris(index_dir: Path, keep: set[str] = frozenset()) -> None:
    """Remove what a killed build left: staging folders, temp files, superseded generations (but those in `keep`)."""
    current = current_generation(index_dir)
    generations = sorted(
        (p for p in Path(index_dir).iterdir() if p.name.startswith(schema.GENERATION_PREFIX)),
        key=lambda p: p.stat().st_mtime,
    )
    # Keep the serving generation and the one before it, for searchers still reading it.
    keep = set(keep) | ({current.name} if current else set())
    older = [g for g in generations if current is None or g.name != current.name]
    if older:
        keep.add(older[-1].name)
    for path in Path(index_dir).iterdir():
        if path.name.startswith(".tmp-") or (path.name.startswith(schema.CURRENT + ".") and path.name.endswith(".tmp")):
            remove(path)
        elif path.name.startswith(schema.GENERATION_PREFIX) and path.name not in keep:
            remove(path)


def remove(path: Path) -> None:
    """Remove a file or folder, ignoring what is already gone."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        try:
            path.unlink()
        except FileNotFoundError:
            pass


def link_folder(source: Path, target: Path) -> None:
    """Hard-link a folder's files into a new folder (copy where the filesystem has no hard links)."""
    target.mkdir()
    for path in source.iterdir():
        if path.is_file():
            try:
                os.link(path, target / path.name)
            except OSError:
                shutil.copy2(path, target / path.name)
