"""Build an index generation from a corpus folder and switch to it only when it is complete."""

import dataclasses
import errno
import functools
import hashlib
import multiprocessing
import os
import re
import time
from collections import Counter, deque
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from indexer import corpusfiles, fields, generations, integrity, lifetime, postings, schema, store
from indexer.corrections import CorrectionsError, apply_corrections, load_corrections, revert
from indexer.describe import describe
from indexer.groups import BINS, near_duplicate_groups, shingles, signature
from indexer.readers import (MAX_FILE_MB, MAX_READER_MB, READER_TIME_LIMIT_S, SIDECAR_SUFFIX, UnreadableFile, is_sidecar,
                             read_documents, suffix_of)
from indexer.segment import init_jieba, words
from indexer.speakers import from_book_title
from indexer.split import Span, header_size, split_document
from indexer.text import count_chars, count_han, layout_of, normalized_lines, repair


class BuildError(Exception):
    """A build that cannot go ahead; the message says what to do, the old index still serves."""


NO_SPEECHES = "no speeches found under"


@dataclass
class Summary:
    """What a build read, found, skipped and dropped, per format too."""

    files_read: int = 0  # read this build (reused files are not)
    speeches: int = 0
    skipped: list[dict] = field(default_factory=list)  # {"file", "code", "reason"}
    rows_skipped: list[dict] = field(default_factory=list)  # {"file", "row", "code", "reason"}
    warnings: list[dict] = field(default_factory=list)  # {"file", "code", "count"}
    by_format: dict[str, dict] = field(default_factory=dict)  # suffix -> {read, reused, skipped, speeches}
    dropped: list[dict] = field(default_factory=list)  # spans that belong to no speech
    duplicates: int = 0
    reused: int = 0  # files unchanged since the last build, not read again
    unknown_corrections: list[str] = field(default_factory=list)  # ids in the corrections file no speech has
    seconds: float = 0.0
    index_version: str | None = None
    generation: str | None = None
    unchanged: bool = False  # nothing changed since the serving generation, which was kept: no new version

    def count(self, relpath: str, what: str, n: int = 1) -> None:
        """Count a file (or its speeches) under its format."""
        suffix = suffix_of(relpath).lstrip(".") or "(none)"
        counts = self.by_format.setdefault(suffix, {"read": 0, "reused": 0, "skipped": 0, "speeches": 0})
        counts[what] += n

    def as_dict(self) -> dict:
        """Return the summary as plain data: the `index --json` object and manifest.json's summary."""
        return {
            "index_version": self.index_version, "files_read": self.files_read, "files_reused": self.reused,
            "speeches": self.speeches, "seconds": round(self.seconds, 3),
            "by_format": dict(sorted(self.by_format.items())), "skipped": self.skipped,
            "rows_skipped": self.rows_skipped, "warnings": self.warnings,
            "dropped": self.dropped, "dropped_by_file": self.dropped_by_file(),
            "duplicates": self.duplicates, "unknown_corrections": self.unknown_corrections,
            "unchanged": self.unchanged,
        }

    def dropped_by_file(self) -> dict[str, dict[str, int]]:
        """Count the characters (whitespace aside) each file lost to no speech, by reason."""
        counts: dict[str, dict[str, int]] = {}
        for span in self.dropped:
            by_reason = counts.setdefault(span["path"], {})
            by_reason[span["reason"]] = by_reason.get(span["reason"], 0) + span.get("chars", span["han"])
        return dict(sorted(counts.items()))


def default_corrections(corpus: Path) -> Path:
    """Return where the corrections file lives by default: corrections.tsv beside the corpus folder."""
    return Path(corpus).resolve().parent / "corrections.tsv"


def speech_id(text: str) -> str:
    """Derive a speech's id from its content with all whitespace removed."""
    return hashlib.sha256(re.sub(r"\s+", "", text).encode("utf-8")).hexdigest()[:16]


def process_file(path: Path, relpath: str, places=None, corpus: Path | None = None, max_file_mb: float = MAX_FILE_MB,
                 max_reader_mb: float = MAX_READER_MB, reader_time_limit_s: float = READER_TIME_LIMIT_S) -> dict:
    """Read, split, repair, describe and segment one corpus file (every Document it holds)."""
    try:
        documents = read_documents(path, corpus=corpus, max_file_mb=max_file_mb, max_reader_mb=max_reader_mb,
                                   reader_time_limit_s=reader_time_limit_s)
    except UnreadableFile as error:
        return {"path": relpath, "skipped": error.reason, "code": error.code}
    speeches, dropped, rows_skipped, warnings, details, notices = [], [], [], Counter(), {}, []
    for document in documents:
        warnings.update(document.warnings)
        for code, items in document.warning_details.items():
            details.setdefault(code, []).extend(items)
        for reason, chars, han in document.dropped:
            dropped.append({"path": relpath, **_row(document), "lines": None, "reason": reason, "chars": chars, "han": han})
        if document.skipped:
            code, reason = document.skipped
            rows_skipped.append({"file": relpath, "row": document.row, "code": code, "reason": reason})
            continue
        speeches.extend(_document_speeches(document, relpath, len(speeches), dropped, places, notices))
    for notice in notices:  # values describe() refused, listed by row as the readers' warnings are
        warnings[notice["code"]] += 1
        details.setdefault(notice["code"], []).append({key: notice.get(key) for key in ("row", "field", "column", "value")})
    return {"path": relpath, "speeches": speeches, "dropped": dropped, "rows_skipped": rows_skipped,
            "warnings": dict(warnings), "warning_details": details}


def _split(lines: list[str], document, norm: list[str]) -> list:
    """Split a document's lines into spans; a dataset row is one speech whatever it holds."""
    spans = split_document(lines, document.kind, norm, document.bookmarks)
    if document.row is None:
        return spans
    # The row's title block is counted from its first line of text, whatever the splitter made of it.
    return [Span(0, len(lines), "speech", header_size(norm, 0, len(lines)))]


def _word_counts(paragraphs: list[str], batch_chars: int = 1 << 20) -> Counter:
    """Count the words of a speech's paragraphs a batch at a time: a 200 MB speech's word list
    would take GBs (segmentation never joins words across a line break, so batches cut nothing)."""
    counts: Counter = Counter()
    batch, size = [], 0
    for paragraph in paragraphs + [None]:
        if paragraph is None or (batch and size + len(paragraph) > batch_chars):
            found = Counter(words("\n".join(batch)))
            joined = "".join(found)
            if joined.lower() != joined:
                # Fold case on the distinct words, not on each occurrence: the same counts, in the
                # same order (each folded word where its first form first came).
                folded: Counter = Counter()
                for word, count in found.items():
                    folded[word.lower()] += count
                found = folded
            counts.update(found)
            batch, size = [], 0
        if paragraph is not None:
            batch.append(paragraph)
            size += len(paragraph) + 1
    return counts


def _row(document) -> dict:
    return {"row": document.row} if document.row is not None else {}


def _document_speeches(document, relpath: str, before: int, dropped: list, places, notices: list) -> list[dict]:
    """Return the speech records of one Document, noting the spans it drops and the values it refused."""
    source = relpath if document.row is None else f"{relpath}#row={document.row}"
    lines = document.text.split("\n")
    norm = normalized_lines(lines)  # read by splitting and by repair alike
    layout = layout_of(lines, norm, document.line_breaks)
    spans = _split(lines, document, norm)
    document = _as_compilation(document, spans, norm)
    speeches = []
    for span in spans:
        raw = "\n".join(lines[span.start : span.end])
        if span.kind != "speech":
            if raw.strip():
                dropped.append({"path": relpath, **_row(document), "lines": [span.start + 1, span.end],
                                "reason": span.kind, "chars": count_chars(raw), "han": count_han(raw)})
            continue
        repaired = repair(lines[span.start : span.end], span.start + 1, span.header_lines, norm[span.start : span.end],
                          layout)
        for number, line, reason in repaired.dropped:
            dropped.append({"path": relpath, **_row(document), "lines": [number, number], "reason": reason,
                            "chars": count_chars(line), "han": count_han(line)})
        if not repaired.paragraphs:
            continue
        text = "\n".join(repaired.paragraphs)
        meta = describe(repaired.paragraphs, document, places, span)
        refused = meta.extra.pop("refused", None)
        if refused:
            notices.append({**_row(document), "code": "given_value_refused", **refused})
        record = {f.name: getattr(meta, f.name) for f in dataclasses.fields(meta) if f.name in schema.speech_fields()}
        # Ranking weighs a word in the title twice (BM25F with a title boost of 2).
        weights = _word_counts(repaired.paragraphs)
        for word, count in Counter(w.lower() for w in words(meta.title or "")).items():
            weights[word] += 2 * count
        found = shingles(text)
        record.update(
            id=speech_id(text), published=document.published, site=document.site,
            source=source, sources=[source], ordinal=before + len(speeches) + 1, chars=len(text),
            group=None, lines=[span.start + 1, span.end], text=text, raw=raw,
            words=dict(weights), signature=signature(found), shingles=len(found),
        )
        speeches.append(record)
    return speeches


def _as_compilation(document, spans: list, norm: list[str]):
    """Read a text or page whose cover names one author's collected pieces (王建国文集, …论述摘编) as his book.

    A PDF's reader tells a book by itself; a plain text or a page tells it only by the line
    over its pieces, when there are several.
    """
    if document.kind == "book" or document.row is not None or sum(s.kind == "speech" for s in spans) < 2:
        return document
    cover = next((span for span in spans if span.kind != "speech"), None)
    if cover is None or cover.start != 0:
        return document
    line = next((line for line in norm[cover.start:cover.end] if line), "")
    author = from_book_title(line)
    return dataclasses.replace(document, kind="book", author=author, title_candidates=[line]) if author else document


def _load_tables():
    """Load the tables describing a speech reads, once, before workers fork; return the place resolver.

    Forked workers share them: each would otherwise read the name dictionary (0.4 s) and
    compile the dated anchors on its own.
    """
    from indexer.dating import load_anchors
    from indexer.names import name_words
    from indexer.places import gazetteer, province_marks, resolve_place

    gazetteer()
    province_marks()
    load_anchors()
    name_words()
    return resolve_place


_worker_places = None


def _process_job(job):
    path, relpath, corpus, reading = job
    return process_file(Path(path), relpath, _worker_places, Path(corpus), **reading)


@contextmanager
def build_lock(index_dir: Path):
    """Hold the index folder's build lock, or refuse if another build holds it."""
    try:
        with generations.build_lock(index_dir):
            yield
    except generations.LockHeld as held:
        who = f"process {held.pid} holds {held.path}" if held.pid else f"it holds {held.path}"
        raise BuildError(
            f"another build is already running on {index_dir} ({who}); "
            "wait for it to finish, then run `speeches index` again"
        ) from None


def _aliases(old_generation: Path | None, old: list[dict], new_ids: dict) -> dict:
    """Map ids a rebuild changed to their new ids, carrying older aliases forward."""
    aliases = store.read_aliases(old_generation)
    by_place = {(s["source"], s["ordinal"]): s["id"] for s in new_ids.values()}
    for speech in old:
        if speech["id"] not in new_ids:
            moved = by_place.get((speech["source"], speech["ordinal"]))
            if moved:
                aliases[speech["id"]] = moved
    resolved = {}
    for old_id, target in aliases.items():
        seen = set()
        while target not in new_ids and target in aliases and target not in seen:
            seen.add(target)
            target = aliases[target]
        if target in new_ids and old_id not in new_ids:
            resolved[old_id] = target
    return resolved


@functools.lru_cache(maxsize=1)
def code_version() -> str:
    """Hash the indexer's own code and data: a build by other code must not reuse old results.

    Computed once per process: code that changes under a running process is not run by it.
    """
    digest = hashlib.sha256()
    package = Path(__file__).resolve().parent
    for path in sorted(package.rglob("*")):
        if path.suffix in (".py", ".tsv", ".csv", ".txt") and "__pycache__" not in path.parts:
            digest.update(path.relative_to(package).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


class _OldGeneration:
    """The serving generation, as far as a new build can reuse it."""

    def __init__(self, path: Path | None):
        self.path = path
        self.manifest = store.read_manifest(path)
        try:
            self.speeches = store.read_records(path) if self.manifest else []
        except (OSError, ValueError):  # a damaged generation: `index --full` rebuilds without it
            self.manifest, self.speeches = {}, []
        self.position = {s["id"]: i for i, s in enumerate(self.speeches)}
        self._store = self._signatures = None

    def reusable(self, relpath: str, digest: str | None, sidecar: str | None = None) -> bool:
        """Tell whether a file (and its column map) is unchanged since this generation was built by this code."""
        return (
            digest is not None
            and self.manifest.get("code_version") == code_version()
            and self.manifest.get("files", {}).get(relpath) == digest
            and self.manifest.get("sidecars", {}).get(relpath) == sidecar
            and relpath in self.manifest.get("file_speeches", {})
        )

    def prepare(self, relpaths: set[str]) -> None:
        """Open what reusing these files needs: the store, read piecewise, and the signatures."""
        if not relpaths:
            return
        self._store = open(self.path / schema.STORE, "rb")  # a map's pages would stay resident
        self._signatures = store.read_signatures(self.path)

    def close(self) -> None:
        if self._store is not None:
            self._store.close()

    def records(self, relpath: str) -> tuple[list[dict], list[dict]]:
        """Return a reused file's speech records, texts loaded, and its dropped spans."""
        records = []
        for speech_id_ in self.manifest["file_speeches"][relpath]:
            position = self.position[speech_id_]
            old = dict(self.speeches[position])
            offset, length, raw_length = old.pop("store")
            old["text"] = os.pread(self._store.fileno(), length, offset).decode("utf-8")
            old["raw"] = os.pread(self._store.fileno(), raw_length, offset + length).decode("utf-8")
            old["words"] = None  # its word postings are taken from the old generation as they are
            old["signature"] = self._signatures[position]
            old["origin"] = position
            records.append(old)
        dropped = [d for d in self.manifest.get("summary", {}).get("dropped", []) if d["path"] == relpath]
        return records, dropped


class _Gathered:
    """What a build gathers speech by speech: texts go to the store at once, the rest stays small."""

    def __init__(self, folder: Path, vocabulary: dict[str, int]):
        self.store = open(folder / schema.STORE, "wb")
        self.offset = 0
        self.vocabulary = vocabulary  # word -> id; only ever extended, so reused ids stay valid
        self.speeches: dict[str, dict] = {}  # id -> metadata, in source order
        self.words = postings.WordPostingsWriter(folder)  # fresh speeches'; reused ones are carried later
        self.signatures: list[np.ndarray] = []
        self.origins: list[int | None] = []  # position in the old generation of a reused speech

    def add(self, record: dict) -> None:
        """Store one speech's texts and keep its metadata, word weights and signature."""
        text, raw = record.pop("text").encode("utf-8"), record.pop("raw").encode("utf-8")
        self.store.write(text)
        self.store.write(raw)
        record["store"] = [self.offset, len(text), len(raw)]
        self.offset += len(text) + len(raw)
        weights = record.pop("words")
        if weights is not None:  # fresh from a worker: words as text
            ids = np.fromiter((self.vocabulary.setdefault(w, len(self.vocabulary)) for w in weights),
                              dtype=np.uint32, count=len(weights))
            self.words.add(len(self.signatures), ids, np.fromiter(weights.values(), dtype=np.float32, count=len(weights)))
        self.signatures.append(record.pop("signature"))
        self.origins.append(record.pop("origin", None))
        self.speeches[record["id"]] = record

    def moved(self, old_count: int) -> np.ndarray:
        """Return each old generation position's new position, -1 for a speech not reused."""
        moved = np.full(old_count, -1, dtype=np.int64)
        for position, origin in enumerate(self.origins):
            if origin is not None:
                moved[origin] = position
        return moved


def list_files(corpus: Path, only: set[str] | None = None) -> tuple[list, dict, dict]:
    """List the corpus files a build reads, in source (path) order: [(path, relpath)], their hashes, their column maps.

    Speeches are stored and numbered in path order as they arrive. A dataset's column map is
    read with the dataset, never on its own; `only` keeps the named files (and their maps).
    """
    listed = sorted(((path, corpusfiles.corpus_relpath(path, corpus)) for path in corpusfiles.corpus_files(corpus)),
                    key=lambda pair: pair[1])
    if only is not None:
        listed = [(path, relpath) for path, relpath in listed
                  if relpath in only or (is_sidecar(relpath) and relpath[: -len(SIDECAR_SUFFIX)] in only)]
    hashes = {relpath: corpusfiles.file_hash(path, corpus) for path, relpath in listed}
    files = [(path, relpath) for path, relpath in listed
             if not is_sidecar(relpath) or relpath[: -len(SIDECAR_SUFFIX)] not in hashes]
    sidecars = {relpath: hashes[relpath + SIDECAR_SUFFIX] for _, relpath in files if relpath + SIDECAR_SUFFIX in hashes}
    return files, hashes, sidecars


def every_core() -> int:
    """Return how many cores this process may run on: the default number of worker processes of a build."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # no sched_getaffinity (macOS)
        return max(1, os.cpu_count() or 1)


def build_index(corpus: Path, index_dir: Path, jobs: int = 1, force: bool = False, full: bool = False,
                progress=None, corrections: Path | None = None, max_file_mb: float = MAX_FILE_MB,
                only: set[str] | None = None, keep: set[str] = frozenset(), max_reader_mb: float = MAX_READER_MB,
                reader_time_limit_s: float = READER_TIME_LIMIT_S) -> Summary:
    """Bring the index up to date with every file under corpus, then make it current.

    Files unchanged since the serving generation (same path, same SHA-256, same indexer code)
    are reused as they are unless `full`; the others are read, split and described again.
    A shard of a sharded index is built from the files `only` names (paths under the corpus),
    and `keep` names generations to keep whatever is current (the ones a shard manifest serves).
    """
    started = time.monotonic()
    corpus, index_dir = Path(corpus), Path(index_dir)
    corrections = Path(corrections) if corrections else default_corrections(corpus)
    if not corpus.is_dir():
        raise BuildError(f"corpus folder {corpus} does not exist; pass --corpus DIR or set SPEECHES_CORPUS")
    try:
        fixes = load_corrections(corrections)
    except CorrectionsError as error:
        raise BuildError(f"{error}; the index was left as it was") from None
    try:
        with build_lock(index_dir):
            reading = dict(max_file_mb=max_file_mb, max_reader_mb=max_reader_mb, reader_time_limit_s=reader_time_limit_s)
            return _build(corpus, index_dir, jobs, force, full, progress, fixes, started, reading, only, keep)
    except OSError as error:
        # Disk full, a folder that cannot be written: one line, and the old index serves on.
        raise BuildError(os_error_message(error, index_dir)) from None


def os_error_message(error: OSError, index_dir: Path) -> str:
    """Say in one line what an operating-system error stopped a build, and what to do."""
    name = errno.errorcode.get(error.errno, "") if error.errno else ""
    where = f" ({error.filename})" if error.filename else ""
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        cause = "no space is left on the device" if error.errno == errno.ENOSPC else "the disk quota is used up"
        advice = f"free some space where {index_dir} lives, then run `speeches index` again"
    elif error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        cause, advice = f"{error.strerror or 'permission denied'}".lower(), f"make {index_dir} writable, or pass --index DIR"
    else:
        cause, advice = f"{error.strerror or error}".lower(), "fix the cause, then run `speeches index` again"
    return (f"the build stopped: {cause}{' [' + name + ']' if name else ''}{where}; {advice}; "
            "the index was left as it was")


def _build(corpus: Path, index_dir: Path, jobs: int, force: bool, full: bool, progress, fixes, started: float,
           reading: dict, only: set[str] | None, keep: set[str]) -> Summary:
    """Build a generation under the build lock and switch to it."""
    generations.clean_debris(index_dir, keep)
    old = _OldGeneration(generations.current_generation(index_dir))
    files, hashes, sidecars = list_files(corpus, only)
    reused = set() if full else {relpath for _, relpath in files
                                 if old.reusable(relpath, hashes[relpath], sidecars.get(relpath))}
    if _unchanged(old, files, reused, _corrections_digest(fixes)):
        # Nothing to read and nothing to write: the serving generation is the answer (issue 25: a
        # rebuild with nothing changed made a new index version, breaking every cited version).
        return _kept(old, files, started)
    if reused:
        # What is reused is copied or linked as it is: a damaged file would live on in the new index.
        damage = integrity.verify_generation(old.path)
        if damage:
            raise BuildError(str(damage[0]))
    staging = index_dir / f".tmp-{os.getpid()}-{time.time_ns()}"
    staging.mkdir()
    try:
        summary, generation = _build_into(staging, index_dir, corpus, files, hashes, reused, old, jobs,
                                          force, progress, fixes, started, sidecars, reading)
    except BaseException:
        generations.remove(staging)
        raise
    summary.seconds = time.monotonic() - started
    try:
        generations.switch(index_dir, generation.name)
    except BaseException:
        generations.remove(generation)
        raise
    summary.generation = generation.name
    generations.clean_debris(index_dir, keep)
    return summary


def _corrections_digest(fixes) -> str:
    """Return a digest of the corrections a build applies, so an unchanged rebuild can tell they did not change."""
    return hashlib.sha256(repr(fixes).encode("utf-8")).hexdigest()[:16]


def _unchanged(old: "_OldGeneration", files: list, reused: set, corrections: str) -> bool:
    """Tell whether the serving generation already is what a build would write.

    Every file is reusable (same path, SHA-256, column map and indexer code), none was added,
    skipped or removed, and the corrections are the same. A skipped file is read again (LibreOffice
    may have been installed since), so a corpus with one always builds.
    """
    manifest = old.manifest
    return bool(manifest and files and len(reused) == len(files)
                and set(manifest.get("files", {})) == {relpath for _, relpath in files}
                and all(is_sidecar(relpath) for relpath in manifest.get("other_files", {}))
                and manifest.get("corrections") == corrections)


def _kept(old: "_OldGeneration", files: list, started: float) -> Summary:
    """Return the summary of a build that kept the serving generation: every file reused, nothing written."""
    before = old.manifest.get("summary", {})
    summary = Summary(reused=len(files), speeches=len(old.speeches), index_version=old.manifest["index_version"],
                      generation=old.path.name, dropped=before.get("dropped", []),
                      duplicates=before.get("duplicates", 0), unknown_corrections=before.get("unknown_corrections", []),
                      unchanged=True)
    for relpath, ids in old.manifest.get("file_speeches", {}).items():
        summary.count(relpath, "reused")
        summary.count(relpath, "speeches", len(ids))
    summary.seconds = time.monotonic() - started
    return summary


def _build_into(staging: Path, index_dir: Path, corpus: Path, files, hashes, reused, old, jobs, force, progress,
                fixes, started: float, sidecars: dict, reading: dict) -> tuple[Summary, Path]:
    """Write a complete generation into staging and move it into place; return what it holds."""
    old.prepare(reused)
    gathered = _Gathered(staging, store.read_vocabulary(old.path) if reused else {})
    jobs_list = [(str(path), relpath, str(corpus), reading) for path, relpath in files if relpath not in reused]
    results = _run_jobs(jobs_list, jobs, progress)
    summary = Summary(reused=len(reused))
    file_speeches: dict[str, list[str]] = {}
    for path, relpath in files:
        if corpusfiles.corpus_relpath(path, corpus) != path.relative_to(corpus).as_posix():
            summary.warnings.append({"file": relpath, "code": "undecodable_name", "count": 1})
        if relpath in reused:
            records, dropped = old.records(relpath)
            summary.count(relpath, "reused")
        else:
            result = next(results)
            if "skipped" in result:
                summary.skipped.append({"file": relpath, "code": result["code"], "reason": result["skipped"]})
                summary.count(relpath, "skipped")
                continue
            records, dropped = result["speeches"], result["dropped"]
            summary.rows_skipped.extend(result["rows_skipped"])
            details = result.get("warning_details", {})
            summary.warnings.extend({"file": relpath, "code": code, "count": count,
                                     **({"rows": details[code]} if details.get(code) else {})}
                                    for code, count in sorted(result["warnings"].items()))
            summary.files_read += 1
            summary.count(relpath, "read")
        summary.dropped.extend(dropped)
        file_speeches[relpath] = [record["id"] for record in records]
        for ordinal, record in enumerate(records, 1):
            # A dataset row keeps its own source (reports.csv#row=12).
            source = record["source"] if str(record.get("source", "")).startswith(relpath + "#") else relpath
            if record["id"] in gathered.speeches:
                # The same speech arrived twice (a .txt and an .html): index it once.
                gathered.speeches[record["id"]]["sources"].append(source)
                summary.duplicates += 1
            else:
                record.update(source=source, sources=[source], ordinal=ordinal, group=None)
                gathered.add(record)
                summary.count(relpath, "speeches")
    results.close()  # ends the worker processes before the postings are sorted
    old.close()
    gathered.store.close()
    speeches = gathered.speeches
    summary.speeches = len(speeches)
    if not speeches:
        raise BuildError(f"{NO_SPEECHES} {corpus}; the index was left as it was")
    if old.speeches and len(speeches) < len(old.speeches) / 2 and not force:
        raise BuildError(
            f"the new index would hold {len(speeches)} speeches, fewer than half of the "
            f"{len(old.speeches)} now served; check the corpus folder, or pass --force to replace it anyway"
        )
    aliases = _aliases(old.path, old.speeches, speeches)
    for record in speeches.values():
        revert(record)  # a reused record carries last build's corrections
    summary.unknown_corrections = apply_corrections(speeches, fixes, aliases)
    digest = hashlib.sha256("".join(sorted(speeches)).encode()).hexdigest()[:8]
    version = time.strftime("%Y%m%dT%H%M%S") + "-" + digest
    number = 1
    while (index_dir / f"{schema.GENERATION_PREFIX}{version}").exists():
        # Two builds within one second: every generation keeps a name of its own.
        number += 1
        version = time.strftime("%Y%m%dT%H%M%S") + f"-{number}-" + digest
    _write_generation(staging, gathered, aliases, old if reused else None)
    summary.seconds = time.monotonic() - started
    summary.index_version = version
    manifest = {"index_version": version, "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                # The schema travels with the index: what its files are and which fields it was built with.
                "format": fields.FORMAT, "fields": fields.recorded_fields(), "code_version": code_version(),
                "corpus": str(corpus.resolve()), "corrections": _corrections_digest(fixes),
                "files": {relpath: digest for relpath, digest in hashes.items() if relpath in file_speeches},
                # Files the corpus holds that gave no speech (skipped) or are read with another
                # (column maps): recorded so the web's drift check does not count them as added.
                "other_files": {relpath: digest for relpath, digest in hashes.items() if relpath not in file_speeches},
                "sidecars": sidecars, "file_speeches": file_speeches, "summary": summary.as_dict(),
                # Every other file's size and checksum: opening compares the sizes, `speeches verify` the sums.
                "checksums": integrity.checksums(staging)}
    store.write_manifest(staging, manifest)
    generation = index_dir / f"{schema.GENERATION_PREFIX}{version}"
    os.replace(staging, generation)
    # The sums were just computed from these very files: opening the generation need not read them again.
    integrity.remember_sums(generation, manifest["checksums"])
    return summary, generation


# Files a worker may read ahead of the one the build waits for (their results wait in memory).
AHEAD_PER_WORKER = 16


def _reported(result: dict, progress) -> dict:
    if progress:
        progress(result["path"])
    return result


def _run_jobs(jobs_list, jobs: int, progress):
    """Yield each file's result in order, from worker processes when jobs > 1, reporting progress."""
    global _worker_places
    if not jobs_list:
        return
    init_jieba()
    _worker_places = _load_tables()
    if jobs > 1 and len(jobs_list) > 1:
        # Fork after loading jieba and the gazetteer so that workers share them. Not through
        # multiprocessing.Pool: its worker-handler thread wakes whenever a result waits unread
        # and spins on it, a third of the main process's time at 100,000 speeches (and a
        # worker that dies leaves Pool waiting for ever, where the executor raises).
        # Each worker dies with this build and lets go of its lock (indexer/lifetime.py): killed
        # with -9, a build once left its workers running and holding the lock.
        executor = ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork"),
                                       initializer=lifetime.become_child, initargs=(os.getpid(),))
        waiting: deque = deque()  # in order, at most AHEAD_PER_WORKER a worker: not a future for every file
        try:
            for job in jobs_list:
                waiting.append(executor.submit(_process_job, job))
                if len(waiting) >= AHEAD_PER_WORKER * jobs:
                    yield _reported(waiting.popleft().result(), progress)
            while waiting:
                yield _reported(waiting.popleft().result(), progress)
        finally:
            executor.shutdown(wait=True, cancel_futures=True)
    else:
        for job in jobs_list:
            yield _reported(_process_job(job), progress)


def _write_generation(folder: Path, gathered: _Gathered, aliases: dict, old: "_OldGeneration | None") -> None:
    """Write the rest of a generation beside its store: groups, metadata, postings, Whoosh, aliases."""
    speeches = list(gathered.speeches.values())
    # Texts are read back with pread, not mapped: mapped pages would count as the build's memory.
    texts = os.open(folder / schema.STORE, os.O_RDONLY)
    try:
        def text_of(position: int) -> str:
            offset, length, _ = speeches[position]["store"]
            return os.pread(texts, length, offset).decode("utf-8")

        signatures = np.array(gathered.signatures, dtype=np.uint64).reshape(len(speeches), BINS)
        sizes = [s["shingles"] for s in speeches]
        verdicts = store.read_verdicts(old.path) if old is not None else {}
        for member, group in near_duplicate_groups(speeches, signatures, sizes, text_of, verdicts).items():
            gathered.speeches[member]["group"] = group
        store.write_json(folder, schema.VERDICTS, [[a, b, same] for (a, b), same in sorted(verdicts.items())
                                                   if a in gathered.speeches and b in gathered.speeches])
        np.save(folder / schema.SIGNATURES, signatures)
        _write_pairs(folder, gathered, text_of, old)
    finally:
        os.close(texts)
    if old is not None:
        gathered.words.carry(old.path, gathered.moved(len(old.speeches)))
    gathered.words.write(len(speeches))
    store.write_vocabulary(folder, gathered.vocabulary)
    store.write_records(folder, speeches)
    # Key words hang on the whole corpus's word frequencies: every speech's are chosen anew.
    words = [""] * len(gathered.vocabulary)
    for word, number in gathered.vocabulary.items():
        words[number] = word
    fields.write_fields(folder, [s["id"] for s in speeches], fields.key_words(folder, words, len(speeches)))
    store.write_json(folder, schema.ALIASES, aliases)


# Pair postings are written in segments: a build that reuses most speeches links the old
# segments and writes only the new speeches' texts; past these limits it writes one anew.
MAX_SEGMENTS = 8
MAX_STALE_SHARE = 0.25


def _write_pairs(folder: Path, gathered: _Gathered, text_of, old: "_OldGeneration | None") -> None:
    """Write the generation's pair postings, reusing the old generation's segments when that pays."""
    count = len(gathered.origins)
    fresh = [k for k, origin in enumerate(gathered.origins) if origin is None]
    if old is not None:
        moved = gathered.moved(len(old.speeches)).tolist()
        segments = [(name, [moved[p] if p >= 0 else -1 for p in positions])
                    for name, positions in store.read_segment_plan(old.path)]
        segments = [(name, positions) for name, positions in segments if any(p >= 0 for p in positions)]
        stale = sum(p < 0 for _, positions in segments for p in positions) + len(fresh)
        if len(segments) < MAX_SEGMENTS and stale <= MAX_STALE_SHARE * count:
            for name, _ in segments:
                postings.link_segment(old.path, folder, name)
            if fresh:
                segments.append((postings.new_segment(folder, lambda: map(text_of, fresh)), fresh))
            store.write_segment_plan(folder, segments, count)
            return
    name = postings.new_segment(folder, lambda: map(text_of, range(count)))
    store.write_segment_plan(folder, [(name, list(range(count)))], count)
