"""A generation's files are what its manifest says: sizes and SHA-256 checksums, and arrays within bounds.

The build records every file's size and checksum in the manifest (and the manifest's own);
opening a generation compares the sizes and the checksums not yet found right (the cache
`.checked` beside the generations), `verify_generation` every checksum. The loaders here
check what is cheap as they read: array headers and types, offsets and lengths within
bounds, sorted arrays sorted (sampled where large). A damaged file is a StoreError naming it.
"""

import hashlib
import json
import os
import threading
import time
from pathlib import Path

import numpy as np

from indexer import schema


class StoreError(Exception):
    """A damaged generation: the message names the file, what is wrong with it, and the cure."""

    def __init__(self, path: Path, problem: str):
        self.file = str(path)
        self.problem = problem
        super().__init__(f"the index file {path} {problem}; rebuild the index with `speeches index --full`")


class OlderIndex(StoreError):
    """A generation written by an older version of speeches, in files this version does not read (or not wholly)."""

    def __init__(self, path: Path, problem: str):
        Exception.__init__(self, f"the index was built by an older version of speeches: {path} {problem}; "
                                 "rebuild it with `speeches index --full`")
        self.file, self.problem = str(path), problem


MANIFEST_SUM = "manifest_sha256"  # the key under which a manifest records its own checksum


def manifest_sum(manifest: dict) -> str:
    """Hash a manifest's content (without its own sum) in one canonical spelling, whatever its layout on disk."""
    content = {key: value for key, value in manifest.items() if key != MANIFEST_SUM}
    canonical = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


SAMPLE = 4096  # entries of a large mapped array checked at open


def require(condition, path: Path, problem: str) -> None:
    if not condition:
        raise StoreError(path, problem)


def load_array(path: Path, dtype: str, mapped: bool = False, dimensions: int = 1) -> np.ndarray:
    """Load a .npy of a generation (one-dimensional unless said), or raise StoreError naming it."""
    try:
        array = np.load(path, mmap_mode="r" if mapped else None, allow_pickle=False)
    except FileNotFoundError:
        raise StoreError(path, "is missing") from None
    except Exception as error:  # a damaged header fails in many ways: EOFError, ValueError, OSError, …
        raise StoreError(path, f"cannot be read ({type(error).__name__}: {error})") from None
    require(array.ndim == dimensions and array.dtype == np.dtype(dtype), path,
             f"holds {array.dtype} of {array.ndim} dimensions, not {dtype} in {dimensions}")
    return array


def load_json(path: Path):
    """Read one JSON document of a generation, or raise StoreError naming it."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise StoreError(path, "is missing") from None
    except (OSError, ValueError) as error:
        raise StoreError(path, f"cannot be read ({error})") from None


def sample(array: np.ndarray) -> np.ndarray:
    """Return a large array's evenly spaced sample (the whole of a small one), read into memory."""
    if len(array) <= SAMPLE:
        return np.asarray(array)
    return np.asarray(array[np.linspace(0, len(array) - 1, SAMPLE).astype(np.int64)])


def check_starts(starts: np.ndarray, path: Path, entries: int, total: int) -> None:
    """Check an array of run starts: one more than its entries, from 0, never decreasing, ending at total."""
    require(len(starts) == entries + 1, path, f"holds {len(starts):,} run starts for {entries:,} entries")
    require(int(starts[0]) == 0 and int(starts[-1]) == total and bool(np.all(starts[1:] >= starts[:-1])), path,
             "holds run starts out of order or out of bounds")


def check_increasing(keys: np.ndarray, path: Path) -> None:
    require(bool(np.all(keys[1:] > keys[:-1])), path, "holds keys out of order")


def load_manifest(path: Path) -> dict:
    """Read a generation's manifest, or raise StoreError when it cannot be read or its own checksum fails."""
    manifest = load_json(path / schema.MANIFEST)
    require(isinstance(manifest, dict) and isinstance(manifest.get("index_version"), str), path / schema.MANIFEST,
             "holds no index version")
    # A manifest of before its own checksum (an older build) has none to compare.
    if MANIFEST_SUM in manifest and manifest[MANIFEST_SUM] != manifest_sum(manifest):
        raise StoreError(path / schema.MANIFEST, "does not match the checksum it records of itself")
    return manifest


def recorded_checksums(path: Path, manifest) -> dict | None:
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


def no_such_generation(path: Path) -> StoreError:
    return StoreError(path.parent / schema.CURRENT, f"names the generation {path.name}, which does not exist")


def size_problem(path: Path, size: int) -> str | None:
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


def checksums(folder: Path) -> dict[str, list]:
    """Return [size, SHA-256] of every file of a generation but its manifest, by path inside it.

    The manifest records them; `open_generation` compares the sizes, `verify_generation` the hashes.
    """
    recorded = {}
    for path in sorted(p for p in Path(folder).rglob("*") if p.is_file()):
        name = path.relative_to(folder).as_posix()
        if name != schema.MANIFEST:
            recorded[name] = [path.stat().st_size, sha256(path)]
    return recorded


def sha256(path: Path) -> str:
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
        return [no_such_generation(path)]
    try:
        recorded = recorded_checksums(path, load_manifest(path))
    except StoreError as error:
        return [error]
    if recorded is None:
        return [StoreError(path / schema.MANIFEST, "records no checksums (the index was built by an older version)")]
    problems = [(name, file_problem(path / name, size, digest)) for name, (size, digest) in recorded.items()
                if name.startswith(under)]
    return [StoreError(path / name, problem) for name, problem in problems if problem]


def file_problem(path: Path, size: int, digest: str) -> str | None:
    """Say what is wrong with a file against its recorded size and SHA-256, or None when it matches."""
    problem = size_problem(path, size)
    if problem is None:
        try:
            if sha256(path) != digest:
                problem = "does not match the checksum the manifest records"
        except OSError as error:
            problem = f"cannot be read ({error.strerror or error})"
    return problem


# Files only a build reads (to reuse them): no answer comes from them, so opening a generation
# does not wait for their checksums; `verify` and the server's background check compare them.
BUILD_ONLY = frozenset({schema.SIGNATURES, schema.VERDICTS})


# A file written this recently could change again within the granule of its mtime unseen by
# stat (coarse file times): its checksum is compared again next time, not cached.
RACY_NS = 1_000_000_000


def stat_key(path: Path) -> list | None:
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
        key = stat_key(generation / name)
        if key is not None and known.get(name) == [*key, digest]:
            continue
        problem = file_problem(generation / name, size, digest)
        if problem:
            problems.append(StoreError(generation / name, problem))
            changed |= known.pop(name, None) is not None
        elif key is not None and key == stat_key(generation / name) and key[3] < now - RACY_NS:
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
        key = stat_key(generation / name)
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
