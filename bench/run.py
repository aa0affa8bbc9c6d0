"""Run the benchmark: generate N speeches, build our index and two peers, time a fixed query set.

    python -m bench.run --n 5000 --runs 20 --out bench/out/results.json [--pool ../shared/realpool]

Every build runs in a child process whose whole process tree (forked workers included) is
sampled for memory. Every query is timed warm, and every engine's answers are compared with
a plain substring scan of the texts that engine was given. Prints a table; writes JSON.
"""

import argparse
import json
import os
import platform
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench import generate, peers

ROOT = Path(__file__).resolve().parent.parent
PHRASES = ["双过半", "稳中求进", "营商环境", "高质量发展", "招商引资", "六稳", "六保", "开门红", "三高四新",
           "一带一路", "碳达峰", "疫情防控"]
FILTERS = {"province": "湖南省", "year": "2021"}
ONE_CHARACTER = ["稳", "的"]


def query_set() -> list[dict]:
    """Return the fixed queries: 12 phrases, an AND of two, a filtered phrase, a common 2-character word and two characters.

    One character a few times in most speeches (稳) and the commonest of all (的, 3% of the text).
    """
    specs = [{"name": p, "kind": "phrase", "terms": [p]} for p in PHRASES]
    specs.append({"name": "营商环境 AND 招商引资", "kind": "and", "terms": ["营商环境", "招商引资"]})
    specs.append({"name": "高质量发展 湖南省 2021", "kind": "filtered", "terms": ["高质量发展"], "filters": dict(FILTERS)})
    specs.append({"name": "改革", "kind": "two_char", "terms": ["改革"]})
    specs.extend({"name": c, "kind": "one_char", "terms": [c]} for c in ONE_CHARACTER)
    return specs


# ---- memory of a process tree ----------------------------------------------------------------


def _stat_fields(pid) -> list[bytes] | None:
    """Return the fields of /proc/<pid>/stat after the command name (state, ppid, …); None when the process is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            stat = handle.read()
    except OSError:
        return None  # exited between listdir and open
    # The command name is in parentheses and may hold spaces: split after the last ')'.
    return stat[stat.rindex(b")") + 2 :].split()


def _children_map(zombies: bool = True) -> dict[int, list[int]]:
    """Map every pid to its children's pids, from /proc/*/stat (without zombies, exited but not reaped, if asked)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        fields = _stat_fields(entry) if entry.isdigit() else None
        if fields is not None and (zombies or fields[0] != b"Z"):
            children.setdefault(int(fields[1]), []).append(int(entry))
    return children


def children(pid: int) -> list[int]:
    """Return the running (not zombie) children of a process."""
    return _children_map(zombies=False).get(pid, [])


def running(pid: int) -> bool:
    """Tell whether a process is running: it exists and is no zombie."""
    fields = _stat_fields(pid)
    return fields is not None and fields[0] != b"Z"


def _status_kb(pid: int, path: str, key: bytes) -> int:
    """Read one `Key:  N kB` line of /proc/<pid>/<path>; 0 when the process is gone."""
    try:
        with open(f"/proc/{pid}/{path}", "rb") as handle:
            for line in handle:
                if line.startswith(key):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


_PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


def _rss_kb(pid: int) -> int:
    """Read a process's resident set size from /proc/<pid>/statm; 0 when it is gone."""
    try:
        with open(f"/proc/{pid}/statm", "rb") as handle:
            return int(handle.read().split()[1]) * _PAGE_KB
    except (OSError, ValueError, IndexError):
        return 0


def tree_pids(pid: int) -> list[int]:
    """Return a process and all its descendants."""
    children = _children_map()
    pids, stack = [], [pid]
    while stack:
        current = stack.pop()
        pids.append(current)
        stack.extend(children.get(current, ()))
    return pids


def tree_memory(pid: int, with_pss: bool = True) -> tuple[int, int, int]:
    """Return (summed RSS kB, summed PSS kB or 0, processes) of a process and its descendants."""
    pids = tree_pids(pid)
    rss = sum(_rss_kb(p) for p in pids)
    # PSS shares each copy-on-write page among the processes mapping it: forked workers
    # share jieba's dictionary, which summed RSS counts once per worker.
    pss = sum(_status_kb(p, "smaps_rollup", b"Pss:") for p in pids) if with_pss else 0
    return rss, pss, len(pids)


class TreeSampler(threading.Thread):
    """Sample a process tree's memory every `interval` seconds and keep the peaks."""

    # smaps_rollup walks page tables (~2 ms for a 500 MB process, more for larger): PSS is read
    # every 40th sample (2 s) so the sampler costs the measured build about 1% of a core.
    PSS_EVERY = 40

    def __init__(self, pid: int, interval: float = 0.05, cap_kb: int | None = None):
        super().__init__(daemon=True)
        self.pid, self.interval, self.cap_kb = pid, interval, cap_kb
        self.peak_rss = self.peak_pss = self.peak_processes = 0
        self.over_cap = False
        self.stopped = threading.Event()

    def run(self) -> None:
        sample = 0
        while not self.stopped.is_set():
            rss, pss, count = tree_memory(self.pid, with_pss=sample % self.PSS_EVERY == 0)
            self.peak_rss, self.peak_pss = max(self.peak_rss, rss), max(self.peak_pss, pss)
            self.peak_processes = max(self.peak_processes, count)
            if self.cap_kb and rss > self.cap_kb and not self.over_cap:
                # Stop the build before it takes the machine's memory from everyone else.
                self.over_cap = True
                os.killpg(self.pid, signal.SIGKILL)
            sample += 1
            self.stopped.wait(self.interval)

    def stop(self) -> None:
        self.stopped.set()
        self.join()


def build_in_child(engine: str, corpus: Path, meta_dir: Path, index: Path, log: Path, jobs: int,
                   timeout: float | None, memory_cap_mb: float | None = None) -> dict:
    """Build one engine's index in a child process; return its seconds and memory peaks."""
    result_file = index.parent / f"{index.name}.{engine}.json"
    progress = index.parent / f"{index.name}.{engine}.progress.json"
    for stale in (result_file, progress):
        stale.unlink(missing_ok=True)
    command = [sys.executable, "-m", "bench.peers", "build", engine, str(corpus), str(meta_dir), str(index),
               str(result_file), "--jobs", str(jobs), "--progress", str(progress)]
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    with open(log, "ab") as log_handle:
        # A session of its own, so a timeout can stop the child and its workers together.
        child = subprocess.Popen(command, cwd=ROOT, stdout=log_handle, stderr=log_handle, start_new_session=True)
        sampler = TreeSampler(child.pid, cap_kb=int(memory_cap_mb * 1024) if memory_cap_mb else None)
        sampler.start()
        timer = None
        if timeout:
            timer = threading.Timer(timeout, lambda: os.killpg(child.pid, signal.SIGKILL))
            timer.start()
        # wait4 returns the child's own resource usage, which includes its reaped workers.
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        if timer:
            timer.cancel()
        sampler.stop()
    wall = time.perf_counter() - started
    measured = {"returncode": child.returncode, "wall_seconds": round(wall, 3),
                "peak_tree_rss_mb": round(sampler.peak_rss / 1024, 1),
                "peak_tree_pss_mb": round(sampler.peak_pss / 1024, 1),
                "peak_processes": sampler.peak_processes,
                # ru_maxrss is the largest single process (kB on Linux), not a sum. Linux counts
                # the forked child before exec too, when it still maps this process's pages:
                # after the query phase (texts held for the scan) that exceeds the build's own.
                "max_process_rss_mb": round(usage.ru_maxrss / 1024, 1),
                # CPU seconds of the child and its workers: well below wall x jobs means
                # the build waited, on I/O or on other work competing for the cores.
                "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 2),
                "loadavg_1min": [round(load_before, 2), round(os.getloadavg()[0], 2)]}
    if child.returncode == 0 and result_file.exists():
        inner = json.loads(result_file.read_text(encoding="utf-8"))
        measured.update({k: v for k, v in inner.items() if k != "seconds"})
        measured["seconds"] = round(inner["seconds"], 3)
    else:
        if sampler.over_cap:
            measured["error"] = f"stopped at {memory_cap_mb:.0f} MB of process-tree RSS after {wall:.0f} s"
        elif timeout and wall >= timeout:
            measured["error"] = f"stopped after {timeout:.0f} s"
        else:
            measured["error"] = f"exit status {child.returncode}; see {log}"
        if progress.exists():  # the stages that did finish
            measured.update(json.loads(progress.read_text(encoding="utf-8")))
    return measured


def folder_mb(path: Path) -> float:
    """Return the size of every file under a folder, in MB."""
    total = sum(f.stat().st_size for f in Path(path).rglob("*") if f.is_file())
    return round(total / 2**20, 1)


# ---- timing and exactness --------------------------------------------------------------------


def percentile(values: list[float], fraction: float) -> float:
    """Return the nearest-rank percentile of values."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * fraction // 1))
    return ordered[int(rank) - 1]


def time_query(searcher, spec: dict, runs: int) -> dict:
    """Run a query once to warm up, then `runs` times; return median and p95 in ms."""
    answer = searcher.run(spec)
    times, cpu = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        searcher.run(spec)
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    # CPU time beside wall time: when another program competes for the cores, wall time
    # grows and CPU time does not.
    return {"median_ms": round(statistics.median(times), 2), "p95_ms": round(percentile(times, 0.95), 2),
            "cpu_median_ms": round(statistics.median(cpu), 2), "runs": runs, "total": answer["total"],
            "hits": answer["hits"], "snippets": answer["snippets"]}


def reference(texts: list[dict], spec: dict) -> dict[str, int]:
    """Scan texts for a spec: {id: occurrences} of speeches holding every term and passing the filters."""
    found = {}
    filters = spec.get("filters") or {}
    for row in texts:
        if any(row.get(field) != value for field, value in filters.items()):
            continue
        paragraphs = row["text"].split("\n")
        # Leftmost non-overlapping occurrences within paragraphs: str.count, as the README defines.
        counts = [sum(p.count(term) for p in paragraphs) for term in spec["terms"]]
        if all(counts):
            found[row["id"]] = sum(counts)
    return found


def scan(texts: list[dict], spec: dict) -> list[list[int]]:
    """Count a spec's terms in every text held in memory, then filter: the scan issue 17's target is a tenth of.

    Every text is scanned, filtered or not, as FINDINGS.md timed its scan (1-2 s at 100,000).
    """
    filters = spec.get("filters") or {}
    counts = [[row["text"].count(term) for term in spec["terms"]] for row in texts]
    return [c for c, row in zip(counts, texts) if all(row.get(field) == value for field, value in filters.items())]


def exactness(searcher, texts: list[dict], spec: dict) -> dict:
    """Compare an engine's matching speeches (and counts, when it gives them) with the scan."""
    begun = time.perf_counter()
    scan(texts, spec)
    scan_ms = (time.perf_counter() - begun) * 1000
    expected = reference(texts, spec)
    found, totals = searcher.matches(spec)
    both = set(found) & set(expected)
    recall = len(both) / len(expected) if expected else 1.0
    precision = len(both) / len(found) if found else 1.0
    report = {"expected": len(expected), "found": len(found), "recall": round(recall, 4),
              "precision": round(precision, 4), "scan_ms": round(scan_ms, 2)}
    if totals:
        report["occurrences_expected"] = sum(expected.values())
        report["occurrences_found"] = totals["occurrences"]
        report["counts_exact"] = (
            totals["total"] == len(expected) and totals["occurrences"] == sum(expected.values())
            and all(found.get(k) == v for k, v in expected.items()))
    report["exact"] = recall == 1.0 and precision == 1.0 and report.get("counts_exact", True)
    return report


def metadata_agreement(texts: list[dict], meta: list) -> dict:
    """Return the share of speeches whose metadata our indexer read as the generator wrote it."""
    chosen = {m.file: m for m in meta}
    agree = {"province": 0, "year": 0, "speaker": 0}
    for row in texts:
        m = chosen.get(row["file"])
        if m is None:
            continue
        agree["province"] += row["province"] == m.province
        agree["year"] += row["year"] == str(m.year)
        agree["speaker"] += row["speaker"] == m.speaker
    return {k: round(v / max(1, len(texts)), 4) for k, v in agree.items()}


# ---- targets and the FINDINGS.md check -------------------------------------------------------

# FINDINGS.md, "Peer figures": (low, high) per N; a single figure is (x, x).
FINDINGS = {
    "fts5": {"build_s": {500: (2.5, 2.5), 5000: (28, 28)}, "peak_mb": {5000: (30, 30)},
             "index_mb": {5000: (396, 396)}, "phrase_ms": {500: (4, 10), 5000: (7, 58)}},
    "whoosh_jieba": {"build_s": {500: (24, 24), 5000: (272, 295)}, "peak_mb": {5000: (1100, 1200)},
                     "index_mb": {5000: (242, 242)}, "phrase_ms": {500: (1, 16), 5000: (7, 330)}},
}


# What FINDINGS.md measured of its machine itself: jieba's speed (precise mode, HMM on) and an
# in-memory substring scan of every text for one phrase. Measured again here, they tell how
# much slower or faster this machine runs pure Python and C than that one did.
FINDINGS_JIEBA_MB_S = 1.4
FINDINGS_SCAN_MS = {500: (3, 5), 5000: (35, 75)}


def calibrate(corpus: Path, n: int) -> dict:
    """Measure jieba's speed and the in-memory scan on this machine, beside FINDINGS.md's figures."""
    import jieba

    from indexer.segment import init_jieba

    init_jieba()
    texts = [path.read_text(encoding="utf-8") for path in sorted(Path(corpus).iterdir())]
    sample = texts[:100]
    started = time.perf_counter()
    for text in sample:
        jieba.lcut(text)
    jieba_mb_s = sum(len(text.encode("utf-8")) for text in sample) / 1e6 / (time.perf_counter() - started)
    scans = []
    for phrase in PHRASES:
        started = time.perf_counter()
        sum(text.count(phrase) for text in texts)
        scans.append((time.perf_counter() - started) * 1000)
    result = {"jieba_mb_per_s": round(jieba_mb_s, 3), "findings_jieba_mb_per_s": FINDINGS_JIEBA_MB_S,
              "python_factor": round(FINDINGS_JIEBA_MB_S / jieba_mb_s, 2),
              "scan_ms": [round(min(scans), 2), round(max(scans), 2)]}
    if n in FINDINGS_SCAN_MS:
        low, high = FINDINGS_SCAN_MS[n]
        result["findings_scan_ms"] = [low, high]
        result["c_factor"] = round(statistics.median(scans) / ((low + high) / 2), 2)
    return result


def findings_check(n: int, engines: dict, calibration: dict | None = None) -> dict:
    """Compare the peers' figures with FINDINGS.md's at the same N: within ±30% of its range.

    Times are also judged against FINDINGS' range scaled by how fast this machine is (the
    calibration's factors: pure Python for Whoosh + jieba, C for SQLite); sizes are not scaled.
    """
    calibration = calibration or {}
    factors = {"whoosh_jieba": calibration.get("python_factor"),
               "fts5": calibration.get("c_factor", calibration.get("python_factor"))}
    checks = {}
    for engine, figures in FINDINGS.items():
        measured = engines.get(engine)
        if not measured or "seconds" not in measured["build"]:
            continue
        values = {"build_s": (measured["build"]["seconds"],) * 2,
                  "peak_mb": (measured["build"]["peak_tree_rss_mb"],) * 2,
                  "index_mb": (measured["build"]["index_mb"],) * 2}
        shape = measured.get("findings_shape_ms")
        if engine == "fts5" and shape:
            # FINDINGS' FTS5 figures are of phrases it answers: three characters and more.
            shape = {name: ms for name, ms in shape.items() if len(name) >= 3}
        if shape:
            values["phrase_ms"] = (min(shape.values()), max(shape.values()))
        for figure, by_n in figures.items():
            if n not in by_n or figure not in values:
                continue
            low, high = by_n[n]
            got = values[figure]
            check = {"findings": [low, high], "measured": [round(got[0], 2), round(got[1], 2)],
                     "within_30pct": 0.7 * low <= got[0] and got[1] <= 1.3 * high}
            factor = factors.get(engine)
            if factor and figure in ("build_s", "phrase_ms"):
                check["machine_factor"] = factor
                check["within_30pct_scaled"] = 0.7 * low * factor <= got[0] and got[1] <= 1.3 * high * factor
            checks[f"{engine}.{figure}"] = check
    return checks


def evaluate_targets(engines: dict, specs: list[dict], n: int = 0) -> dict:
    """Judge the issue's targets on what was measured; None where a needed engine is missing."""
    ours = engines.get("ours")
    if not ours or "chars_per_s" not in ours.get("build", {}):
        return {}
    targets = {}
    for peer, name, target in (("whoosh_jieba", "build_throughput_vs_naive", 1.5), ("fts5", "build_throughput_vs_fts5", 1.0)):
        other = engines.get(peer, {}).get("build", {})
        if "chars_per_s" in other:
            ratio = ours["build"]["chars_per_s"] / other["chars_per_s"]
            targets[name] = {"ratio": round(ratio, 3), "target": target, "met": ratio >= target}
    peak = ours["build"]["peak_tree_rss_mb"]
    # 1 GB was the first round's bound at 5,000 speeches; at 100,000 the build may hold 1.5 GB.
    cap = 1536 if n >= 100_000 else 1024
    targets["peak_memory_mb"] = {"measured": peak, "target": cap, "met": peak <= cap}
    if "queries" not in ours:
        return targets
    targets["ours_exact_on_every_query"] = all(q["exact"] for q in ours["queries"].values())
    slowest = max(q["p95_ms"] for q in ours["queries"].values())
    targets["query_p95_ms"] = {"slowest": slowest, "target": 50, "met": slowest <= 50,
                               "over": [n for n, q in ours["queries"].items() if q["p95_ms"] > 50]}
    fts5 = engines.get("fts5", {}).get("queries")
    if fts5:
        # The trigram tokenizer finds no term shorter than three characters: where such a query
        # has no match in the corpus its empty answer is right by chance, not an answer.
        short = {spec["name"] for spec in specs if min(len(t) for t in spec["terms"]) < 3}
        compared = {name: round(ours["queries"][name]["p95_ms"] / max(fts5[name]["p95_ms"], 1e-6), 2)
                    for name in fts5 if fts5[name]["exact"] and name not in short}
        targets["query_p95_vs_fts5"] = {"ratios": compared, "target": 1.0,
                                        "met": all(r <= 1.0 for r in compared.values()),
                                        "fts5_inexact": [name for name in fts5 if not fts5[name]["exact"]],
                                        "fts5_cannot_answer": sorted(short & set(fts5))}
    if all("scan_ms" in q for q in ours["queries"].values()):
        versus_scan = {name: round(q["p95_ms"] / max(q["scan_ms"], 1e-6), 3) for name, q in ours["queries"].items()}
        targets["query_p95_vs_scan"] = {"ratios": versus_scan, "target": 0.1,
                                        "met": all(r <= 0.1 for r in versus_scan.values())}
    serving = ours.get("serving_memory")
    if serving and "rss_anon_mb" in serving:
        targets["serving_rss_anon_mb"] = {"measured": serving["rss_anon_mb"], "target": 1024,
                                          "met": serving["rss_anon_mb"] <= 1024}
    reindex = ours.get("reindex")
    if reindex and "ratio" in reindex:
        targets["reindex_one_file"] = {"ratio": reindex["ratio"], "target": 0.1, "met": reindex["ratio"] < 0.1}
    elif reindex and "ratio_at_least" in reindex:
        targets["reindex_one_file"] = {"ratio_at_least": reindex["ratio_at_least"], "target": 0.1, "met": False}
    else:
        targets["reindex_one_file"] = {"met": None, "note": (reindex or {}).get("note", "not measured")}
    return targets


# ---- patterns, collocates, keywords ------------------------------------------------------------

# Patterns with a literal fragment, each beside the phrase query of its fragment: two of fixed
# width, which the pair postings verify alone, and one whose matches are verified by reading the
# paragraphs that hold the fragment ([^，。] is no class the postings can spell out).
ANALYSIS_PATTERNS = [("/[一二三四五六七八九十]个一批/", "个一批"), ("/三.四新/", "四新"), ("/三[^，。]四新/", "四新")]
# The collocates are of the phrase with occurrences nearest this many.
COLLOCATE_OCCURRENCES = 1000
COLLOCATE_CANDIDATES = PHRASES + ["改革", "项目", "企业", "经济", "发展", "工作", "政府", "产业", "群众"]


def median_ms(call, runs: int) -> float:
    """Run call once to warm up, then `runs` times; return the median wall time in ms."""
    call()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(times), 2)


def analysis_bench(index: Path, runs: int, log=print) -> dict:
    """Time patterns, collocates and keywords against the queries and scans the issue compares them with, in one run.

    Targets: a pattern with a literal fragment within 3x the phrase query of its fragment;
    the collocates of a phrase with ~1,000 occurrences within 2x its concordance export;
    keywords of one year against the rest (words) within one in-memory scan of every text.
    N-gram keywords are measured beside them (one run, with room past the time limit).
    """
    from search import Corpus
    from search.export import csv_lines
    from search.snippets import kwic_columns

    corpus = Corpus(index)
    generation = corpus.generation()
    found: dict = {"patterns": {}}
    for pattern, fragment in ANALYSIS_PATTERNS:
        pattern_ms = median_ms(lambda: corpus.search(pattern), runs)
        phrase_ms = median_ms(lambda: corpus.search(f'"{fragment}"'), runs)
        found["patterns"][pattern] = {
            "fragment": fragment, "pattern_ms": pattern_ms, "phrase_ms": phrase_ms,
            "ratio": round(pattern_ms / max(phrase_ms, 1e-6), 2), "speeches": corpus.search(pattern)["total"],
            "fragment_speeches": corpus.search(f'"{fragment}"')["total"]}
    occurrences = {phrase: corpus.search(f'"{phrase}"', facets=False)["occurrences"] for phrase in COLLOCATE_CANDIDATES}
    phrase = min(occurrences, key=lambda p: (abs(occurrences[p] - COLLOCATE_OCCURRENCES), p))

    def export() -> int:
        result = corpus.kwic(phrase)
        context = {"query": phrase, "filters": "{}", "index_version": result["index_version"]}
        return sum(1 for _ in csv_lines(result["rows"], kwic_columns(), context))

    years = corpus.overview()["facets"]["year"]
    year = max((y for y in years if y != "未知"), key=lambda y: (years[y], y))
    cold = Corpus(index)
    started = time.perf_counter()
    cold.keywords("", {"year": year})  # builds the word table of the generation
    keyness_cold_ms = round((time.perf_counter() - started) * 1000, 2)
    texts = [generation.text(i) for i in range(len(generation))]
    collocates_ms = median_ms(lambda: corpus.collocates(phrase), runs)
    export_ms = median_ms(export, runs)
    found["collocates"] = {"phrase": phrase, "occurrences": occurrences[phrase], "collocates_ms": collocates_ms,
                           "export_ms": export_ms, "ratio": round(collocates_ms / max(export_ms, 1e-6), 2)}
    keyness_ms = median_ms(lambda: corpus.keywords("", {"year": year}), runs)
    scan_ms = median_ms(lambda: sum(text.count("发展") for text in texts), runs)
    found["keywords"] = {"year": year, "speeches": years[year], "keyness_ms": keyness_ms, "first_call_ms": keyness_cold_ms,
                         "scan_ms": scan_ms, "ratio": round(keyness_ms / max(scan_ms, 1e-6), 2)}
    roomy = Corpus(index, {"query_time_limit_ms": 3_600_000})
    started = time.perf_counter()
    ngrams = roomy.keywords("", {"year": year}, unit="ngram")
    ngram_ms = round((time.perf_counter() - started) * 1000, 2)
    found["ngram_keywords"] = {"year": year, "ms": ngram_ms, "items": ngrams["total"],
                               "within_time_limit": ngram_ms <= corpus.settings["query_time_limit_ms"]}
    ratios = {p: v["ratio"] for p, v in found["patterns"].items()}
    found["targets"] = {
        "pattern_vs_phrase": {"ratios": ratios, "target": 3.0, "met": all(r <= 3.0 for r in ratios.values())},
        "collocates_vs_export": {"ratio": found["collocates"]["ratio"], "target": 2.0,
                                 "met": found["collocates"]["ratio"] <= 2.0},
        "keyness_vs_scan": {"ratio": found["keywords"]["ratio"], "target": 1.0, "met": found["keywords"]["ratio"] <= 1.0},
        "ngram_keywords_ms": {"measured": ngram_ms, "within_time_limit": found["ngram_keywords"]["within_time_limit"]},
    }
    log("  analysis: " + json.dumps(found, ensure_ascii=False))
    return found


# ---- the run ---------------------------------------------------------------------------------


def run(n: int, runs: int, out: Path | None, engines: list[str], workdir: Path | None, jobs: int = 2,
        whoosh_runs: int | None = None, build_timeout: float | None = None, keep: bool = False,
        reindex_cap: float = 1.0, queries_only: bool = False, memory_cap_mb: float | None = None,
        flood: dict | None = None, flood_only: bool = False, log=print, pool: Path = generate.SHIPPED,
        builds_only: bool = False, research_tools: bool = True) -> dict:
    """Run the whole benchmark and return (and write) its results.

    With `queries_only`, the corpus and indexes already in `workdir` are searched again and
    the build figures are taken from the results already in `out`: for re-timing queries on
    a quiet machine without rebuilding. With `builds_only`, the engines are built and
    measured and nothing is searched: for sizes where timing queries would take hours. With
    `flood` ({"n", "clients", "seconds"}) the flood of exports runs too (bench/flood.py); with
    `flood_only`, nothing else does. Without `research_tools`, comparisons, patterns,
    collocates and keywords are not timed (their targets are set at 5,000 speeches).
    """
    if queries_only and (workdir is None or out is None or not Path(out).exists()):
        raise ValueError("queries_only needs the workdir and the results file of an earlier run")
    temporary = workdir is None
    workdir = Path(workdir or tempfile.mkdtemp(prefix="speeches-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    corpus = workdir / "corpus"
    specs = query_set()
    results: dict = {
        "n": n, "runs": runs, "jobs": jobs, "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "sqlite": sqlite3.sqlite_version, "platform": platform.platform(),
                    "loadavg_1min_at_start": round(os.getloadavg()[0], 2)},
        "queries": specs, "engines": {},
    }
    try:
        if not flood_only:
            if queries_only:
                previous = json.loads(Path(out).read_text(encoding="utf-8"))
                if previous["n"] != n:
                    raise ValueError(f"{out} holds a run with N = {previous['n']}, not {n}")
                meta = generate.load_meta(workdir)
                results["corpus"] = previous["corpus"]
                results["builds_from"] = previous["started"]
                for engine in engines:
                    kept = previous["engines"][engine]
                    results["engines"][engine] = {k: kept[k] for k in ("build", "reindex") if k in kept}
            else:
                meta = build_all(n, engines, workdir, jobs, build_timeout, results, log, memory_cap_mb, pool)
            if builds_only:
                results["targets"] = evaluate_targets(results["engines"], specs, n)
                results["finished"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
                return _save(results, out)
            results["calibration"] = calibrate(corpus, n)
            log("machine calibration: " + json.dumps(results["calibration"]))
            time_all(engines, specs, runs, whoosh_runs, workdir, meta, results, log)
            if "ours" in engines and "seconds" in results["engines"]["ours"]["build"] and not queries_only:
                full = results["engines"]["ours"]["build"]["seconds"]
                # A re-index slower than the cap has failed the < 10% target whatever its end.
                cap = min(filter(None, [build_timeout, reindex_cap * full if reindex_cap else None]), default=None)
                results["engines"]["ours"]["reindex"] = reindex(corpus, workdir, workdir / "build.log", jobs, cap, full,
                                                                memory_cap_mb)
                log("  ours re-index: " + json.dumps(results["engines"]["ours"]["reindex"], ensure_ascii=False))
            if research_tools and "ours" in engines and "seconds" in results["engines"]["ours"]["build"]:
                results["compare"] = compare_timing(workdir / "index-ours", runs)
                log("  compare: " + json.dumps(results["compare"], ensure_ascii=False))
            if research_tools and "ours" in engines and "queries" in results["engines"]["ours"]:
                results["analysis"] = analysis_bench(workdir / "index-ours", runs, log)
            if "ours" in engines and "queries" in results["engines"]["ours"]:
                results["engines"]["ours"]["serving_memory"] = serving_memory(workdir / "index-ours")
                log("  ours serving memory: " + json.dumps(results["engines"]["ours"]["serving_memory"]))
            results["startup"] = startup(workdir)
            log("  start-up: " + json.dumps(results["startup"], ensure_ascii=False))
            results["targets"] = evaluate_targets(results["engines"], specs, n)
            results["targets"]["startup"] = results["startup"]["targets"]
            if "compare" in results:
                results["targets"]["compare_vs_searches"] = results["compare"]["target"]
            results["targets"].update(results.get("analysis", {}).get("targets", {}))
            results["findings_check"] = findings_check(n, results["engines"], results.get("calibration"))
        if flood is not None or flood_only:
            from bench import flood as flooding

            results["flood"] = flooding.run_flood(workdir, log=log, **(flood or {}))
            results.setdefault("targets", {})["flood"] = results["flood"]["targets"]
        results["finished"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    finally:
        if temporary and not keep:
            shutil.rmtree(workdir, ignore_errors=True)
    return _save(results, out)


def _save(results: dict, out: Path | None) -> dict:
    """Write the results to `out` (when given) and return them."""
    if out:
        out = Path(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    return results


COMPARE_TERMS = ["稳中求进", "高质量发展", "营商环境", "双过半", "招商引资"]


def compare_timing(index: Path, runs: int) -> dict:
    """Time a comparison of five terms by year and by province x year against one search of each term.

    Target: each comparison within 2x the sum of the five searches' medians, in one run.
    """
    from search import Corpus

    corpus = Corpus(index)
    runs = max(3, runs)
    searches = {term: median_ms(lambda term=term: corpus.search(term), runs) for term in COMPARE_TERMS}
    total = round(sum(searches.values()), 2)
    by_year = median_ms(lambda: corpus.compare(COMPARE_TERMS, "year"), runs)
    crossed = median_ms(lambda: corpus.compare(COMPARE_TERMS, ["province", "year"]), runs)
    ratios = {"year": round(by_year / total, 2) if total else None,
              "province,year": round(crossed / total, 2) if total else None}
    return {"terms": COMPARE_TERMS, "search_ms": searches, "searches_total_ms": total,
            "compare_ms": {"year": by_year, "province,year": crossed}, "ratios": ratios,
            "target": {"ratios": ratios, "target": 2.0, "met": all(r is not None and r <= 2.0 for r in ratios.values())}}


def _median_seconds(command: list[str], runs: int) -> float:
    """Return the median wall time of running a command, its output thrown away."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - started)
    return round(statistics.median(times), 4)


def _rss_anon_mb() -> float:
    """Return this process's anonymous resident memory (mapped index files do not count)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("RssAnon:"):
            return round(int(line.split()[1]) / 1024, 1)
    raise RuntimeError("/proc/self/status gives no RssAnon")


def serving_memory_child(index: str, rounds: int = 10, exports: int = 10) -> dict:
    """Serve as the web app does: open the index, run the query set `rounds` times and `exports` concordance exports.

    Returns RssAnon after opening, after the queries and after the exports (run in a child
    process of its own, so nothing the bench holds is counted).
    """
    searcher = peers.OursSearcher(Path(index))
    memory = {"after_open_mb": _rss_anon_mb()}
    specs = query_set()
    for _ in range(rounds):
        for spec in specs:
            searcher.run(spec)
    memory["after_queries_mb"] = _rss_anon_mb()
    exported = 0
    for spec in specs[:exports]:
        concordance = searcher.corpus.kwic_rows(searcher.query_string(spec), searcher.filters(spec))
        exported += sum(1 for _ in concordance["rows"])
    memory.update(after_exports_mb=_rss_anon_mb(), exported_rows=exported, rounds=rounds, exports=exports)
    memory["rss_anon_mb"] = max(memory["after_queries_mb"], memory["after_exports_mb"])
    return memory


def serving_memory(index: Path) -> dict:
    """Measure the serving process's anonymous memory (issue 17's bound: 1 GB at 100,000 speeches)."""
    code = f"import json; from bench.run import serving_memory_child; print(json.dumps(serving_memory_child({str(index)!r})))"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1:] or ["failed"]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def startup(workdir: Path, runs: int = 11) -> dict:
    """Time the `speeches` command's start against bare Python imports, as ratios in one run.

    Targets: `speeches --help` within 2x of `python -c "import click"`, and a search of the
    shipped corpus (and every other reading command) within 3x of `python -c "import numpy"`.
    """
    index = workdir / "index-shipped"
    command = [str(Path(sys.executable).parent / "speeches")]  # the console script a user runs
    subprocess.run(command + ["index", "--corpus", str(ROOT / "corpus"), "--index", str(index)],
                   stdout=subprocess.DEVNULL, check=True, cwd=ROOT)
    base = {"import click": _median_seconds([sys.executable, "-c", "import click"], runs),
            "import numpy": _median_seconds([sys.executable, "-c", "import numpy"], runs)}
    first = next(iter(_speech_ids(index)))
    commands = {"--help": ["--help"], "search": ["search", "双过半"], "kwic": ["kwic", "双过半"],
                "show": ["show", first], "list": ["list"], "export": ["search", "双过半", "--csv"]}
    seconds = {name: _median_seconds(command + args + ([] if name == "--help" else ["--index", str(index)]), runs)
               for name, args in commands.items()}
    ratios = {name: round(value / base["import click" if name == "--help" else "import numpy"], 2)
              for name, value in seconds.items()}
    targets = {"help_vs_click": {"ratio": ratios["--help"], "target": 2.0, "met": ratios["--help"] <= 2.0},
               "commands_vs_numpy": {"slowest": max(v for k, v in ratios.items() if k != "--help"), "target": 3.0,
                                     "met": all(v <= 3.0 for k, v in ratios.items() if k != "--help")}}
    return {"base_s": base, "seconds": seconds, "ratios": ratios, "targets": targets}


def _speech_ids(index: Path) -> list[str]:
    """Return the ids of an index's speeches."""
    from search import Corpus

    return [s["id"] for s in Corpus(index).speeches()]


def build_all(n: int, engines: list[str], workdir: Path, jobs: int, build_timeout, results: dict, log,
              memory_cap_mb: float | None = None, pool: Path = generate.SHIPPED) -> list:
    """Generate the corpus from a pool of paragraphs and build every engine's index, each in a child process."""
    corpus = workdir / "corpus"
    if corpus.exists():
        shutil.rmtree(corpus)
    started = time.perf_counter()
    meta = generate.generate(n, workdir, pool=pool)
    chars = sum(m.chars for m in meta)
    results["corpus"] = {"speeches": len(meta), "chars": chars, "pool": str(Path(pool).resolve()),
                         "mb": round(sum(f.stat().st_size for f in corpus.iterdir()) / 2**20, 1),
                         "generate_seconds": round(time.perf_counter() - started, 2)}
    log(f"generated {len(meta)} speeches, {chars:,} characters in {corpus}")
    for engine in engines:
        index = workdir / f"index-{engine}"
        if index.exists():
            shutil.rmtree(index)
        log(f"building {engine} …")
        build = build_in_child(engine, corpus, workdir, index, workdir / "build.log", jobs, build_timeout,
                               memory_cap_mb)
        if "seconds" in build:
            build["chars_per_s"] = round(chars / build["seconds"])
            build["index_mb"] = folder_mb(index)
        results["engines"][engine] = {"build": build}
        log(f"  {engine}: " + json.dumps(build, ensure_ascii=False))
    return meta


def time_all(engines: list[str], specs: list[dict], runs: int, whoosh_runs, workdir: Path, meta: list,
             results: dict, log) -> None:
    """Time every query on every built engine and judge its answers against the scan."""
    for engine in engines:
        entry = results["engines"][engine]
        if "seconds" not in entry["build"]:
            continue
        searcher = peers.open_searcher(engine, workdir / f"index-{engine}", workdir / "corpus", workdir)
        entry["query_loadavg_1min"] = [round(os.getloadavg()[0], 2)]
        try:
            texts = searcher.texts()
            if engine == "ours":
                entry["disabled_caches"] = searcher.disabled_caches
                entry["metadata_agreement"] = metadata_agreement(texts, meta)
            engine_runs = whoosh_runs if engine == "whoosh_jieba" and whoosh_runs else runs
            entry["queries"] = {}
            for spec in specs:
                timing = time_query(searcher, spec, engine_runs)
                timing.update(exactness(searcher, texts, spec))
                entry["queries"][spec["name"]] = timing
                log(f"  {engine} {spec['name']}: {timing['median_ms']} / {timing['p95_ms']} ms, "
                    f"recall {timing['recall']}, precision {timing['precision']}")
            if hasattr(searcher, "run_findings_shape"):
                entry["findings_shape_ms"] = {}
                for spec in specs[: len(PHRASES)]:
                    searcher.run_findings_shape(spec)
                    times = []
                    for _ in range(engine_runs):
                        begun = time.perf_counter()
                        searcher.run_findings_shape(spec)
                        times.append((time.perf_counter() - begun) * 1000)
                    entry["findings_shape_ms"][spec["name"]] = round(statistics.median(times), 2)
        finally:
            searcher.close()
        entry["query_loadavg_1min"].append(round(os.getloadavg()[0], 2))


def reindex(corpus: Path, workdir: Path, build_log: Path, jobs: int, timeout, full_seconds: float,
            memory_cap_mb: float | None = None) -> dict:
    """Change one file and rebuild our index, when build_index can do that incrementally."""
    if not peers.incremental_available():
        return {"available": False, "note": "not yet available: build_index has no incremental mode"}
    changed = sorted(corpus.iterdir())[0]
    with open(changed, "a", encoding="utf-8") as handle:
        handle.write("会议要求，各地各部门要把这次会议精神迅速传达下去，确保各项任务落到实处。\n")
    build = build_in_child("ours_reindex", corpus, workdir, workdir / "index-ours", build_log, jobs, timeout,
                           memory_cap_mb)
    if "seconds" in build:
        build["ratio"] = round(build["seconds"] / full_seconds, 4)
    elif timeout and build["wall_seconds"] >= timeout:
        build["ratio_at_least"] = round(build["wall_seconds"] / full_seconds, 4)
    build["available"] = True
    return build


def table(results: dict) -> str:
    """Render the results as a plain-text table."""
    engines = results["engines"]
    if not engines and results.get("flood"):
        return flood_lines(results["flood"])
    names = list(engines)
    lines = [f"N = {results['n']} speeches, {results.get('corpus', {}).get('chars', 0):,} characters; "
             f"{results['runs']} warm runs per query"]
    header = f"{'':28}" + "".join(f"{name:>24}" for name in names)
    lines += ["", header, "-" * len(header)]

    def row(label, values, scan=""):
        lines.append(f"{label:28}" + "".join(f"{v:>24}" for v in values) + scan)

    builds = [engines[e]["build"] for e in names]
    row("build s", [str(b.get("seconds", b.get("error", "?")))[:22] for b in builds])
    row("chars/s", [f"{b['chars_per_s']:,}" if "chars_per_s" in b else "-" for b in builds])
    row("CPU s (child + workers)", [str(b.get("cpu_seconds", "-")) for b in builds])
    row("peak RSS tree MB (PSS)", [f"{b['peak_tree_rss_mb']} ({b['peak_tree_pss_mb']})" for b in builds])
    row("max process RSS MB", [str(b["max_process_rss_mb"]) for b in builds])
    row("index MB", [str(b.get("index_mb", "-")) for b in builds])
    lines += ["", "query: median / p95 ms  recall/precision; last: a scan of the texts in memory, ms"]
    for spec in results["queries"]:
        scans = [engines[e]["queries"][spec["name"]].get("scan_ms") for e in names
                 if spec["name"] in engines[e].get("queries", {})]
        scan = f"{scans[0]:>14.1f}" if scans and scans[0] is not None else ""
        cells = []
        for e in names:
            q = engines[e].get("queries", {}).get(spec["name"])
            if q is None:
                cells.append("-")
            else:
                mark = "" if q["exact"] else f" R{q['recall']:.2f}/P{q['precision']:.2f}"
                cells.append(f"{q['median_ms']:.1f} / {q['p95_ms']:.1f}{mark or ' exact'}")
        row(spec["name"], cells, scan)
    serving = engines.get("ours", {}).get("serving_memory")
    if serving and "rss_anon_mb" in serving:
        lines += ["", f"serving RssAnon MB: {serving['after_open_mb']} opened, {serving['after_queries_mb']} after the "
                      f"queries x{serving['rounds']}, {serving['after_exports_mb']} after {serving['exports']} concordance "
                      f"exports ({serving['exported_rows']:,} rows)"]
    elif serving:
        lines += ["", f"serving memory: {serving.get('error')}"]
    reindex_result = engines.get("ours", {}).get("reindex")
    if reindex_result:
        lines.append("")
        if not reindex_result.get("available"):
            verdict = reindex_result["note"]
        elif "ratio" in reindex_result:
            verdict = f"{reindex_result['seconds']} s ({reindex_result['ratio']} of a full build)"
        else:
            verdict = f"{reindex_result.get('error')} (at least {reindex_result.get('ratio_at_least')} of a full build)"
        lines.append("ours re-index after one changed file: " + verdict)
    if results.get("flood"):
        lines += ["", flood_lines(results["flood"])]
    analysis = results.get("analysis")
    if analysis:
        lines += ["", "patterns, collocates, keywords (median ms):"]
        for pattern, entry in analysis["patterns"].items():
            lines.append(f"  {pattern}: {entry['pattern_ms']} vs \"{entry['fragment']}\" {entry['phrase_ms']} "
                         f"(x{entry['ratio']}, target <= 3)")
        entry = analysis["collocates"]
        lines.append(f"  collocates of {entry['phrase']} ({entry['occurrences']} occurrences): {entry['collocates_ms']} "
                     f"vs its concordance export {entry['export_ms']} (x{entry['ratio']}, target <= 2)")
        entry = analysis["keywords"]
        lines.append(f"  keywords of {entry['year']} against the rest, words: {entry['keyness_ms']} (first call "
                     f"{entry['first_call_ms']}) vs one scan of every text {entry['scan_ms']} (x{entry['ratio']}, target <= 1)")
        entry = analysis["ngram_keywords"]
        lines.append(f"  keywords of {entry['year']} against the rest, n-grams: {entry['ms']} ({entry['items']} items)")
    if results.get("targets"):
        lines += ["", "targets:"]
        for name, verdict in results["targets"].items():
            lines.append(f"  {name}: {json.dumps(verdict, ensure_ascii=False)}")
    if results.get("findings_check"):
        calibration = results.get("calibration", {})
        lines += ["", "peers against FINDINGS.md (±30%), and against its figures scaled by this machine's speed:",
                  f"  this machine: jieba {calibration.get('jieba_mb_per_s')} MB/s (FINDINGS "
                  f"{calibration.get('findings_jieba_mb_per_s')}), scan {calibration.get('scan_ms')} ms "
                  f"(FINDINGS {calibration.get('findings_scan_ms', '-')})"]
        for name, check in results["findings_check"].items():
            scaled = ""
            if "within_30pct_scaled" in check:
                scaled = (f"; x{check['machine_factor']} for this machine: "
                          f"{'within' if check['within_30pct_scaled'] else 'OUTSIDE'}")
            lines.append(f"  {name}: findings {check['findings']}, measured {check['measured']}, "
                         f"{'within' if check['within_30pct'] else 'OUTSIDE'}{scaled}")
    return "\n".join(lines)


def flood_lines(flood: dict) -> str:
    """Render the flood's figures: the probe during against idle, memory, recovery, what the flooders got."""
    during, idle = flood["during"], flood["idle"]
    return "\n".join([
        f"flood: {flood['clients']} clients x {flood['seconds']:g} s exporting 的 from {flood['n']} speeches, "
        "`speeches serve` on loopback",
        f"  cheap probe p95: {during.get('p95_ms')} ms during / {idle.get('p95_ms')} ms idle = "
        f"{flood['probe_p95_ratio']}x (target <= 20x), {during['lost']} of {during['probes'] + during['lost']} lost",
        f"  server peak RSS {flood['server_peak_rss_mb']} MB (target <= 1536); normal service "
        f"{flood['recovery_s']} s after the flood (target <= 5)",
        f"  the flood got: {json.dumps(flood['flood'], ensure_ascii=False)}",
    ])


def main(argv=None) -> int:
    """Run the benchmark from the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=5000, help="speeches to generate")
    parser.add_argument("--runs", type=int, default=20, help="warm runs per query")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "results.json")
    parser.add_argument("--peers", default=",".join(peers.ENGINES),
                        help="engines to run, comma-separated: " + ",".join(peers.ENGINES))
    parser.add_argument("--workdir", type=Path, help="keep corpus and indexes here (default: a temp dir, removed)")
    parser.add_argument("--jobs", type=int, help="worker processes for our build (default: every core, as "
                        "`speeches index` uses)")
    parser.add_argument("--pool", type=Path, default=generate.SHIPPED,
                        help="folder of real text to draw the speeches' paragraphs from, one a line "
                             "(default: the shipped corpus; ../shared/realpool for a real vocabulary)")
    parser.add_argument("--whoosh-runs", type=int, help="warm runs per query for whoosh_jieba (its snippets are slow)")
    parser.add_argument("--build-timeout", type=float, help="stop a build after this many seconds")
    parser.add_argument("--memory-cap-mb", type=float,
                        help="stop a build whose process tree holds more than this much RSS")
    parser.add_argument("--queries-only", action="store_true",
                        help="re-time the queries on the corpus and indexes of an earlier run (same --workdir and --out)")
    parser.add_argument("--builds-only", action="store_true",
                        help="build and measure the engines, search nothing (for N = 100,000)")
    parser.add_argument("--reindex-cap", type=float, default=1.0,
                        help="stop our re-index after this fraction of the full build's time (0: never)")
    parser.add_argument("--no-flood", action="store_true", help="skip the flood of exports (bench/flood.py)")
    parser.add_argument("--no-research-tools", action="store_true",
                        help="skip timing comparisons, patterns, collocates and keywords (for N = 100,000)")
    parser.add_argument("--flood-only", action="store_true", help="run only the flood of exports")
    parser.add_argument("--flood-n", type=int, default=3000, help="speeches of the flood's corpus")
    parser.add_argument("--flood-clients", type=int, default=100, help="clients exporting at once in the flood")
    parser.add_argument("--flood-seconds", type=float, default=20.0, help="how long the flood lasts")
    args = parser.parse_args(argv)
    engines = [e.strip() for e in args.peers.split(",") if e.strip()]
    unknown = set(engines) - set(peers.ENGINES)
    if unknown:
        parser.error(f"unknown engines {sorted(unknown)}; choose from {', '.join(peers.ENGINES)}")
    from indexer.build import every_core

    results = run(args.n, args.runs, args.out, engines, args.workdir, args.jobs or every_core(), args.whoosh_runs,
                  args.build_timeout, reindex_cap=args.reindex_cap, queries_only=args.queries_only,
                  memory_cap_mb=args.memory_cap_mb, pool=args.pool, builds_only=args.builds_only,
                  flood=None if args.no_flood or args.builds_only else {"n": args.flood_n, "clients": args.flood_clients,
                                                                        "seconds": args.flood_seconds},
                  flood_only=args.flood_only, research_tools=not args.no_research_tools,
                  log=lambda m: print(m, flush=True))
    print()
    print(table(results))
    print(f"\nwrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
