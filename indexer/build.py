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
    seconds: float = 0.0
    index_version: str | None = None
    generation: str | None = None

    def as_dict(self) -> dict:
        """Return the summary as plain data for manifest.json."""
        return {
            "files_read": self.files_read, "speeches": self.speeches,
            "skipped": [{"path": p, "reason": r} for p, r in self.skipped],
            "dropped": self.dropped, "duplicates": self.duplicates,
            "seconds": round(self.seconds, 3), "index_version": self.index_version,
        }


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


def _file_hash(path: Path) -> str | None:
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


def build_index(corpus: Path, index_dir: Path, jobs: int = 1, force: bool = False,
                progress=None) -> Summary:
    """Build a new generation from every file under corpus and make it current."""
    started = time.monotonic()
    corpus, index_dir = Path(corpus), Path(index_dir)
    if not corpus.is_dir():
        raise BuildError(f"corpus folder {corpus} does not exist; pass --corpus DIR or set SPEECHES_CORPUS")
    with build_lock(index_dir):
        _clean_debris(index_dir)
        old_generation = current_generation(index_dir)
        old = _read_speeches(old_generation)
        files = corpus_files(corpus)
        jobs_list = [(str(path), path.relative_to(corpus).as_posix()) for path in files]
        summary = Summary()
        results = _run_jobs(jobs_list, jobs, progress)
        speeches: dict[str, dict] = {}
        hashes = {}
        for (path, relpath), result in zip(jobs_list, results):
            hashes[relpath] = _file_hash(Path(path))
            if "skipped" in result:
                summary.skipped.append((relpath, result["skipped"]))
                continue
            summary.files_read += 1
            summary.dropped.extend(result["dropped"])
            for speech in result["speeches"]:
                if speech["id"] in speeches:
                    # The same speech arrived twice (a .txt and an .html): index it once.
                    speeches[speech["id"]]["sources"].append(relpath)
                    summary.duplicates += 1
                else:
                    speeches[speech["id"]] = speech
        summary.speeches = len(speeches)
        if not speeches:
            raise BuildError(f"no speeches found under {corpus}; the index was left as it was")
        if old and len(speeches) < len(old) / 2 and not force:
            raise BuildError(
                f"the new index would hold {len(speeches)} speeches, fewer than half of the "
                f"{len(old)} now served; check the corpus folder, or pass --force to replace it anyway"
            )
        aliases = _aliases(old_generation, old, speeches)
        for speech_id_, group in near_duplicate_groups(list(speeches.values())).items():
            speeches[speech_id_]["group"] = group
        version = time.strftime("%Y%m%dT%H%M%S") + "-" + hashlib.sha256(
            "".join(sorted(speeches)).encode()).hexdigest()[:8]
        generation = index_dir / f"{schema.GENERATION_PREFIX}{version}"
        if generation.exists():
            shutil.rmtree(generation)
        staging = index_dir / f".tmp-{version}-{os.getpid()}"
        _write_generation(staging, list(speeches.values()), aliases)
        summary.seconds = time.monotonic() - started
        summary.index_version = version
        manifest = {"index_version": version, "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                    "corpus": str(corpus.resolve()), "files": hashes, "summary": summary.as_dict()}
        (staging / schema.MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(staging, generation)
        _switch(index_dir, generation.name)
        summary.generation = generation.name
        _clean_debris(index_dir)
        return summary


def _run_jobs(jobs_list, jobs: int, progress):
    """Process files, in worker processes when jobs > 1, reporting progress per file."""
    global _worker_places
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


def _write_generation(folder: Path, speeches: list[dict], aliases: dict) -> None:
    """Write a complete generation into folder: Whoosh index, metadata, texts, aliases."""
    from whoosh import index as whoosh_index

    (folder / schema.WHOOSH_DIR).mkdir(parents=True)
    speeches.sort(key=lambda s: (s["source"], s["ordinal"]))
    ix = whoosh_index.create_in(str(folder / schema.WHOOSH_DIR), schema.make_schema())
    writer = ix.writer(limitmb=256)
    offset = 0
    with open(folder / schema.STORE, "wb") as store, open(folder / schema.SPEECHES, "w", encoding="utf-8") as meta:
        for speech in speeches:
            text, raw = speech.pop("text").encode("utf-8"), speech.pop("raw").encode("utf-8")
            store.write(text)
            store.write(raw)
            speech["store"] = [offset, len(text), len(raw)]
            offset += len(text) + len(raw)
            body_words, title_words = speech.pop("words"), speech.pop("title_words")
            writer.add_document(
                id=speech["id"], grams=text.decode("utf-8"), words=body_words, title=title_words,
                **{f: _facet_value(speech.get(f)) for f in ("province", "city", "year", "speaker", "level")},
            )
            meta.write(json.dumps(speech, ensure_ascii=False) + "\n")
    writer.commit()
    (folder / schema.ALIASES).write_text(json.dumps(aliases, ensure_ascii=False), encoding="utf-8")


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
