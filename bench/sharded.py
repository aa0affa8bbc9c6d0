"""Time a sharded index against one index over the same generated corpus, as ratios in one run.

    python -m bench.sharded --n 20000 --pool ../shared/realpool --shards 2 --workers 2

Builds one index in one process (`--jobs 1`) and a sharded one on a LocalCluster of
`--workers` worker processes, then times every query of the bench set on one index, on the
shards opened in this process, and on the shards held by the cluster's workers (Dask actors):
the fan-out overhead per query, in ms and as a ratio. Answers are checked equal on the way.
"""

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import generate
from bench.run import median_ms, query_set

ROOT = Path(__file__).resolve().parent.parent


def _build(args: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run([str(Path(sys.executable).parent / "speeches"), "index", *args], check=True,
                   stdout=subprocess.DEVNULL, cwd=ROOT)
    return round(time.perf_counter() - started, 2)


def _query(spec: dict) -> tuple[str, dict | None]:
    query = " ".join('"' + t.replace("\\", "\\\\").replace('"', '\\"') + '"' for t in spec["terms"])
    return query, ({k: (v,) for k, v in spec["filters"].items()} if spec.get("filters") else None)


def run(n: int, workdir: Path, shards: int, workers: int, runs: int, pool: Path | None = None, log=print,
        builds: dict | None = None) -> dict:
    """Build both indexes of an n-speech corpus and time the bench's queries on each; return the figures."""
    from search import open_index
    from search.cluster import connect
    from search.corpus import Corpus

    if builds is None:
        if pool is not None:
            generate.generate(n, workdir, pool=pool)
        else:
            generate.generate(n, workdir)
        corpus = workdir / "corpus"
        single = _build(["--corpus", str(corpus), "--index", str(workdir / "one"), "--jobs", "1"])
        log(f"one index, one process: {single} s")
        sharded = _build(["--corpus", str(corpus), "--index", str(workdir / "many"), "--shards", str(shards),
                          "--cluster", f"local:{workers}"])
        log(f"{shards} shards on {workers} workers: {sharded} s")
    else:  # the queries timed again on the indexes an earlier run built
        single, sharded = builds["one_process"], builds["sharded"]
    one = Corpus(workdir / "one")
    results = {"n": n, "shards": shards, "workers": workers, "build_s": {"one_process": single, "sharded": sharded},
               "build_ratio": round(sharded / single, 3), "queries": {}}
    with connect(f"local:{workers}") as client:
        here, there = open_index(workdir / "many"), open_index(workdir / "many", client=client)
        for spec in query_set():
            query, filters = _query(spec)
            expected = one.search(query, filters)
            for other in (here, there):
                got = other.search(query, filters)
                assert (got["total"], got["occurrences"], [h["id"] for h in got["hits"]]) == \
                    (expected["total"], expected["occurrences"], [h["id"] for h in expected["hits"]]), spec["name"]
            timing = {name: median_ms(lambda backend=backend: backend.search(query, filters), runs)
                      for name, backend in (("one", one), ("shards_here", here), ("shards_on_cluster", there))}
            timing["overhead_here_ms"] = round(timing["shards_here"] - timing["one"], 2)
            timing["overhead_cluster_ms"] = round(timing["shards_on_cluster"] - timing["one"], 2)
            timing["ratio_cluster"] = round(timing["shards_on_cluster"] / timing["one"], 2) if timing["one"] else None
            results["queries"][spec["name"]] = timing
            log(f"  {spec['name']}: {json.dumps(timing, ensure_ascii=False)}")
    return results


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--shards", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--pool", type=Path, help="a folder of real paragraphs, one a line (bench only)")
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "sharded.json")
    parser.add_argument("--queries-only", action="store_true",
                        help="time the queries again on the indexes of an earlier run (same --workdir and --out)")
    args = parser.parse_args(argv)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="speeches-sharded-"))
    builds = None
    if args.queries_only:
        if not (args.workdir and args.out.exists()):
            parser.error("--queries-only needs the --workdir and --out of an earlier run")
        builds = json.loads(args.out.read_text(encoding="utf-8"))["build_s"]
    results = run(args.n, workdir, args.shards, args.workers, args.runs, args.pool, builds=builds)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    print(json.dumps(results, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
