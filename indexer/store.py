"""A generation opened for searching, and the JSON files a build writes into it (the layout is in indexer/schema.py).

indexer/ writes a generation through these functions and search/ opens it through
`open_generation`; neither touches a generation's files otherwise. The index folder's
lifecycle is indexer/folder.py, the checksums indexer/integrity.py, the fields Whoosh holds
indexer/fields.py and the postings indexer/postings.py. Importing this module loads numpy
and nothing of the indexing pipeline, so the web app and the command line can open an index
without the readers, the splitter or jieba.
"""

import json
import mmap
import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from indexer import schema
from indexer.fields import FORMAT, OLDEST_READABLE, Column, Similarity, columns_of, format_of
from indexer.integrity import (BUILD_ONLY, MANIFEST_SUM, OlderIndex, StoreError, check_sums, load_json, load_manifest,
                               manifest_sum, no_such_generation, recorded_checksums, require, size_problem,
                               stat_key, verify_generation)
from indexer.postings import Postings
from indexer.records import Records


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
    write_json(folder, schema.MANIFEST, {**manifest, MANIFEST_SUM: manifest_sum(manifest)}, indent=1)


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
    _similarity: Similarity | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _damage_lock: threading.Lock = field(default_factory=threading.Lock)

    def verify(self) -> list:
        """Compare every file with its checksum, recording what is damaged; return all the damage found."""
        try:
            self.record_damage(verify_generation(self.path))
        finally:
            self.verified.set()
        return self.damage

    def record_damage(self, problems: list) -> None:
        """Add damage found; damage is never taken back (a background verify that read the files before a
        request's recheck found them changed would otherwise clear what the recheck found)."""
        if problems:
            with self._damage_lock:
                self.damage = self.damage + problems

    def recheck(self) -> list:
        """Look again, by stat, at every file searching reads; compare one that changed since it was checked with
        its checksum, recording the damage (a file mapped into memory would answer with its new bytes)."""
        if stat_key(self.path / schema.MANIFEST) != self.seen.get(schema.MANIFEST):
            try:
                if load_manifest(self.path) != self.manifest:
                    raise StoreError(self.path / schema.MANIFEST, "changed since the index was opened")
                self.seen[schema.MANIFEST] = stat_key(self.path / schema.MANIFEST)
            except StoreError as error:
                self.record_damage([error])
        changed = {name: entry for name, entry in self.sums.items() if stat_key(self.path / name) != self.seen.get(name)}
        if changed:
            problems = check_sums(self.path, changed)
            if problems:
                self.record_damage(problems)
            else:
                self.seen.update({name: stat_key(self.path / name) for name in changed})
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
        """Return every facet and filter field's column, from the records, when first asked for."""
        if self._columns is None:
            with self._lock:
                if self._columns is None:
                    self._columns = columns_of(self.records)
        return self._columns

    def similarity(self) -> Similarity:
        """Return the generation's Whoosh index opened for similar speeches, when first asked for.

        Raises OlderIndex for a generation built before Whoosh held key words, StoreError when
        the Whoosh index cannot be read.
        """
        if self._similarity is None:
            with self._lock:
                if self._similarity is None:
                    if format_of(self.manifest) < 2:
                        raise OlderIndex(self.path / schema.WHOOSH_DIR, "holds no key words for similar speeches")
                    folder = self.path / schema.WHOOSH_DIR
                    try:
                        self._similarity = Similarity(folder)
                    except Exception as error:  # Whoosh fails on a damaged file in many ways: name the file
                        damaged = verify_generation(self.path, schema.WHOOSH_DIR + "/")
                        raise (damaged[0] if damaged else
                               StoreError(folder, f"cannot be read ({type(error).__name__}: {error})")) from None
        return self._similarity

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
        raise no_such_generation(path)
    manifest = load_manifest(path)
    if not OLDEST_READABLE <= format_of(manifest) <= FORMAT:
        raise OlderIndex(path / schema.MANIFEST, f"records files of format {format_of(manifest)}, which this version "
                         f"(format {FORMAT}) does not read")
    # Every file searching reads is checked against its size and checksum before any answer
    # comes from it (an index built before checksums were recorded has none to compare). A
    # file whose checksum matched before is not read again while stat says it is the same file.
    recorded = recorded_checksums(path, manifest) or {}
    for name, (size, _digest) in recorded.items():
        problem = size_problem(path / name, size)
        if problem:
            raise StoreError(path / name, problem)
    sums = {name: entry for name, entry in recorded.items() if name not in BUILD_ONLY}
    damage = check_sums(path, sums)
    if damage:
        raise damage[0]
    seen = {name: stat_key(path / name) for name in [*sums, schema.MANIFEST]}
    records = _read_checked_records(path)
    aliases = load_json(path / schema.ALIASES)
    require(isinstance(aliases, dict) and all(isinstance(v, str) for v in aliases.values()), path / schema.ALIASES,
             "is not a map of ids")
    try:
        with open(path / schema.STORE, "rb") as handle:
            size = handle.seek(0, 2)
            store = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) if size else b""
    except OSError as error:
        raise StoreError(path / schema.STORE, f"cannot be read ({error.strerror or error})") from None
    stores = records.numbers("store")  # (offset, length, raw length) of every speech, checked above
    end = int(stores.sum(axis=1).max()) if len(records) else 0
    require(end <= size, path / schema.STORE, f"is {size:,} bytes; the speeches' texts reach {end:,}")
    postings = Postings(path)
    require(postings.speeches == len(records), path / schema.PAIR_SEGMENTS,
             f"counts {postings.speeches:,} speeches; {schema.SPEECHES} holds {len(records):,}")
    chars = np.fromiter((value or 0 for value in records.strings("chars")), dtype=np.int64, count=len(records))
    lengths = postings.doc_lengths
    require(len(lengths) == len(records) and bool(np.all(np.isfinite(lengths))) and bool(np.all(lengths >= 0))
             and bool(np.all(lengths <= 3 * chars + 3)), path / schema.DOC_LENGTHS, "holds lengths out of bounds")
    words = load_json(path / schema.VOCABULARY)
    require(isinstance(words, list) and all(isinstance(w, str) for w in words), path / schema.VOCABULARY,
             "is not a list of words")
    require(not len(postings.word_keys) or int(postings.word_keys[-1]) < len(words), path / schema.WORD_KEYS,
             f"names word ids beyond the {len(words):,} words")
    vocabulary = {word: number for number, word in enumerate(words)}
    ids, dates = records.strings("id"), records.strings("date")
    by_id = {speech_id: i for i, speech_id in enumerate(ids)}
    require(len(by_id) == len(records), path / schema.SPEECHES, "holds an id twice")
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
