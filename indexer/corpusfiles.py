"""The corpus folder as a build lists it: every file, its path as shown, and its SHA-256."""

import os
import stat
from pathlib import Path

from indexer.integrity import sha256


def corpus_files(corpus: Path) -> list[Path]:
    """List every file under the corpus folder, sorted, without following symlinked folders."""
    found = []
    for folder, dirs, files in os.walk(corpus, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        found.extend(Path(folder) / name for name in sorted(files) if not name.startswith("."))
    return found


def corpus_relpath(path: Path, corpus: Path) -> str:
    """Return a file's path under the corpus as it is shown and stored: bytes no codec decodes as \\xNN."""
    # A name from a Windows zip can hold GBK bytes that are no UTF-8: os.walk keeps them as
    # surrogate escapes, which no UTF-8 file (manifest, JSON, terminal) can hold.
    relpath = path.relative_to(corpus).as_posix()
    return relpath.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def inside(path: str, folder: str) -> bool:
    """Tell whether a resolved path lies inside a resolved folder."""
    return os.path.commonpath([path, folder]) == folder


def file_hash(path: Path, corpus: Path | None = None) -> str | None:
    """Hash a regular file's bytes; None when it cannot be read (the reader says why).

    With `corpus`, a file whose links lead outside it is not read.
    """
    try:
        if corpus is not None and not inside(os.path.realpath(path), os.path.realpath(corpus)):
            return None
        if not stat.S_ISREG(os.stat(path).st_mode):
            return None
        return sha256(path)
    except OSError:
        return None
