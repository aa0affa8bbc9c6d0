"""A sharded index: the corpus split by files into shards, each a normal index folder, served as one.

    index/SHARDS        the shard manifest, which replaces CURRENT for a sharded index: each
                        shard's folder and serving generation, which shard holds which file,
                        and the index_version derived from the shards' versions
    index/shard-<k>/    a normal index folder (its own CURRENT, generations and lock)

A build brings every shard whose files changed up to date with `build_index` (in this process,
or as Dask tasks on a cluster, one task per shard, retried when it fails or its worker is
lost), then writes SHARDS with an atomic rename once every shard is complete: searchers keep
reading the shards SHARDS names until then. Files are dealt to the lightest shard by size and
keep their shard from build to build, so an update rebuilds only the shards whose files
changed. A speech that arrives in two files, or near-duplicate versions of one speech, must
be in one shard for ids, `sources` and groups to come out as one index gives them: after a
build, files whose speeches share an id or a near-duplicate group across shards are moved
together into one shard, which is built again.
"""

import hashlib
import json
import os
import time
from pathlib import Path

import numpy as np

from indexer import corpusfiles, generations, schema, store

MANIFEST = "SHARDS"
SHARD_PREFIX = "shard-"
MAX_PASSES = 4  # builds needed at most to bring files that belong together into one shard


def read_manifest(index_dir: Path) -> dict | None:
    """Return the shard manifest of a sharded index, or None when the index is not sharded.

    Every query asks, and the manifest lists every file (1.3 MB at 20,000): it is parsed again
    only when stat says SHARDS changed. Callers must not change it.
    """
    return generations.read_when_changed(Path(index_dir) / MANIFEST, json.loads)


def is_sharded(index_dir: Path) -> bool:
    """Tell whether an index folder holds a sharded index."""
    return (Path(index_dir) / MANIFEST).is_file()


def shard_folder(index_dir: Path, number: int) -> Path:
    return Path(index_dir) / f"{SHARD_PREFIX}{number}"


def assign(files: dict[str, int], count: int, previous: dict[str, int] | None = None) -> dict[str, int]:
    """Deal files ({relpath: bytes}) to `count` shards: a file keeps its shard, a new one goes to the lightest."""
    previous = {f: k for f, k in (previous or {}).items() if f in files and 0 <= k < count}
    load = [0] * count
    for relpath, shard in previous.items():
        load[shard] += files[relpath]
    assignment = dict(previous)
    # Largest first, so that the shards come out even.
    for relpath in sorted((f for f in files if f not in previous), key=lambda f: (-files[f], f)):
        shard = min(range(count), key=lambda k: (load[k], k))
        assignment[relpath] = shard
        load[shard] += files[relpath]
    return assignment


def build_sharded(corpus: Path, index_dir: Path, shards: int | None = None, jobs: int = 1, force: bool = False,
                  full: bool = False, progress=None, corrections: Path | None = None, max_file_mb: float | None = None,
                  client=None, **reading):
    """Bring a sharded index up to date with the corpus (in `shards` shards) and switch SHARDS to it.

    `client` is a dask.distributed Client: each shard is then built by a task on a worker.
    Returns the build's Summary, the shards' summaries summed.
    """
    from indexer.build import BuildError, Summary, build_index, build_lock, code_version, default_corrections, list_files
    from indexer.readers import MAX_FILE_MB

    started = time.monotonic()
    corpus, index_dir = Path(corpus), Path(index_dir)
    corrections = Path(corrections) if corrections else default_corrections(corpus)
    max_file_mb = MAX_FILE_MB if max_file_mb is None else max_file_mb
    if not corpus.is_dir():
        raise BuildError(f"corpus folder {corpus} does not exist; pass --corpus DIR or set SPEECHES_CORPUS")
    with build_lock(index_dir):
        old = read_manifest(index_dir) or {}
        count = shards or len(old.get("shards", [])) or 1
        if count < 1 or count > 256:
            raise BuildError(f"--shards must be between 1 and 256, not {count}")
        files, hashes, sidecars = list_files(corpus)
        sizes = {relpath: _size(path) for path, relpath in files}
        kept = old.get("assignment") if len(old.get("shards", [])) == count else None
        assignment = assign(sizes, count, kept)
        for together in old.get("together", []):  # files that belonged together last time stay together
            _move_together([f for f in together if f in assignment], assignment, sizes)
        fixes = corpusfiles.file_hash(corrections) if corrections.is_file() else None
        serving = {k: entry["generation"] for k, entry in enumerate(old.get("shards", []))}
        stale = set(range(count)) if full or old.get("code_version") != code_version() or \
            old.get("corrections") != fixes else set()
        stale |= {k for k in range(count) if not _up_to_date(shard_folder(index_dir, k), k, assignment, hashes, sidecars)}
        options = dict(jobs=jobs, force=True, full=full, corrections=corrections, max_file_mb=max_file_mb, **reading)
        summaries: dict[int, Summary] = {}
        together: list[list[str]] = []
        for _ in range(MAX_PASSES):
            summaries.update(_build_shards(corpus, index_dir, sorted(stale), assignment, serving, options, client,
                                           progress, build_index))
            moved = _belonging_together(index_dir, count)
            together.extend(moved)
            stale = set()
            for group in moved:
                stale |= {assignment[f] for f in group if f in assignment}
                stale |= _move_together([f for f in group if f in assignment], assignment, sizes)
            if not stale:
                break
        # A shard whose files all give no speech (or that holds none) serves nothing.
        holding = {k for k in range(count) if any(shard == k for shard in assignment.values())}
        serving = {k: generations.current_generation(shard_folder(index_dir, k)) for k in range(count)}
        serving = {k: g for k, g in serving.items() if g is not None and k in holding and summaries.get(k, True)}
        manifests = {k: store.read_manifest(g) for k, g in serving.items()}
        total = sum(m["summary"]["speeches"] for m in manifests.values())
        if not total:
            raise BuildError(f"no speeches found under {corpus}; the index was left as it was")
        before = old.get("speeches", 0)
        if before and total < before / 2 and not force:
            raise BuildError(f"the new index would hold {total} speeches, fewer than half of the {before} now served; "
                             "check the corpus folder, or pass --force to replace it anyway")
        versions = [manifests[k]["index_version"] for k in sorted(manifests)]
        digest = hashlib.sha256("\n".join(versions).encode()).hexdigest()[:8]
        version = time.strftime("%Y%m%dT%H%M%S") + "-s" + digest
        summary = _summed(Summary, [summaries[k] if summaries.get(k) else _reused_summary(Summary, manifests[k])
                                    for k in sorted(manifests)] + [s for k, s in summaries.items()
                                                                   if s is not None and k not in manifests])
        summary.index_version, summary.seconds = version, time.monotonic() - started
        summary.speeches = total
        manifest = {"index_version": version, "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                    "code_version": code_version(), "corpus": str(corpus.resolve()), "corrections": fixes,
                    "speeches": total, "shards": [{"dir": shard_folder(index_dir, k).name,
                                                   "generation": serving[k].name if k in serving else None,
                                                   "index_version": manifests[k]["index_version"] if k in manifests else None}
                                                  for k in range(count)],
                    "assignment": assignment, "together": _merged(old.get("together", []) + together),
                    "summary": summary.as_dict()}
        temporary = index_dir / f"{MANIFEST}.{os.getpid()}.tmp"
        temporary.write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(temporary, index_dir / MANIFEST)
        for k in range(len(old.get("shards", []))):  # shards no longer served: a smaller --shards, or emptied
            if k >= count or k not in serving:
                generations.remove(shard_folder(index_dir, k))
        return summary


def _size(path: Path) -> int:
    try:
        return max(1, os.stat(path).st_size)
    except OSError:
        return 1


def _up_to_date(folder: Path, number: int, assignment: dict, hashes: dict, sidecars: dict) -> bool:
    """Tell whether a shard's serving generation holds exactly its files, unchanged."""
    generation = generations.current_generation(folder)
    if generation is None:
        return False
    manifest = store.read_manifest(generation)
    mine = {f for f, k in assignment.items() if k == number}
    recorded = {**(manifest.get("other_files") or {}), **(manifest.get("files") or {})}
    wanted = {f: hashes.get(f) for f in mine} | {f + ".columns.toml": h for f, h in sidecars.items() if f in mine}
    return recorded == wanted and all(manifest.get("sidecars", {}).get(f) == sidecars.get(f) for f in mine)


def _build_shards(corpus, index_dir, numbers, assignment, serving, options, client, progress, build_index) -> dict:
    """Build the named shards, here or as one Dask task each; return their summaries."""
    subsets = {k: {f for f, shard in assignment.items() if shard == k} for k in numbers}
    calls = {k: dict(options, only=subsets[k], keep={serving[k]} if k in serving else set()) for k in numbers}
    summaries = {}
    if client is None:
        for k in numbers:
            summaries[k] = _build_one(corpus, shard_folder(index_dir, k), calls[k], build_index)
            if progress:
                for _ in subsets[k]:
                    progress(None)
        return summaries
    from distributed import as_completed

    futures = {client.submit(_build_one, corpus, shard_folder(index_dir, k), calls[k], build_index,
                             key=f"build-shard-{k}-{time.time_ns()}", retries=2, pure=False): k for k in numbers}
    for future in as_completed(futures):
        k = futures[future]
        summaries[k] = future.result()
        if progress:
            for _ in subsets[k]:
                progress(None)
    return summaries


def _build_one(corpus: Path, folder: Path, call: dict, build_index):
    """Build one shard (a task on a worker, or a call here); None for a shard that ends up with no speech."""
    from indexer.build import BuildError, NO_SPEECHES

    if not call["only"]:
        return None  # its folder goes once SHARDS no longer names it
    folder.mkdir(parents=True, exist_ok=True)
    try:
        return build_index(corpus, folder, **call)
    except BuildError as error:
        if str(error).startswith(NO_SPEECHES):  # every file of the shard was skipped: it serves nothing
            return None
        raise


def _belonging_together(index_dir: Path, count: int) -> list[list[str]]:
    """Return groups of files, in different shards, whose speeches share an id or a near-duplicate group."""
    from indexer.groups import BINS, near_duplicate_groups

    speeches, signatures, texts = [], [], []
    for k in range(count):
        generation = generations.current_generation(shard_folder(index_dir, k))
        if generation is None:
            continue
        records = store.read_records(generation)
        signatures.append(store.read_signatures(generation).reshape(len(records), BINS))
        for position, record in enumerate(records):
            speeches.append({"id": record["id"], "date": record.get("date"), "shard": k, "sources": record["sources"]})
            texts.append((generation / schema.STORE, record["store"]))
    if not speeches:
        return []
    parent: dict[str, str] = {}

    def root(f: str) -> str:
        while parent.setdefault(f, f) != f:
            parent[f] = parent[parent[f]]
            f = parent[f]
        return f

    def join(a: str, b: str) -> None:
        parent[root(a)] = root(b)

    files_of = {}
    for speech in speeches:
        files = [source.split("#row=")[0] for source in speech["sources"]]
        if speech["id"] in files_of and files_of[speech["id"]][0] != speech["shard"]:
            join(files[0], files_of[speech["id"]][1][0])  # one speech in two shards
        files_of.setdefault(speech["id"], (speech["shard"], files))
        for other in files[1:]:
            join(files[0], other)

    def text_of(i: int) -> str:
        path, (offset, length, _) = texts[i]
        with open(path, "rb") as handle:
            handle.seek(offset)
            return handle.read(length).decode("utf-8")

    sizes = None
    signature_matrix = np.concatenate(signatures) if signatures else None
    if signature_matrix is not None and len(signature_matrix) == len(speeches):
        from indexer.groups import shingles

        sizes = [len(shingles(text_of(i))) for i in range(len(speeches))]
        groups = near_duplicate_groups(speeches, signature_matrix, sizes, text_of)
        members: dict[str, list[int]] = {}
        index = {}
        for i, speech in enumerate(speeches):
            index.setdefault(speech["id"], i)
        for member, group in groups.items():
            members.setdefault(group, []).append(index[member])
        for positions in members.values():
            if len({speeches[i]["shard"] for i in positions}) > 1:
                first = speeches[positions[0]]["sources"][0].split("#row=")[0]
                for i in positions[1:]:
                    join(first, speeches[i]["sources"][0].split("#row=")[0])
    clusters: dict[str, list[str]] = {}
    for f in list(parent):
        clusters.setdefault(root(f), []).append(f)
    return [sorted(c) for c in clusters.values() if len(c) > 1]


def _move_together(files: list[str], assignment: dict, sizes: dict) -> set[int]:
    """Put files that belong together into the shard that holds most of their bytes; return the shards changed."""
    shards = {assignment[f] for f in files}
    if len(shards) <= 1:
        return set()
    weight = {k: sum(sizes.get(f, 1) for f in files if assignment[f] == k) for k in shards}
    target = max(sorted(shards), key=lambda k: weight[k])
    for f in files:
        assignment[f] = target
    return shards


def _merged(groups: list[list[str]]) -> list[list[str]]:
    """Merge groups of files that share a file."""
    parent: dict[str, str] = {}

    def root(f):
        while parent.setdefault(f, f) != f:
            f = parent[f]
        return f

    for group in groups:
        for f in group[1:]:
            parent[root(f)] = root(group[0])
    merged: dict[str, list[str]] = {}
    for f in parent:
        merged.setdefault(root(f), []).append(f)
    return sorted(sorted(g) for g in merged.values() if len(g) > 1)


def _reused_summary(Summary, manifest: dict):
    """Return the summary of a shard not rebuilt: its files reused, what it skipped as it was."""
    before = manifest.get("summary", {})
    summary = Summary(reused=len(manifest.get("file_speeches", {})), skipped=list(before.get("skipped", [])),
                      rows_skipped=list(before.get("rows_skipped", [])), warnings=list(before.get("warnings", [])),
                      unknown_corrections=list(before.get("unknown_corrections", [])))
    for suffix, counts in before.get("by_format", {}).items():
        summary.by_format[suffix] = {"read": 0, "reused": counts.get("read", 0) + counts.get("reused", 0),
                                     "skipped": counts.get("skipped", 0), "speeches": counts.get("speeches", 0)}
    return summary


def _summed(Summary, summaries: list):
    """Add the shards' summaries up into the build's."""
    total = Summary()
    for part in summaries:
        total.files_read += part.files_read
        total.reused += part.reused
        total.duplicates += part.duplicates
        total.skipped += part.skipped
        total.rows_skipped += part.rows_skipped
        total.warnings += part.warnings
        total.dropped += part.dropped
        for suffix, counts in part.by_format.items():
            mine = total.by_format.setdefault(suffix, {"read": 0, "reused": 0, "skipped": 0, "speeches": 0})
            for key, value in counts.items():
                mine[key] = mine.get(key, 0) + value
    # In path order, as one build lists them.
    total.skipped.sort(key=lambda s: s["file"])
    total.rows_skipped.sort(key=lambda s: (s["file"], s["row"] or 0))
    total.warnings.sort(key=lambda s: (s["file"], s["code"]))
    total.dropped.sort(key=lambda s: (s["path"], s.get("row") or 0, s["lines"] or [0, 0]))
    unknown = [set(part.unknown_corrections) for part in summaries if part.unknown_corrections is not None]
    total.unknown_corrections = sorted(set.intersection(*unknown)) if unknown else []
    return total
