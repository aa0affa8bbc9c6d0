"""Snapshot everything the indexer's workers read from folders of files, and diff two snapshots.

A change meant to make the build faster must leave every field of every speech as it was:
take a snapshot before, one after, and diff them. Each file goes through build.process_file
(read, split, repair, describe, segment, shingle) as a build's worker runs it; texts, word
weights and signatures are kept as digests, every metadata field as it is.

    python -m bench.snapshot before.json corpus tests/data/samples /tmp/bench/corpus
    python -m bench.snapshot --diff before.json after.json
"""

import argparse
import hashlib
import json
import sys
from pathlib import Path


def _digest(value) -> str:
    if isinstance(value, str):
        data = value.encode("utf-8")
    elif hasattr(value, "tobytes"):
        data = value.tobytes()
    else:
        data = json.dumps(value, ensure_ascii=False, sort_keys=True).encode("utf-8")
    return hashlib.sha256(data).hexdigest()[:16]


def snapshot(folders: list[Path]) -> dict:
    """Return {folder: {file: what process_file returns, texts digested}} for every file."""
    from indexer import build, corpusfiles

    build.init_jieba()
    places = build._load_tables()
    shot = {}
    for folder in folders:
        folder = Path(folder)
        files = {}
        for path in sorted(corpusfiles.corpus_files(folder), key=lambda p: corpusfiles.corpus_relpath(p, folder)):
            relpath = corpusfiles.corpus_relpath(path, folder)
            result = build.process_file(path, relpath, places, folder)
            for record in result.get("speeches", []):
                for name in ("text", "raw", "words", "signature"):
                    record[name] = _digest(record[name])
            files[relpath] = json.loads(json.dumps(result, ensure_ascii=False, default=str))
        shot[str(folder)] = files
    return shot


def diff(before: dict, after: dict) -> list[str]:
    """Return one line per field that differs between two snapshots."""
    lines = []
    for folder in sorted(set(before) | set(after)):
        old, new = before.get(folder, {}), after.get(folder, {})
        for relpath in sorted(set(old) | set(new)):
            a, b = old.get(relpath), new.get(relpath)
            if a is None or b is None:
                lines.append(f"{folder}/{relpath}: only in {'after' if a is None else 'before'}")
                continue
            for key in sorted(set(a) | set(b)):
                if key == "speeches":
                    continue
                if a.get(key) != b.get(key):
                    lines.append(f"{folder}/{relpath} {key}: {a.get(key)!r} -> {b.get(key)!r}")
            sa, sb = a.get("speeches", []), b.get("speeches", [])
            if len(sa) != len(sb):
                lines.append(f"{folder}/{relpath}: {len(sa)} speeches -> {len(sb)}")
            for number, (x, y) in enumerate(zip(sa, sb), 1):
                for field in sorted(set(x) | set(y)):
                    if x.get(field) != y.get(field):
                        lines.append(f"{folder}/{relpath} speech {number} {field}: {x.get(field)!r} -> {y.get(field)!r}")
    return lines


def main(argv=None) -> int:
    """Write a snapshot, or diff two."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--diff", action="store_true", help="compare two snapshot files")
    parser.add_argument("paths", nargs="+", type=Path)
    args = parser.parse_args(argv)
    if args.diff:
        before, after = (json.loads(p.read_text(encoding="utf-8")) for p in args.paths)
        lines = diff(before, after)
        print("\n".join(lines) if lines else "identical: every field of every speech")
        speeches = sum(len(f.get("speeches", [])) for files in after.values() for f in files.values())
        print(f"{sum(len(files) for files in after.values())} files, {speeches} speeches compared")
        return 1 if lines else 0
    out, *folders = args.paths
    out.write_text(json.dumps(snapshot(folders), ensure_ascii=False, indent=0), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
