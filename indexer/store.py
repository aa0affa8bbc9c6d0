"""The one reader and writer of an index generation (the layout is in indexer/schema.py).

indexer/ writes a generation through these functions and search/ opens it through
`open_generation`; neither touches a generation's files otherwise. Importing this module
loads numpy and nothing of the indexing pipeline, so the web app and the command line can
open an index without the readers, the splitter or jieba.
"""

import fcntl
import hashlib
import json
import mmap
import os
import shutil
import stat
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from indexer import schema
from indexer.records import Records
from indexer.text import fold_case


class StoreError(Exception):
    """A damaged generation: the message names the file, what is wrong with it, and the cure."""

    def __init__(self, path: Path, problem: str):
        self.file = str(path)
        self.problem = problem
        super().__init__(f"the index file {path} {problem}; rebuild the index with `speeches index --full`")


class LockHeld(Exception):
    """Another build holds the index folder's lock."""

    def __init__(self, path: str, pid: int | None = None):
        super().__init__(path)
        self.path, self.pid = path, pid


# ---- the index folder ------------------------------------------------------------------------


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
        if _stat_key(path) is None or os.fstat(handle.fileno()).st_ino != os.stat(path).st_ino:
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


# ---- the corpus folder, as a manifest records it -----------------------------------------------


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
        digest = hashlib.sha256()
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        return digest.hexdigest()
    except OSError:
        return None


# ---- reading a generation's parts ------------------------------------------------------------


def _read_json_or_empty(generation: Path | None, name: str) -> dict:
    """Read one JSON object of a generation; empty when there is none or it cannot be read."""
    if generation is None:
        return {}
    try:
        return json.loads((generation / name).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def read_manifest(generation: Path | None) -> dict:
    """Read a generation's manifest (empty when there is none or it cannot be read)."""
    return _read_json_or_empty(generation, schema.MANIFEST)


def read_records(generation: Path | None) -> list[dict]:
    """Read the speech records of a generation, in position order (empty when there is none)."""
    if generation is None:
        return []
    with open(generation / schema.SPEECHES, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def read_aliases(generation: Path | None) -> dict[str, str]:
    """Read the {old id: new id} map of a generation (empty when it cannot be read)."""
    return _read_json_or_empty(generation, schema.ALIASES)


def read_vocabulary(generation: Path) -> dict[str, int]:
    """Return a generation's word ids."""
    words = json.loads((generation / schema.VOCABULARY).read_text(encoding="utf-8"))
    return {word: number for number, word in enumerate(words)}


def read_verdicts(generation: Path) -> dict[tuple[str, str], bool]:
    """Return the near-duplicate verdicts on pairs of ids a generation computed."""
    return {(a, b): same for a, b, same in json.loads((generation / schema.VERDICTS).read_text(encoding="utf-8"))}


def read_signatures(generation: Path) -> np.ndarray:
    """Return each speech's MinHash signature, in position order."""
    return np.load(generation / schema.SIGNATURES)


def read_segment_plan(folder: Path) -> list[tuple[str, list[int]]]:
    """Return a generation's pair segments as (name, generation position of each text)."""
    plan = json.loads((folder / schema.PAIR_SEGMENTS).read_text(encoding="utf-8"))
    return [(entry["name"], entry["speeches"]) for entry in plan["segments"]]


# ---- writing a generation's parts --------------------------------------------------------------


def write_json(folder: Path, name: str, document, indent: int | None = None) -> None:
    """Write one JSON file of a generation."""
    (folder / name).write_text(json.dumps(document, ensure_ascii=False, indent=indent), encoding="utf-8")


def write_records(folder: Path, records: list[dict]) -> None:
    """Write the speech records, one JSON line each, in position order."""
    with open(folder / schema.SPEECHES, "w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")


def write_manifest(folder: Path, manifest: dict) -> None:
    """Write a generation's manifest with the SHA-256 of its own content, so a damaged one says so."""
    write_json(folder, schema.MANIFEST, {**manifest, MANIFEST_SUM: _manifest_sum(manifest)}, indent=1)


MANIFEST_SUM = "manifest_sha256"


def _manifest_sum(manifest: dict) -> str:
    """Hash a manifest's content (without its own sum) in one canonical spelling, whatever its layout on disk."""
    content = {key: value for key, value in manifest.items() if key != MANIFEST_SUM}
    canonical = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def write_vocabulary(folder: Path, vocabulary: dict[str, int]) -> None:
    """Write the word ids as a list in id order."""
    words = [""] * len(vocabulary)
    for word, number in vocabulary.items():
        words[number] = word
    write_json(folder, schema.VOCABULARY, words)


def write_segment_plan(folder: Path, segments: list[tuple[str, list[int]]], speeches: int) -> None:
    """Record the generation's segments, each with the generation position of its texts (-1: removed)."""
    plan = {"speeches": speeches, "segments": [{"name": name, "speeches": positions} for name, positions in segments]}
    write_json(folder, schema.PAIR_SEGMENTS, plan)


def write_fields(folder: Path, records: list[dict], old: Path | None = None, old_records: list[dict] = ()) -> None:
    """Write the Whoosh index: every speech's id and a column for each facet and filter field.

    With an old generation (its folder and records) its index is hard-linked in (Whoosh never
    rewrites a segment file) and only speeches gone, new or with other values are deleted and added.
    """
    from whoosh import index as whoosh_index

    names = schema.columns()
    target = folder / schema.WHOOSH_DIR
    present: dict[str, tuple] = {}
    if old is not None:
        link_folder(old / schema.WHOOSH_DIR, target)
        ix = whoosh_index.open_dir(str(target))
        present = {r["id"]: tuple(schema.column_value(r, n) for n in names) for r in old_records}
    else:
        target.mkdir()
        ix = whoosh_index.create_in(str(target), schema.make_schema())
    writer = ix.writer(limitmb=128)
    wanted = {r["id"]: tuple(schema.column_value(r, n) for n in names) for r in records}
    for speech_id, values in present.items():
        if wanted.get(speech_id) != values:
            writer.delete_by_term("id", speech_id)
    for speech_id, values in wanted.items():
        if present.get(speech_id) != values:
            writer.add_document(id=speech_id, **dict(zip(names, values)))
    writer.commit()


def checksums(folder: Path) -> dict[str, list]:
    """Return [size, SHA-256] of every file of a generation but its manifest, by path inside it.

    The manifest records them; `open_generation` compares the sizes, `verify_generation` the hashes.
    """
    recorded = {}
    for path in sorted(p for p in Path(folder).rglob("*") if p.is_file()):
        name = path.relative_to(folder).as_posix()
        if name != schema.MANIFEST:
            recorded[name] = [path.stat().st_size, _sha256(path)]
    return recorded


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify_generation(path: Path, under: str = "") -> list[StoreError]:
    """Check every file of a generation (under a folder of it) against the size and checksum its manifest records.

    Returns a StoreError for each damaged file.
    """
    path = Path(path)
    if not path.is_dir():
        return [_no_such_generation(path)]
    try:
        recorded = _recorded_checksums(path, _load_manifest(path))
    except StoreError as error:
        return [error]
    if recorded is None:
        return [StoreError(path / schema.MANIFEST, "records no checksums (the index was built by an older version)")]
    problems = []
    for name, (size, digest) in recorded.items():
        if not name.startswith(under):
            continue
        problem = _size_problem(path / name, size)
        if problem is None:
            try:
                if _sha256(path / name) != digest:
                    problem = "does not match the checksum the manifest records"
            except OSError as error:
                problem = f"cannot be read ({error.strerror or error})"
        if problem:
            problems.append(StoreError(path / name, problem))
    return problems


def _load_manifest(path: Path) -> dict:
    """Read a generation's manifest, or raise StoreError when it cannot be read or its own checksum fails."""
    manifest = _load_json(path / schema.MANIFEST)
    _require(isinstance(manifest, dict) and isinstance(manifest.get("index_version"), str), path / schema.MANIFEST,
             "holds no index version")
    # A manifest of before its own checksum (an older build) has none to compare.
    if MANIFEST_SUM in manifest and manifest[MANIFEST_SUM] != _manifest_sum(manifest):
        raise StoreError(path / schema.MANIFEST, "does not match the checksum it records of itself")
    return manifest


# Files only a build reads (to reuse them): no answer comes from them, so opening a generation
# does not wait for their checksums; `verify` and the server's background check compare them.
BUILD_ONLY = frozenset({schema.SIGNATURES, schema.VERDICTS})
# A file written this recently could change again within the granule of its mtime unseen by
# stat (coarse file times): its checksum is compared again next time, not cached.
RACY_NS = 1_000_000_000


def _stat_key(path: Path) -> list | None:
    """Return what stat says of a file that changes when it is written, replaced or copied: inode, device, size, mtime."""
    try:
        seen = os.stat(path)
    except OSError:
        return None
    return [seen.st_ino, seen.st_dev, seen.st_size, seen.st_mtime_ns]


def check_sums(generation: Path, recorded: dict) -> list[StoreError]:
    """Compare files of a generation with their recorded (size, SHA-256); return a StoreError for each damaged one.

    A file whose checksum matched before is not read again while stat says it is the same
    file, unchanged (the cache `.checked` beside the generations, which the build fills as it
    writes them): opening a generation costs a stat per file, and a file damaged since is read
    whole and found out.
    """
    generation = Path(generation)
    cache = _read_checked(generation.parent)
    known = dict(cache.get(generation.name) or {})
    problems, changed, now = [], False, time.time_ns()
    for name, (size, digest) in recorded.items():
        key = _stat_key(generation / name)
        if key is not None and known.get(name) == [*key, digest]:
            continue
        problem = _size_problem(generation / name, size)
        if problem is None:
            try:
                if _sha256(generation / name) != digest:
                    problem = "does not match the checksum the manifest records"
            except OSError as error:
                problem = f"cannot be read ({error.strerror or error})"
        if problem:
            problems.append(StoreError(generation / name, problem))
            changed |= known.pop(name, None) is not None
        elif key is not None and key == _stat_key(generation / name) and key[3] < now - RACY_NS:
            known[name], changed = [*key, digest], True
    if changed:
        _write_checked(generation.parent, dict(cache, **{generation.name: known}))
    return problems


def remember_sums(generation: Path, recorded: dict) -> None:
    """Record in the cache that a generation's files match the checksums just computed of them (the build does)."""
    generation = Path(generation)
    cache = _read_checked(generation.parent)
    known, now = {}, time.time_ns()
    for name, (size, digest) in recorded.items():
        key = _stat_key(generation / name)
        if key is not None and key[2] == size and key[3] < now - RACY_NS:
            known[name] = [*key, digest]
    _write_checked(generation.parent, dict(cache, **{generation.name: known}))


def _read_checked(index_dir: Path) -> dict:
    """Read the cache of matched checksums; a damaged or missing one is empty (every file is read again)."""
    try:
        cache = json.loads((Path(index_dir) / schema.CHECKED).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(cache, dict):
        return {}
    return {name: entries for name, entries in cache.items()
            if isinstance(name, str) and isinstance(entries, dict)
            and all(isinstance(entry, list) and len(entry) == 5 for entry in entries.values())}


def _write_checked(index_dir: Path, cache: dict) -> None:
    """Replace the cache atomically, keeping the generations that still exist; quietly nothing where it cannot be written."""
    index_dir = Path(index_dir)
    kept = {name: entries for name, entries in cache.items() if (index_dir / name).is_dir() and "/" not in name}
    temporary = index_dir / f".tmp-checked-{os.getpid()}-{threading.get_ident()}"
    try:
        temporary.write_text(json.dumps(kept), encoding="utf-8")
        os.replace(temporary, index_dir / schema.CHECKED)
    except OSError:  # a read-only index folder, a full disk, or a build clearing debris: checked again next time
        try:
            temporary.unlink()
        except OSError:
            pass


def _recorded_checksums(path: Path, manifest) -> dict | None:
    """Return the {file: (size, sha256)} a manifest records (None for a manifest of before checksums)."""
    recorded = manifest.get("checksums") if isinstance(manifest, dict) else None
    if recorded is None:
        return None
    checked = {}
    for name, entry in recorded.items() if isinstance(recorded, dict) else [(None, None)]:
        # Only files inside the generation: a damaged manifest must not lead anywhere else.
        if not (isinstance(name, str) and isinstance(entry, list) and len(entry) == 2 and type(entry[0]) is int
                and isinstance(entry[1], str) and not name.startswith("/") and ".." not in name.split("/")):
            raise StoreError(path / schema.MANIFEST, "records checksums that are not a file's size and hash")
        checked[name] = tuple(entry)
    return checked


def _no_such_generation(path: Path) -> StoreError:
    return StoreError(path.parent / schema.CURRENT, f"names the generation {path.name}, which does not exist")


def _size_problem(path: Path, size: int) -> str | None:
    """Say what is wrong with a file's size against the one recorded, or None."""
    try:
        actual = os.stat(path).st_size
    except FileNotFoundError:
        return "is missing"
    except OSError as error:
        return f"cannot be read ({error.strerror or error})"
    if actual != size:
        return f"is {actual:,} bytes; the manifest records {size:,} (truncated or overwritten)"
    return None


# ---- opening a generation for searching --------------------------------------------------------
# Opening checks what is cheap: every file's size against the manifest, array headers and
# types, offsets and lengths within bounds, sorted arrays sorted (sampled where large). That
# catches a truncated, emptied, deleted or overwritten file at once; the checksums are
# compared by `verify_generation` (`speeches verify`, and the server in the background).

_SAMPLE = 4096  # entries of a large mapped array checked at open


def _require(condition, path: Path, problem: str) -> None:
    if not condition:
        raise StoreError(path, problem)


def _load_array(path: Path, dtype: str, mapped: bool = False, dimensions: int = 1) -> np.ndarray:
    """Load a .npy of a generation (one-dimensional unless said), or raise StoreError naming it."""
    try:
        array = np.load(path, mmap_mode="r" if mapped else None, allow_pickle=False)
    except FileNotFoundError:
        raise StoreError(path, "is missing") from None
    except Exception as error:  # a damaged header fails in many ways: EOFError, ValueError, OSError, …
        raise StoreError(path, f"cannot be read ({type(error).__name__}: {error})") from None
    _require(array.ndim == dimensions and array.dtype == np.dtype(dtype), path,
             f"holds {array.dtype} of {array.ndim} dimensions, not {dtype} in {dimensions}")
    return array


def _load_json(path: Path):
    """Read one JSON document of a generation, or raise StoreError naming it."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise StoreError(path, "is missing") from None
    except (OSError, ValueError) as error:
        raise StoreError(path, f"cannot be read ({error})") from None


def _sample(array: np.ndarray) -> np.ndarray:
    """Return a large array's evenly spaced sample (the whole of a small one), read into memory."""
    if len(array) <= _SAMPLE:
        return np.asarray(array)
    return np.asarray(array[np.linspace(0, len(array) - 1, _SAMPLE).astype(np.int64)])


def _check_starts(starts: np.ndarray, path: Path, entries: int, total: int) -> None:
    """Check an array of run starts: one more than its entries, from 0, never decreasing, ending at total."""
    _require(len(starts) == entries + 1, path, f"holds {len(starts):,} run starts for {entries:,} entries")
    _require(int(starts[0]) == 0 and int(starts[-1]) == total and bool(np.all(starts[1:] >= starts[:-1])), path,
             "holds run starts out of order or out of bounds")


def _check_increasing(keys: np.ndarray, path: Path) -> None:
    _require(bool(np.all(keys[1:] > keys[:-1])), path, "holds keys out of order")


# ---- the generation ------------------------------------------------------------------------------


@dataclass
class Column:
    """One field over every speech: its distinct values (as Whoosh holds them) and each speech's."""

    values: list[str]
    numbers: np.ndarray  # per speech position, the index of its value in `values`


@dataclass
class Generation:
    """One generation opened for searching: records and columns in memory, texts and postings mapped."""

    path: Path
    version: str
    manifest: dict
    records: Records  # every speech's record, as columns; records[i] is speech i's dict
    by_id: dict[str, int]
    aliases: dict[str, str]
    store: mmap.mmap | bytes
    postings: "Postings"
    vocabulary: dict[str, int]
    id_rank: np.ndarray  # each speech's place in id order
    date_rank: np.ndarray  # each speech's place newest first (undated last, then id)
    chars: np.ndarray  # each speech's characters: the denominators of rates
    damage: list = field(default_factory=list)  # StoreErrors verify() found: the generation answers no more
    sums: dict = field(default_factory=dict)  # the (size, SHA-256) of each file searching reads, checked at open
    seen: dict = field(default_factory=dict)  # what stat said of each of them then
    verified: threading.Event = field(default_factory=threading.Event)  # set once verify() has run
    _columns: dict[str, Column] | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def verify(self) -> list:
        """Compare every file with its checksum, recording what is damaged; return it."""
        try:
            self.damage = verify_generation(self.path)
        finally:
            self.verified.set()
        return self.damage

    def recheck(self) -> list:
        """Look again, by stat, at every file searching reads; compare one that changed since it was checked with
        its checksum, recording the damage (a file mapped into memory would answer with its new bytes)."""
        if _stat_key(self.path / schema.MANIFEST) != self.seen.get(schema.MANIFEST):
            try:
                if _load_manifest(self.path) != self.manifest:
                    raise StoreError(self.path / schema.MANIFEST, "changed since the index was opened")
                self.seen[schema.MANIFEST] = _stat_key(self.path / schema.MANIFEST)
            except StoreError as error:
                self.damage = self.damage + [error]
        changed = {name: entry for name, entry in self.sums.items() if _stat_key(self.path / name) != self.seen.get(name)}
        if changed:
            problems = check_sums(self.path, changed)
            if problems:
                self.damage = self.damage + problems
            else:
                self.seen.update({name: _stat_key(self.path / name) for name in changed})
        return self.damage

    def release_pages(self) -> None:
        """Let go of the pages of the mapped files this process has touched (they stay in the page cache,
        and come back at the next read): a server gone idle after a flood drops to its idle size."""
        arrays = [self.postings.word_docs, self.postings.word_weights]
        for segment in self.postings.segments:
            arrays += [segment.positions, segment.rows]
        for mapped in [self.store, *(getattr(array, "_mmap", None) for array in arrays)]:
            if isinstance(mapped, mmap.mmap) and hasattr(mapped, "madvise"):
                try:
                    mapped.madvise(mmap.MADV_DONTNEED)
                except (OSError, ValueError):  # closed, or a kernel without it: nothing is lost
                    pass

    def __len__(self) -> int:
        return len(self.records)

    @property
    def columns(self) -> dict[str, Column]:
        """Return every facet and filter field's column, read from Whoosh when first asked for.

        Only facets and filters need them, so a command that shows a speech or a concordance
        does not load Whoosh at all. Raises StoreError when the Whoosh index cannot be read.
        """
        if self._columns is None:
            with self._lock:
                if self._columns is None:
                    folder = self.path / schema.WHOOSH_DIR
                    try:
                        self._columns = _read_columns(folder, self.by_id)
                    except StoreError:
                        raise
                    except Exception as error:  # Whoosh fails on a damaged file in many ways: name the file
                        damaged = verify_generation(self.path, schema.WHOOSH_DIR + "/")
                        raise (damaged[0] if damaged else
                               StoreError(folder, f"cannot be read ({type(error).__name__}: {error})")) from None
        return self._columns

    def utf8(self, position: int) -> bytes:
        """Return the cleaned text of the speech at a position as its UTF-8 bytes (RE2 reads them without decoding)."""
        offset, length, _ = self.records.value(position, "store")
        return bytes(self.store[offset : offset + length])

    def text(self, position: int) -> str:
        """Return the cleaned text of the speech at a position."""
        offset, length, _ = self.records.value(position, "store")
        return self._decode(offset, length)

    def raw(self, position: int) -> str:
        """Return the original text of the source span of the speech at a position."""
        offset, length, raw_length = self.records.value(position, "store")
        return self._decode(offset + length, raw_length)

    def _decode(self, offset: int, length: int) -> str:
        try:
            return bytes(self.store[offset : offset + length]).decode("utf-8")
        except UnicodeDecodeError:
            raise StoreError(self.path / schema.STORE, f"holds bytes that are not UTF-8 at {offset:,}") from None


def open_generation(path: Path) -> Generation:
    """Open a generation for searching, or raise StoreError naming the file that is damaged."""
    path = Path(path)
    if not path.is_dir():
        raise _no_such_generation(path)
    manifest = _load_manifest(path)
    # Every file searching reads is checked against its size and checksum before any answer
    # comes from it (an index built before checksums were recorded has none to compare). A
    # file whose checksum matched before is not read again while stat says it is the same file.
    recorded = _recorded_checksums(path, manifest) or {}
    for name, (size, _digest) in recorded.items():
        problem = _size_problem(path / name, size)
        if problem:
            raise StoreError(path / name, problem)
    sums = {name: entry for name, entry in recorded.items() if name not in BUILD_ONLY}
    damage = check_sums(path, sums)
    if damage:
        raise damage[0]
    seen = {name: _stat_key(path / name) for name in [*sums, schema.MANIFEST]}
    records = _read_checked_records(path)
    aliases = _load_json(path / schema.ALIASES)
    _require(isinstance(aliases, dict) and all(isinstance(v, str) for v in aliases.values()), path / schema.ALIASES,
             "is not a map of ids")
    try:
        with open(path / schema.STORE, "rb") as handle:
            size = handle.seek(0, 2)
            store = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) if size else b""
    except OSError as error:
        raise StoreError(path / schema.STORE, f"cannot be read ({error.strerror or error})") from None
    stores = records.numbers("store")  # (offset, length, raw length) of every speech, checked above
    end = int(stores.sum(axis=1).max()) if len(records) else 0
    _require(end <= size, path / schema.STORE, f"is {size:,} bytes; the speeches' texts reach {end:,}")
    postings = Postings(path)
    _require(postings.speeches == len(records), path / schema.PAIR_SEGMENTS,
             f"counts {postings.speeches:,} speeches; {schema.SPEECHES} holds {len(records):,}")
    chars = np.fromiter((value or 0 for value in records.strings("chars")), dtype=np.int64, count=len(records))
    lengths = postings.doc_lengths
    _require(len(lengths) == len(records) and bool(np.all(np.isfinite(lengths))) and bool(np.all(lengths >= 0))
             and bool(np.all(lengths <= 3 * chars + 3)), path / schema.DOC_LENGTHS, "holds lengths out of bounds")
    words = _load_json(path / schema.VOCABULARY)
    _require(isinstance(words, list) and all(isinstance(w, str) for w in words), path / schema.VOCABULARY,
             "is not a list of words")
    _require(not len(postings.word_keys) or int(postings.word_keys[-1]) < len(words), path / schema.WORD_KEYS,
             f"names word ids beyond the {len(words):,} words")
    vocabulary = {word: number for number, word in enumerate(words)}
    ids, dates = records.strings("id"), records.strings("date")
    by_id = {speech_id: i for i, speech_id in enumerate(ids)}
    _require(len(by_id) == len(records), path / schema.SPEECHES, "holds an id twice")
    id_rank = _ranks(sorted(range(len(records)), key=ids.__getitem__))
    date_rank = _ranks(sorted(range(len(records)), key=lambda i: date_key(dates[i], ids[i])))
    return Generation(path, manifest["index_version"], manifest, records, by_id, aliases, store, postings,
                      vocabulary, id_rank, date_rank, chars, sums=sums, seen=seen)


def _read_checked_records(path: Path) -> Records:
    """Read the speech records into columns, each with an id, a date and whole-number store offsets, or raise StoreError."""

    def checked():
        with open(path / schema.SPEECHES, encoding="utf-8") as handle:
            for number, line in enumerate(handle, 1):
                record = json.loads(line)
                where = record.get("store") if isinstance(record, dict) else None
                if not (isinstance(where, list) and len(where) == 3 and all(type(v) is int and v >= 0 for v in where)
                        and isinstance(record.get("id"), str)
                        and (record.get("date") is None or isinstance(record["date"], str))):
                    raise StoreError(path / schema.SPEECHES, f"line {number:,} is not a speech record")
                yield record

    try:
        return Records(checked())
    except FileNotFoundError:
        raise StoreError(path / schema.SPEECHES, "is missing") from None
    except (OSError, ValueError) as error:
        raise StoreError(path / schema.SPEECHES, f"cannot be read ({error})") from None


def _read_columns(folder: Path, by_id: dict[str, int]) -> dict[str, Column]:
    """Read every column of the Whoosh index into numbers per speech position."""
    from whoosh import index as whoosh_index

    ix = whoosh_index.open_dir(str(folder))
    with ix.searcher() as searcher:
        reader = searcher.reader()
        # Whoosh numbers documents in the order they were added, across updates.
        docnums = np.full(len(by_id), -1, dtype=np.int64)
        for docnum, stored in reader.iter_docs():
            _require(stored.get("id") in by_id, folder, "holds a speech the generation does not")
            docnums[by_id[stored["id"]]] = docnum
        _require(not (docnums < 0).any(), folder, "lacks speeches the generation holds")
        columns = {}
        for name in schema.columns():
            values = np.array(list(reader.column_reader(name)), dtype=object)[docnums]
            distinct: dict[str, int] = {}
            numbers = np.fromiter((distinct.setdefault(v, len(distinct)) for v in values.tolist()),
                                  dtype=np.int64, count=len(values))
            columns[name] = Column(list(distinct), numbers)
    return columns


def _ranks(order: list[int]) -> np.ndarray:
    """Return each item's place in an ordering of positions."""
    ranks = np.empty(len(order), dtype=np.int64)
    ranks[np.array(order, dtype=np.int64)] = np.arange(len(order))
    return ranks


def date_key(date: str | None, speech_id: str) -> tuple:
    """Return a speech's place newest first: later dates first, a partial date as its first day, undated last, then id."""
    return (date is None, _negated_date(date), speech_id)


def _negated_date(date: str | None) -> tuple:
    """Sort key making later dates come first; a partial date counts as its first day."""
    if not date:
        return (0, 0, 0)
    parts = [int(x) for x in date.split("-")] + [1, 1]
    return (-parts[0], -parts[1], -parts[2])


# ---- postings ------------------------------------------------------------------------------------
# The format indexer/postings.py writes: pair keys are both code points side by side, each
# pair's positions sorted; word postings are (speech, weight) runs per word id.


def pair_code(first: str, second: str) -> int:
    """Return the key of a character pair: both code points side by side."""
    return (ord(first) << 21) | ord(second)


class PairSegment:
    """One segment of pair postings: some speeches' texts in a character space of their own."""

    def __init__(self, folder: Path, speeches: np.ndarray):
        self.folder = folder
        self.keys = _load_array(folder / schema.PAIR_KEYS, "<u8")
        self.starts_of = _load_array(folder / schema.PAIR_STARTS, "<i8")
        self.positions = _load_array(folder / schema.PAIR_POSITIONS, "<u4", mapped=True)
        self.doc_starts = _load_array(folder / schema.DOC_STARTS, "<i8")
        self.speeches = speeches  # generation position of each of its texts, -1 for one since removed
        self.whole = False  # set by Postings when its texts are every speech of the generation, in order
        _check_increasing(self.keys, folder / schema.PAIR_KEYS)
        _check_starts(self.starts_of, folder / schema.PAIR_STARTS, len(self.keys), len(self.positions))
        _check_starts(self.doc_starts, folder / schema.DOC_STARTS, len(speeches), int(self.doc_starts[-1])
                      if len(self.doc_starts) else 0)
        self.space = int(self.doc_starts[-1])  # characters of its texts laid end to end
        self.row_chars, self.rows = self._rows(folder, len(speeches))
        _require(bool(np.all(_sample(self.positions) < self.space)), folder / schema.PAIR_POSITIONS,
                 "holds positions beyond its texts")
        # A sample of the pairs' runs, each sorted as searchsorted needs.
        for index in np.linspace(0, len(self.keys) - 1, min(len(self.keys), 64)).astype(np.int64).tolist():
            run = np.asarray(self.positions[self.starts_of[index] : min(self.starts_of[index + 1],
                                                                        self.starts_of[index] + _SAMPLE)])
            _require(bool(np.all(run[1:] > run[:-1])), folder / schema.PAIR_POSITIONS, "holds positions out of order")

    @staticmethod
    def _rows(folder: Path, texts: int) -> tuple[np.ndarray, np.ndarray]:
        """Load the frequent characters and their counts per text, in blocks of texts (none in a segment written before them)."""
        if not (folder / schema.CHAR_KEYS).exists():
            return np.empty(0, dtype=np.uint32), np.empty((0, 0, 1), dtype=np.uint32)
        chars = _load_array(folder / schema.CHAR_KEYS, "<u4")
        _check_increasing(chars, folder / schema.CHAR_KEYS)
        path = folder / schema.CHAR_COUNTS
        counts = _load_array(path, "<u4", mapped=True, dimensions=3)
        # (blocks of texts, characters, texts a block): see indexer/postings.py's _Rows.
        _require(counts.shape[2] > 0 and counts.shape[1] == len(chars) and counts.shape[0] == -(-texts // counts.shape[2]), path,
                 f"holds counts of shape {counts.shape} for {len(chars):,} characters in {texts:,} texts")
        return chars, counts

    def text_counts(self, term: str) -> np.ndarray | None:
        """Return how often term occurs in each of the segment's texts (leftmost non-overlapping, as str.count).

        None when it occurs in none of them.
        """
        folded = fold_case(term)
        if len(folded) == 1:
            row = int(np.searchsorted(self.row_chars, ord(folded)))
            if row < len(self.row_chars) and int(self.row_chars[row]) == ord(folded):
                counts = np.asarray(self.rows[:, row, :]).reshape(-1)[: len(self.speeches)].astype(np.int64)
                # The row must add up to the character's positions: a damaged row would miscount silently.
                _require(int(counts.sum()) == len(self._first(ord(folded))), self.folder / schema.CHAR_COUNTS,
                         "disagrees with the positions")
                return counts
        found = self.occurrences(term)
        if not len(found):
            return None
        # The positions are sorted: where each text starts among them counts them per text, in
        # time of the number of texts rather than of positions (改革 holds millions).
        return np.diff(np.searchsorted(found, self.doc_starts)).astype(np.int64)

    def _within(self, found: np.ndarray) -> np.ndarray:
        """Return positions read from the postings, refusing any beyond the texts (a damaged file)."""
        if len(found) and int(found.max()) >= self.space:
            raise StoreError(self.folder / schema.PAIR_POSITIONS, "holds positions beyond its texts")
        return found

    def _first(self, code: int) -> np.ndarray:
        """Return the positions of every pair whose first character is `code`, pair by pair (not sorted)."""
        low = int(np.searchsorted(self.keys, np.uint64(code << 21)))
        high = int(np.searchsorted(self.keys, np.uint64((code + 1) << 21)))
        return self.positions[self.starts_of[low] : self.starts_of[high]]

    def _pair(self, code: int) -> np.ndarray:
        index = int(np.searchsorted(self.keys, np.uint64(code)))
        if index == len(self.keys) or int(self.keys[index]) != code:
            return self.positions[:0]
        return self.positions[self.starts_of[index] : self.starts_of[index + 1]]

    def starts(self, term: str) -> np.ndarray:
        """Return every position where term starts, overlapping occurrences included, sorted.

        The postings are of the case-folded text, so the term is folded the same way.
        """
        term = fold_case(term)
        if not term or "\n" in term:
            return np.empty(0, dtype=np.uint32)
        if len(term) == 1:
            found = np.array(self._first(ord(term)))
            found.sort()
            return self._within(found)
        # Pairs at offsets 0, 2, 4, … (and the last one) pin every character: no need for all n - 1.
        offsets = sorted(set(range(0, len(term) - 1, 2)) | {len(term) - 2})
        pairs = [(j, self._pair(pair_code(term[j], term[j + 1]))) for j in offsets]
        pairs.sort(key=lambda pair: len(pair[1]))
        offset, rarest = pairs[0]
        found = self._within(np.asarray(rarest, dtype=np.int64)) - offset
        found = found[found >= 0]
        for j, positions in pairs[1:]:
            if not len(found):
                break
            wanted = found + j
            at = np.searchsorted(positions, wanted)
            at[at == len(positions)] = 0
            found = found[positions[at] == wanted] if len(positions) else found[:0]
        return found.astype(np.uint32)

    def pair_starts(self, first: str, second: str) -> np.ndarray:
        """Return every position where the pair of two characters starts, sorted (a line break second included)."""
        return self._pair(pair_code(first, second))

    def occurrences(self, term: str) -> np.ndarray:
        """Return where term occurs, leftmost non-overlapping within each text (as str.count counts)."""
        found = self.starts(term)
        if _can_overlap(term) and len(found) > 1:
            kept, end = [], -1
            for position in found.tolist():
                if position >= end:
                    kept.append(position)
                    end = position + len(term)
            found = np.array(kept, dtype=np.uint32)
        return found

    def speech_of(self, positions: np.ndarray) -> np.ndarray:
        """Return the generation position of the speech holding each character position (-1: removed)."""
        return self.speeches[np.searchsorted(self.doc_starts, positions, side="right") - 1]


class Postings:
    """A generation's postings, memory-mapped, answering where terms occur and which speeches hold words."""

    def __init__(self, folder: Path):
        plan = _load_json(folder / schema.PAIR_SEGMENTS)
        try:
            self.speeches = int(plan["speeches"])
            entries = [(str(entry["name"]), np.array(entry["speeches"], dtype=np.int64)) for entry in plan["segments"]]
        except (KeyError, TypeError, ValueError, OverflowError):
            raise StoreError(folder / schema.PAIR_SEGMENTS, "is not a plan of segments") from None
        for name, speeches in entries:
            _require("/" not in name and name not in ("", ".", "..") and
                     bool(np.all((speeches >= -1) & (speeches < self.speeches))),
                     folder / schema.PAIR_SEGMENTS, "names segments or speeches out of bounds")
        self.segments = [PairSegment(folder / schema.PAIRS_DIR / name, speeches) for name, speeches in entries]
        for segment in self.segments:
            segment.speeches.setflags(write=False)  # read once from the plan: `whole` must stay true of it
            segment.whole = bool(len(segment.speeches) == self.speeches
                                 and np.array_equal(segment.speeches, np.arange(self.speeches)))
        self.word_keys = _load_array(folder / schema.WORD_KEYS, "<u4")
        self.word_starts = _load_array(folder / schema.WORD_STARTS, "<i8")
        self.word_docs = _load_array(folder / schema.WORD_DOCS, "<u4", mapped=True)
        self.word_weights = _load_array(folder / schema.WORD_WEIGHTS, "<f4", mapped=True)
        self.doc_lengths = _load_array(folder / schema.DOC_LENGTHS, "<f4")
        _check_increasing(self.word_keys, folder / schema.WORD_KEYS)
        _check_starts(self.word_starts, folder / schema.WORD_STARTS, len(self.word_keys), len(self.word_docs))
        _require(len(self.word_weights) == len(self.word_docs), folder / schema.WORD_WEIGHTS,
                 f"holds {len(self.word_weights):,} weights for {len(self.word_docs):,} postings")
        _require(bool(np.all(_sample(self.word_docs) < max(self.speeches, 1))), folder / schema.WORD_DOCS,
                 "names speeches beyond the generation's")
        weights = _sample(self.word_weights)
        _require(bool(np.all(np.isfinite(weights) & (weights > 0))), folder / schema.WORD_WEIGHTS,
                 "holds weights out of bounds")

    def counts(self, term: str) -> np.ndarray:
        """Return the number of occurrences of term in every speech."""
        total = np.zeros(self.speeches, dtype=np.int64)
        for segment in self.segments:
            counts = segment.text_counts(term)
            if counts is None:
                continue
            if segment.whole:
                total += counts
            else:
                kept = segment.speeches >= 0
                total[segment.speeches[kept]] += counts[kept]
        return total

    def word(self, word_id: int) -> tuple[np.ndarray, np.ndarray]:
        """Return (speech positions, weights) of a word id."""
        index = int(np.searchsorted(self.word_keys, word_id))
        if index == len(self.word_keys) or int(self.word_keys[index]) != word_id:
            return self.word_docs[:0], self.word_weights[:0]
        span = slice(self.word_starts[index], self.word_starts[index + 1])
        return self.word_docs[span], self.word_weights[span]


def _can_overlap(term: str) -> bool:
    """Tell whether two occurrences of term can overlap: some proper prefix is also a suffix."""
    return any(term[:k] == term[-k:] for k in range(1, len(term)))
