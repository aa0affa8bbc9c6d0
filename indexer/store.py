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
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from indexer import schema
from indexer.text import fold_case


class StoreError(Exception):
    """A generation that cannot be read; the message names what is wrong."""


class LockHeld(Exception):
    """Another build holds the index folder's lock."""


# ---- the index folder ------------------------------------------------------------------------


def current_name(index_dir: Path) -> str | None:
    """Return the name CURRENT gives the serving generation, or None when there is no index."""
    try:
        return (Path(index_dir) / schema.CURRENT).read_text(encoding="utf-8").strip() or None
    except OSError:
        return None


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
    """Hold the index folder's build lock, or raise LockHeld if another build holds it."""
    index_dir = Path(index_dir)
    index_dir.mkdir(parents=True, exist_ok=True)
    handle = open(index_dir / schema.LOCK, "a+")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise LockHeld(str(index_dir / schema.LOCK)) from None
        yield
    finally:
        handle.close()


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


# ---- opening a generation for searching --------------------------------------------------------


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
    records: list[dict]
    by_id: dict[str, int]
    aliases: dict[str, str]
    store: mmap.mmap | bytes
    postings: "Postings"
    vocabulary: dict[str, int]
    id_rank: np.ndarray  # each speech's place in id order
    date_rank: np.ndarray  # each speech's place newest first (undated last, then id)
    chars: np.ndarray  # each speech's characters: the denominators of rates
    _columns: dict[str, Column] | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

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
                    try:
                        self._columns = _read_columns(self.path / schema.WHOOSH_DIR, self.by_id)
                    except (OSError, ValueError, IndexError, KeyError, EOFError) as error:
                        raise StoreError(f"cannot be read ({error})") from None
        return self._columns

    def utf8(self, position: int) -> bytes:
        """Return the cleaned text of the speech at a position as its UTF-8 bytes (RE2 reads them without decoding)."""
        offset, length, _ = self.records[position]["store"]
        return bytes(self.store[offset : offset + length])

    def text(self, position: int) -> str:
        """Return the cleaned text of the speech at a position."""
        offset, length, _ = self.records[position]["store"]
        return bytes(self.store[offset : offset + length]).decode("utf-8")

    def raw(self, position: int) -> str:
        """Return the original text of the source span of the speech at a position."""
        offset, length, raw_length = self.records[position]["store"]
        return bytes(self.store[offset + length : offset + length + raw_length]).decode("utf-8")


def open_generation(path: Path) -> Generation:
    """Open a generation for searching, or raise StoreError saying what cannot be read."""
    try:
        manifest = json.loads((path / schema.MANIFEST).read_text(encoding="utf-8"))
        records = read_records(path)
        aliases = json.loads((path / schema.ALIASES).read_text(encoding="utf-8"))
        with open(path / schema.STORE, "rb") as handle:
            size = handle.seek(0, 2)
            store = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) if size else b""
        postings = Postings(path)
        vocabulary = read_vocabulary(path)
        by_id = {record["id"]: i for i, record in enumerate(records)}
    except (OSError, ValueError, IndexError, KeyError) as error:
        raise StoreError(f"cannot be read ({error})") from None
    if postings.speeches != len(records):
        raise StoreError("is inconsistent")
    id_rank = _ranks(sorted(range(len(records)), key=lambda i: records[i]["id"]))
    date_rank = _ranks(sorted(range(len(records)), key=lambda i: date_key(records[i])))
    chars = np.fromiter((record["chars"] for record in records), dtype=np.int64, count=len(records))
    return Generation(path, manifest["index_version"], manifest, records, by_id, aliases, store, postings,
                      vocabulary, id_rank, date_rank, chars)


def _read_columns(folder: Path, by_id: dict[str, int]) -> dict[str, Column]:
    """Read every column of the Whoosh index into numbers per speech position."""
    from whoosh import index as whoosh_index

    ix = whoosh_index.open_dir(str(folder))
    with ix.searcher() as searcher:
        reader = searcher.reader()
        # Whoosh numbers documents in the order they were added, across updates.
        docnums = np.full(len(by_id), -1, dtype=np.int64)
        for docnum, stored in reader.iter_docs():
            if stored["id"] not in by_id:
                raise StoreError("is inconsistent")
            docnums[by_id[stored["id"]]] = docnum
        if (docnums < 0).any():
            raise StoreError("is inconsistent")
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


def date_key(record: dict) -> tuple:
    """Return a speech's place newest first: later dates first, a partial date as its first day, undated last, then id."""
    return (record["date"] is None, _negated_date(record["date"]), record["id"])


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
        self.keys = np.load(folder / schema.PAIR_KEYS)
        self.starts_of = np.load(folder / schema.PAIR_STARTS)
        self.positions = np.load(folder / schema.PAIR_POSITIONS, mmap_mode="r")
        self.doc_starts = np.load(folder / schema.DOC_STARTS)
        self.speeches = speeches  # generation position of each of its texts, -1 for one since removed

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
            low = int(np.searchsorted(self.keys, np.uint64(ord(term) << 21)))
            high = int(np.searchsorted(self.keys, np.uint64((ord(term) + 1) << 21)))
            found = np.array(self.positions[self.starts_of[low] : self.starts_of[high]])
            found.sort()
            return found
        # Pairs at offsets 0, 2, 4, … (and the last one) pin every character: no need for all n - 1.
        offsets = sorted(set(range(0, len(term) - 1, 2)) | {len(term) - 2})
        pairs = [(j, self._pair(pair_code(term[j], term[j + 1]))) for j in offsets]
        pairs.sort(key=lambda pair: len(pair[1]))
        offset, rarest = pairs[0]
        found = np.asarray(rarest, dtype=np.int64) - offset
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
        plan = json.loads((folder / schema.PAIR_SEGMENTS).read_text(encoding="utf-8"))
        self.segments = [PairSegment(folder / schema.PAIRS_DIR / entry["name"], np.array(entry["speeches"], dtype=np.int64))
                         for entry in plan["segments"]]
        self.word_keys = np.load(folder / schema.WORD_KEYS)
        self.word_starts = np.load(folder / schema.WORD_STARTS)
        self.word_docs = np.load(folder / schema.WORD_DOCS, mmap_mode="r")
        self.word_weights = np.load(folder / schema.WORD_WEIGHTS, mmap_mode="r")
        self.doc_lengths = np.load(folder / schema.DOC_LENGTHS)
        self.speeches = plan["speeches"]

    def counts(self, term: str) -> np.ndarray:
        """Return the number of occurrences of term in every speech."""
        total = np.zeros(self.speeches, dtype=np.int64)
        for segment in self.segments:
            found = segment.occurrences(term)
            if len(found):
                speeches = segment.speech_of(found)
                total += np.bincount(speeches[speeches >= 0], minlength=self.speeches)
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
