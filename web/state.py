"""Per-app state derived from the serving index: whether the corpus drifted from it."""

import threading
import time
from datetime import datetime
from pathlib import Path

from indexer.corpusfiles import corpus_files, corpus_relpath, file_hash


class CorpusWatch:
    """Tell whether the corpus folder changed since the serving index was built."""

    def __init__(self, folder=None, interval: float = 10.0):
        self.folder = folder
        self.interval = interval  # seconds between looks: a page view must stay cheap
        self._hashes: dict[str, tuple] = {}  # relpath -> (size, mtime_ns, sha256)
        self._last: tuple = (None, 0.0, None)  # (index version, when, answer)
        self._lock = threading.Lock()

    def changes(self, manifest: dict) -> dict | None:
        """Return the files added, changed and removed since the build, or None when in step."""
        version, when, answer = self._last
        now = time.monotonic()
        if version == manifest.get("index_version") and now - when < self.interval:
            return answer
        with self._lock:
            answer = self._compare(manifest)
            self._last = (manifest.get("index_version"), now, answer)
        return answer

    def _compare(self, manifest: dict) -> dict | None:
        folder = self.folder or manifest.get("corpus")
        if not folder or not Path(folder).is_dir():
            return None
        folder = Path(folder)
        # Skipped files and column maps are part of what the build saw, though they gave no speech.
        recorded = {**(manifest.get("other_files") or {}), **(manifest.get("files") or {})}
        built = _timestamp(manifest.get("built_at"))
        current = {}
        for path in corpus_files(folder):
            relpath = corpus_relpath(path, folder)
            try:
                info = path.stat()
            except OSError:
                continue
            key = (info.st_size, info.st_mtime_ns)
            cached = self._hashes.get(relpath)
            if cached is None or cached[:2] != key:
                if built is not None and info.st_mtime < built and relpath in recorded:
                    # Untouched since the build read it: trust the manifest instead of hashing.
                    digest = recorded[relpath]
                else:
                    digest = file_hash(path, folder)
                cached = (*key, digest)
                self._hashes[relpath] = cached
            current[relpath] = cached[2]
        added = sorted(set(current) - set(recorded))
        removed = sorted(set(recorded) - set(current))
        changed = sorted(p for p in set(current) & set(recorded) if current[p] != recorded[p])
        if not (added or removed or changed):
            return None
        return {"added": added, "changed": changed, "removed": removed}


def _timestamp(text) -> float | None:
    try:
        return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S%z").timestamp()
    except (TypeError, ValueError):
        return None
