"""Build an index generation from a corpus folder and switch to it only when it is complete."""

import fcntl
import hashlib
import json
import multiprocessing
import os
import re
import shutil
import stat
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from indexer import schema
from indexer.corrections import CorrectionsError, apply_corrections, load_corrections, revert
from indexer.describe import describe
from indexer.groups import near_duplicate_groups
from indexer.readers import UnreadableFile, read_document
from indexer.segment import init_jieba, words
from indexer.split import split_document
from indexer.text import count_han, repair


class BuildError(Exception):
    """A build that cannot go ahead; the message says what to do, the old index still serves."""


@dataclass
class Summary:
    """What a build read, found, skipped and dropped."""

    files_read: int = 0
    speeches: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    dropped: list[dict] = field(default_factory=list)  # spans that belong to no speech
    duplicates: int = 0
    reused: int = 0  # files unchanged since the last build, not read again
    unknown_corrections: list[str] = field(default_factory=list)  # ids in the corrections file no speech has
    seconds: float = 0.0
    index_version: str | None = None
    generation: str | None = None

    def as_dict(self) -> dict:
        """Return the summary as plain data for manifest.json."""
        return {
            "files_read": self.files_read, "speeches": self.speeches,
            "skipped": [{"path": p, "reason": r} for p, r in self.skipped],
            "dropped": self.dropped, "duplicates": self.duplicates, "reused": self.reused, "unknown_corrections": self.unknown_corrections,
            "seconds": round(self.seconds, 3), "index_version": self.index_version,
        }


def default_corrections(corpus: Path) -> Path:
    """Return where the corrections file lives by default: corrections.tsv beside the corpus folder."""
    return Path(corpus).resolve().parent / "corrections.tsv"


def speech_id(text: str) -> str:
    """Derive a speech's id from its content with all whitespace removed."""
    return hashlib.sha256(re.sub(r"\s+", "", text).encode("utf-8")).hexdigest()[:16]


def corpus_files(corpus: Path) -> list[Path]:
    """List every file under the corpus folder, sorted, without following symlinked folders."""
    found = []
    for folder, dirs, files in os.walk(corpus, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        found.extend(Path(folder) / name for name in sorted(files) if not name.startswith("."))
    return found


def file_hash(path: Path) -> str | None:
    """Hash a regular file's bytes; None when it cannot be read (the reader says why)."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return None
        digest = hashlib.sha256()
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        return digest.hexdigest()
    except OSError:
        return None


def process_file(path: Path, relpath: str, places=None) -> dict:
    """Read, split, repair, describe and segment one corpus file."""
    try:
        document = read_document(path)
    except UnreadableFile as error:
        return {"path": relpath, "skipped": error.reason}
    lines = document.text.split("\n")
    speeches, dropped = [], []
    for span in split_document(lines):
        raw = "\n".join(lines[span.start : span.end])
        if span.kind != "speech":
            if raw.strip():
                dropped.append({"path": relpath, "lines": [span.start + 1, span.end],
                                "reason": span.kind, "han": count_han(raw)})
            continue
        repaired = repair(lines[span.start : span.end], span.start + 1, span.header_lines)
        for number, line, reason in repaired.dropped:
            dropped.append({"path": relpath, "lines": [number, number], "reason": reason,
                            "han": count_han(line)})
        if not repaired.paragraphs:
            continue
        text = "\n".join(repaired.paragraphs)
        meta = describe(repaired.paragraphs, document.title, places)
        record = {name: getattr(meta, name) for name in (
            "title", "speaker", "position", "meeting", "date", "date_source", "year",
            "year_evidence", "province", "city", "level", "province_evidence")}
        record.update(
            id=speech_id(text), published=document.published, site=document.site,
            source=relpath, sources=[relpath], ordinal=len(speeches) + 1, chars=len(text),
            group=None, lines=[span.start + 1, span.end], text=text, raw=raw,
            words="\n".join(words(text)), title_words="\n".join(words(meta.title or "")),
        )
        speeches.append(record)
    return {"path": relpath, "speeches": speeches, "dropped": dropped}


def _load_places():
    """Return the place resolver with its gazetteer loaded, once, before workers fork."""
    try:
        from indexer.places import gazetteer, resolve_place
    except ImportError:  # the gazetteer module is optional until it lands
        return None
    gazetteer()
    return resolve_place


_worker_places = None


def _process_job(job):
    return process_file(Path(job[0]), job[1], _worker_places)


@contextmanager
def build_lock(index_dir: Path):
    """Hold the index folder's build lock, or refuse if another build holds it."""
    index_dir.mkdir(parents=True, exist_ok=True)
    handle = open(index_dir / schema.LOCK, "a+")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BuildError(
                f"another build is already running on {index_dir} (it holds {index_dir / schema.LOCK}); "
                "wait for it to finish, then run `speeches index` again"
            ) from None
        yield
    finally:
        handle.close()


def current_generation(index_dir: Path) -> Path | None:
    """Return the serving generation folder, or None when there is no index."""
    try:
        name = (index_dir / schema.CURRENT).read_text(encoding="utf-8").strip()
    except OSError:
        return None
    path = index_dir / name
    return path if name and (path / schema.MANIFEST).is_file() else None


def _read_speeches(generation: Path | None) -> list[dict]:
    """Read the metadata lines of a generation (empty when there is none)."""
    if generation is None:
        return []
    with open(generation / schema.SPEECHES, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def _aliases(old_generation: Path | None, old: list[dict], new_ids: dict) -> dict:
    """Map ids a rebuild changed to their new ids, carrying older aliases forward."""
    aliases: dict[str, str] = {}
    if old_generation is not None:
        try:
            aliases = json.loads((old_generation / schema.ALIASES).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            aliases = {}
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


def code_version() -> str:
    """Hash the indexer's own code and data: a build by other code must not reuse old results."""
    digest = hashlib.sha256()
    package = Path(__file__).resolve().parent
    for path in sorted(package.rglob("*")):
        if path.suffix in (".py", ".tsv", ".csv", ".txt") and "__pycache__" not in path.parts:
            digest.update(path.relative_to(package).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _read_manifest(generation: Path | None) -> dict:
    """Read a generation's manifest (empty when there is none)."""
    if generation is None:
        return {}
    try:
        return json.loads((generation / schema.MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


class _OldGeneration:
    """The serving generation, as far as a new build can reuse it."""

    def __init__(self, path: Path | None):
        self.path = path
        self.manifest = _read_manifest(path)
        self.speeches = _read_speeches(path) if self.manifest else []
        self.by_id = {s["id"]: s for s in self.speeches}
        self._store = None

    def reusable(self, relpath: str, digest: str | None) -> bool:
        """Tell whether a file is unchanged since this generation was built by this code."""
        return (
            digest is not None
            and self.manifest.get("code_version") == code_version()
            and self.manifest.get("files", {}).get(relpath) == digest
            and relpath in self.manifest.get("file_speeches", {})
        )

    def records(self, relpath: str) -> tuple[list[dict], list[dict]]:
        """Return a reused file's speech records, texts loaded, and its dropped spans."""
        if self._store is None:
            self._store = (self.path / schema.STORE).read_bytes()
        records = []
        for speech_id_ in self.manifest["file_speeches"][relpath]:
            old = dict(self.by_id[speech_id_])
            offset, length, raw_length = old.pop("store")
            old["text"] = self._store[offset : offset + length].decode("utf-8")
            old["raw"] = self._store[offset + length : offset + length + raw_length].decode("utf-8")
            old["reused"] = True
            records.append(old)
        dropped = [d for d in self.manifest.get("summary", {}).get("dropped", []) if d["path"] == relpath]
        return records, dropped


def build_index(corpus: Path, index_dir: Path, jobs: int = 1, force: bool = False, full: bool = False,
                progress=None, corrections: Path | None = None) -> Summary:
    """Bring the index up to date with every file under corpus, then make it current.

    Files unchanged since the serving generation (same path, same SHA-256, same indexer code)
    are reused as they are unless `full`; the others are read, split and described again.
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
    with build_lock(index_dir):
        _clean_debris(index_dir)
        old = _OldGeneration(current_generation(index_dir))
        files = [(path, path.relative_to(corpus).as_posix()) for path in corpus_files(corpus)]
        hashes = {relpath: file_hash(path) for path, relpath in files}
        reused = set() if full else {relpath for _, relpath in files if old.reusable(relpath, hashes[relpath])}
        jobs_list = [(str(path), relpath) for path, relpath in files if relpath not in reused]
        results = dict(zip((relpath for _, relpath in jobs_list), _run_jobs(jobs_list, jobs, progress)))
        summary = Summary(reused=len(reused))
        speeches: dict[str, dict] = {}
        file_speeches: dict[str, list[str]] = {}
        for _, relpath in files:
            if relpath in reused:
                records, dropped = old.records(relpath)
            elif "skipped" in results[relpath]:
                summary.skipped.append((relpath, results[relpath]["skipped"]))
                continue
            else:
                records, dropped = results[relpath]["speeches"], results[relpath]["dropped"]
            summary.files_read += 1
            summary.dropped.extend(dropped)
            file_speeches[relpath] = [record["id"] for record in records]
            for ordinal, record in enumerate(records, 1):
                if record["id"] in speeches:
                    # The same speech arrived twice (a .txt and an .html): index it once.
                    speeches[record["id"]]["sources"].append(relpath)
                    summary.duplicates += 1
                else:
                    record.update(source=relpath, sources=[relpath], ordinal=ordinal, group=None)
                    speeches[record["id"]] = record
        summary.speeches = len(speeches)
        if not speeches:
            raise BuildError(f"no speeches found under {corpus}; the index was left as it was")
        if old.speeches and len(speeches) < len(old.speeches) / 2 and not force:
            raise BuildError(
                f"the new index would hold {len(speeches)} speeches, fewer than half of the "
                f"{len(old.speeches)} now served; check the corpus folder, or pass --force to replace it anyway"
            )
        aliases = _aliases(old.path, old.speeches, speeches)
        for record in speeches.values():
            revert(record)  # a reused record carries last build's corrections
        summary.unknown_corrections = apply_corrections(speeches, fixes, aliases)
        for member, group in near_duplicate_groups(list(speeches.values())).items():
            speeches[member]["group"] = group
        version = time.strftime("%Y%m%dT%H%M%S") + "-" + hashlib.sha256(
            "".join(sorted(speeches)).encode()).hexdigest()[:8]
        staging = index_dir / f".tmp-{version}-{os.getpid()}"
        _write_generation(staging, list(speeches.values()), aliases, old if not full else None)
        summary.seconds = time.monotonic() - started
        summary.index_version = version
        manifest = {"index_version": version, "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                    "code_version": code_version(), "corpus": str(corpus.resolve()),
                    "files": {relpath: digest for relpath, digest in hashes.items() if relpath in file_speeches},
                    "file_speeches": file_speeches, "summary": summary.as_dict()}
        (staging / schema.MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        generation = index_dir / f"{schema.GENERATION_PREFIX}{version}"
        if generation.exists():
            shutil.rmtree(generation)
        os.replace(staging, generation)
        _switch(index_dir, generation.name)
        summary.generation = generation.name
        _clean_debris(index_dir)
        return summary


def _run_jobs(jobs_list, jobs: int, progress):
    """Process files, in worker processes when jobs > 1, reporting progress per file."""
    global _worker_places
    if not jobs_list:
        return []
    init_jieba()
    _worker_places = _load_places()
    results = []
    if jobs > 1 and len(jobs_list) > 1:
        # Fork after loading jieba and the gazetteer so that workers share them.
        context = multiprocessing.get_context("fork")
        with context.Pool(jobs) as pool:
            for result in pool.imap(_process_job, jobs_list, chunksize=1):
                results.append(result)
                if progress:
                    progress(result["path"])
    else:
        for job in jobs_list:
            results.append(_process_job(job))
            if progress:
                progress(job[1])
    return results


def _write_generation(folder: Path, speeches: list[dict], aliases: dict, old: "_OldGeneration | None") -> None:
    """Write a complete generation into folder: Whoosh index, metadata, texts, aliases.

    With an old generation, its Whoosh index is linked in and updated (speeches gone are
    deleted, new ones added) instead of being written again from scratch.
    """
    from whoosh import index as whoosh_index

    folder.mkdir(parents=True)
    whoosh_dir = folder / schema.WHOOSH_DIR
    speeches.sort(key=lambda s: (s["source"], s["ordinal"]))
    ids = {s["id"] for s in speeches}
    if old is not None and old.path is not None and old.manifest.get("code_version") == code_version():
        _link_tree(old.path / schema.WHOOSH_DIR, whoosh_dir)
        ix = whoosh_index.open_dir(str(whoosh_dir))
        present = set(old.by_id)
    else:
        whoosh_dir.mkdir()
        ix = whoosh_index.create_in(str(whoosh_dir), schema.make_schema())
        present = set()
    writer = ix.writer(limitmb=256)
    for gone in present - ids:
        writer.delete_by_term("id", gone)
    offset = 0
    with open(folder / schema.STORE, "wb") as store, open(folder / schema.SPEECHES, "w", encoding="utf-8") as meta:
        for speech in speeches:
            text, raw = speech.pop("text"), speech.pop("raw")
            body_words, title_words = speech.pop("words", None), speech.pop("title_words", None)
            speech.pop("reused", None)
            if speech["id"] not in present:
                writer.add_document(
                    id=speech["id"], grams=text, words=body_words, title=title_words,
                    **{f: _facet_value(speech.get(f)) for f in ("province", "city", "year", "speaker", "level")},
                )
            text_bytes, raw_bytes = text.encode("utf-8"), raw.encode("utf-8")
            store.write(text_bytes)
            store.write(raw_bytes)
            speech["store"] = [offset, len(text_bytes), len(raw_bytes)]
            offset += len(text_bytes) + len(raw_bytes)
            meta.write(json.dumps(speech, ensure_ascii=False) + "\n")
    writer.commit()
    (folder / schema.ALIASES).write_text(json.dumps(aliases, ensure_ascii=False), encoding="utf-8")


def _link_tree(source: Path, target: Path) -> None:
    """Hard-link a Whoosh folder into a new generation (segment files are never rewritten)."""
    target.mkdir()
    for path in source.iterdir():
        if path.is_file():
            try:
                os.link(path, target / path.name)
            except OSError:  # a filesystem without hard links
                shutil.copy2(path, target / path.name)


def _facet_value(value) -> str:
    """Return a facet's indexed value: unknowns are indexed as 未知."""
    return schema.UNKNOWN if value is None else str(value)


def _switch(index_dir: Path, name: str) -> None:
    """Point CURRENT at a generation atomically."""
    temporary = index_dir / f"{schema.CURRENT}.{os.getpid()}.tmp"
    with open(temporary, "w", encoding="utf-8") as handle:
        handle.write(name + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, index_dir / schema.CURRENT)


def _clean_debris(index_dir: Path) -> None:
    """Remove what a killed build left: staging folders, temp files, superseded generations."""
    current = current_generation(index_dir)
    generations = sorted(
        (p for p in index_dir.iterdir() if p.name.startswith(schema.GENERATION_PREFIX)),
        key=lambda p: p.stat().st_mtime,
    )
    # Keep the serving generation and the one before it, for searchers still reading it.
    keep = {current.name} if current else set()
    older = [g for g in generations if current is None or g.name != current.name]
    if older:
        keep.add(older[-1].name)
    for path in index_dir.iterdir():
        if path.name.startswith(".tmp-") or (path.name.startswith(schema.CURRENT + ".") and path.name.endswith(".tmp")):
            _remove(path)
        elif path.name.startswith(schema.GENERATION_PREFIX) and path.name not in keep:
            _remove(path)


def _remove(path: Path) -> None:
    """Remove a file or folder, ignoring what is already gone."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        try:
            path.unlink()
        except FileNotFoundError:
            pass
