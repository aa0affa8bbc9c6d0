"""Issue 24's attacks, measured on loopback against the real commands: each prints its figures as JSON.

    python -m bench.attacks patterns   # a cheap probe's p95 while 8 pattern marks hit speech pages; the
                                       # longest pattern query, on the shipped corpus and on one 20 MB line
    python -m bench.attacks readers    # nested JSON and 1 GB / 4 GB PDF bombs: skips, exit status, peak memory
    python -m bench.attacks kills      # kill -9 of a `--jobs 2` build, 10 times: orphans, then the next build
    python -m bench.attacks citations  # 300 empty and 300 valid POST /cite, a cross-site post, a full disk
    python -m bench.attacks damage     # every one-file damage of an index on the command line and the web
    python -m bench.attacks memory     # the server's memory idle, under floods, and after them
    python -m bench.attacks all        # every one (--workdir DIR keeps what they build; --out FILE the figures)

The targets are issue 24's "Done when"; timings are the machine's, so they live here, never in
the tests.
"""

import argparse
import http.client
import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import zlib
from pathlib import Path

from bench.flood import _free_port, _speeches_command, prepare, request, serve
from bench.run import TreeSampler, children, percentile, running, tree_memory

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "corpus"
PATTERN = "/的.{0,1000}的/"
QUERY_LIMIT_MS = 10_000  # the default query_time_limit_ms


def _speeches(*args, timeout: float = 1800, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([_speeches_command(), *map(str, args)], capture_output=True, text=True, timeout=timeout,
                          cwd=ROOT, **kwargs)


def _index(corpus: Path, index: Path, *args) -> None:
    if not (index / "CURRENT").exists():
        result = _speeches("index", "--corpus", corpus, "--index", index, "--jobs", "2", *args)
        if result.returncode != 0:
            raise RuntimeError(result.stderr)


def _get(port: int, path: str, timeout: float = 120.0) -> tuple[float, int | None]:
    """Time a GET: (seconds, status), status None when the connection failed or timed out."""
    started = time.perf_counter()
    try:
        status, _ = request(port, urllib.parse.quote(path, safe="/?&=%:"), timeout=timeout)
    except OSError:
        status = None
    return time.perf_counter() - started, status


def _times(values: list[float]) -> dict:
    if not values:
        return {"count": 0}
    return {"count": len(values), "p50_ms": round(statistics.median(values) * 1000, 1),
            "p95_ms": round(percentile(values, 0.95) * 1000, 1), "max_ms": round(max(values) * 1000, 1)}


class _Prober(threading.Thread):
    """Ask for cheap pages every 50 ms until stopped; keep each one's time (None: lost)."""

    def __init__(self, port: int, paths: list[str]):
        super().__init__(daemon=True)
        self.port, self.paths, self.times, self.lost = port, paths, [], 0
        self.stopped = threading.Event()

    def run(self) -> None:
        k = 0
        while not self.stopped.is_set():
            seconds, status = _get(self.port, self.paths[k % len(self.paths)], timeout=30)
            if status == 200:
                self.times.append(seconds)
            else:
                self.lost += 1
            k += 1
            self.stopped.wait(0.05)

    def stop(self) -> dict:
        self.stopped.set()
        self.join()
        return dict(_times(self.times), lost=self.lost)


def _hammer(port: int, path: str, clients: int, seconds: float) -> list[tuple[float, int | None]]:
    """Have `clients` threads ask for a path over and over for `seconds`; return every (seconds, status)."""
    stop, answers, lock = time.monotonic() + seconds, [], threading.Lock()

    def client():
        while time.monotonic() < stop:
            answer = _get(port, path, timeout=600)
            with lock:
                answers.append(answer)
            if answer[1] == 503:
                time.sleep(0.05)

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def _statuses(answers) -> dict:
    counted: dict[str, int] = {}
    for _, status in answers:
        counted[str(status)] = counted.get(str(status), 0) + 1
    return counted


# ---- 1 and 2: patterns ---------------------------------------------------------------------------------------


def long_line(path: Path, megabytes: float = 20) -> Path:
    """Write one text of a single line of `megabytes` MB: the shipped paragraphs end to end."""
    paragraphs = [line.strip() for f in sorted(SHIPPED.iterdir()) for line in f.read_text(encoding="utf-8").split("\n")
                  if len(line.strip()) > 20]
    out, size, k = [], 0, 0
    while size < megabytes * 1024 * 1024:
        out.append(paragraphs[k % len(paragraphs)])
        size += len(out[-1].encode("utf-8"))
        k += 1
    path.write_text("在全市经济工作会议上的讲话" + "".join(out) + "\n", encoding="utf-8")
    return path


def patterns(workdir: Path, seconds: float = 30.0) -> dict:
    """Probe p95 while 8 clients mark a pattern on the longest speech; the longest pattern query anywhere."""
    from search import Corpus

    index = workdir / "shipped-index"
    _index(SHIPPED, index)
    speeches = Corpus(index).speeches()
    longest = max(speeches, key=lambda s: s["chars"])["id"]
    other = min(speeches, key=lambda s: s["chars"])["id"]
    result = {"pattern": PATTERN, "query_time_limit_ms": QUERY_LIMIT_MS}
    port = _free_port()
    server = serve(index, port)
    try:
        cheap = ["/static/style.css", f"/speech/{other}", "/static/app.js"]
        idle = [_get(port, cheap[k % 3])[0] for k in range(60)]
        prober = _Prober(port, cheap)
        prober.start()
        attack = _hammer(port, f"/speech/{longest}?q={PATTERN}", clients=8, seconds=seconds)
        result["speech_pages"] = {"idle_probe": _times(idle), "probe_during": prober.stop(),
                                  "attack_statuses": _statuses(attack),
                                  "attack_longest_ms": round(max(t for t, _ in attack) * 1000, 1)}
    finally:
        server.kill()
        server.wait()
    started = time.perf_counter()
    cli = _speeches("search", PATTERN, "--index", index)
    result["cli_shipped"] = {"seconds": round(time.perf_counter() - started, 2), "exit": cli.returncode,
                             "said": (cli.stderr or cli.stdout).strip().splitlines()[0][:200]}
    # One 20 MB single-line text.
    folder = workdir / "long-line"
    (folder / "corpus").mkdir(parents=True, exist_ok=True)
    if not (folder / "corpus" / "long.txt").exists():
        long_line(folder / "corpus" / "long.txt")
    _index(folder / "corpus", folder / "index")
    started = time.perf_counter()
    cli = _speeches("search", PATTERN, "--index", folder / "index")
    result["cli_20mb_line"] = {"seconds": round(time.perf_counter() - started, 2), "exit": cli.returncode,
                               "said": (cli.stderr or cli.stdout).strip().splitlines()[0][:200]}
    port = _free_port()
    server = serve(folder / "index", port)
    try:
        prober = _Prober(port, ["/static/style.css"])
        prober.start()
        web = _hammer(port, f"/api/search?q={PATTERN}", clients=4, seconds=seconds)
        result["web_20mb_line"] = {"statuses": _statuses(web), "longest_ms": round(max(t for t, _ in web) * 1000, 1),
                                   "probe_during": prober.stop()}
    finally:
        server.kill()
        server.wait()
    longest_ms = max(result["cli_shipped"]["seconds"] * 1000, result["cli_20mb_line"]["seconds"] * 1000,
                     result["web_20mb_line"]["longest_ms"], result["speech_pages"]["attack_longest_ms"])
    result["targets"] = {
        "probe_p95_under_1s": result["speech_pages"]["probe_during"].get("p95_ms", 1e9) < 1000
        and result["speech_pages"]["probe_during"]["lost"] == 0,
        "longest_query_ms": round(longest_ms, 1),
        "longest_under_1.5x_limit": longest_ms <= 1.5 * QUERY_LIMIT_MS}
    return result


# ---- 3 and 4: readers ---------------------------------------------------------------------------------------


def write_pdf_bomb(path: Path, inflated_mb: int, text: str = "") -> Path:
    """Write a one-page PDF whose content stream inflates (FlateDecode) from about 1/1000 of
    `inflated_mb` to `inflated_mb` MB of blanks, after an optional line of (Latin) text."""
    packer = zlib.compressobj(9)
    body = [packer.compress(f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET\n".encode("latin-1") if text else b"")]
    block = b" " * (1 << 20)
    for _ in range(inflated_mb):
        body.append(packer.compress(block))
    body.append(packer.flush())
    stream = b"".join(body)
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
               b"/Resources << /Font << /F1 5 0 R >> >> >>",
               b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, content in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + content + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    path.write_bytes(bytes(out))
    return path


def readers(workdir: Path) -> dict:
    """Build a corpus holding nested JSON and two PDF bombs; return the skips, the exit status and the peak memory."""
    corpus = workdir / "hostile" / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    shutil.copy(SHIPPED / "000_e22c3551305105ef.txt", corpus)
    (corpus / "nested.json").write_text("[" * 200_000 + "]" * 200_000, encoding="utf-8")  # 400 KB
    for name, megabytes in (("bomb-1g.pdf", 1024), ("bomb-4g.pdf", 4096)):
        if not (corpus / name).exists():
            write_pdf_bomb(corpus / name, megabytes, "Hello")
    index = workdir / "hostile" / "index"
    shutil.rmtree(index, ignore_errors=True)
    build = subprocess.Popen([_speeches_command(), "index", "--corpus", str(corpus), "--index", str(index), "--jobs", "2",
                              "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    sampler = TreeSampler(build.pid, interval=0.02)
    sampler.start()
    out, err = build.communicate()
    sampler.stop()
    summary = json.loads(out) if build.returncode == 0 else {}
    return {"files": {p.name: p.stat().st_size for p in sorted(corpus.iterdir())}, "exit": build.returncode,
            "stderr": err.strip()[-300:], "skipped": summary.get("skipped"),
            "peak_tree_rss_mb": round(sampler.peak_rss / 1024, 1), "peak_tree_pss_mb": round(sampler.peak_pss / 1024, 1),
            "targets": {"named_skips": {s["file"]: s["code"] for s in summary.get("skipped", [])},
                        "exit_0": build.returncode == 0, "peak_under_1.5GB": sampler.peak_rss / 1024 < 1536}}


# ---- 5: kill -9 of a build ------------------------------------------------------------------------------------


def kills(workdir: Path, rounds: int = 10) -> dict:
    """kill -9 a `--jobs 2` build `rounds` times, at growing moments; count orphans and next builds that proceed."""
    corpus = workdir / "kills" / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    text = (SHIPPED / "003_792cc556aa004db2.txt").read_text(encoding="utf-8")
    for k in range(60):
        (corpus / f"c{k:02}.txt").write_text(text + f"\n附{k}\n", encoding="utf-8")
    index = workdir / "kills" / "index"
    shutil.rmtree(index, ignore_errors=True)
    rounds_out, orphaned, proceeded = [], 0, 0
    for r in range(rounds):
        build = subprocess.Popen([_speeches_command(), "index", "--corpus", str(corpus), "--index", str(index),
                                  "--jobs", "2", "--full"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(children(build.pid)) < 2:
            time.sleep(0.05)
        time.sleep(0.5 + 0.3 * r)
        workers = children(build.pid)
        build.send_signal(signal.SIGKILL)
        build.wait()
        time.sleep(0.5)
        alive = [pid for pid in workers if running(pid)]
        orphaned += bool(alive)
        following = _speeches("index", "--corpus", corpus, "--index", index, "--jobs", "2")
        proceeded += following.returncode == 0
        rounds_out.append({"workers": len(workers), "alive_after_kill": len(alive), "next_exit": following.returncode,
                           "next_said": following.stderr.strip()[:160]})
        for pid in alive:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
    return {"rounds": rounds_out, "orphaned": f"{orphaned}/{rounds}", "next_build_proceeded": f"{proceeded}/{rounds}",
            "targets": {"proceeded_all": proceeded == rounds}}


# ---- 6: citations ---------------------------------------------------------------------------------------------


def _post(port: int, path: str, form: dict | None, headers: dict | None = None) -> int | None:
    body = urllib.parse.urlencode(form or {}, doseq=True).encode() if form is not None else b""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request("POST", path, body=body, headers={
            "Content-Type": "application/x-www-form-urlencoded", **(headers or {})})
        response = connection.getresponse()
        response.read()
        return response.status
    except OSError:
        return None
    finally:
        connection.close()


def _file_size(path: Path) -> int:
    return path.stat().st_size if path.exists() else 0


def citations(workdir: Path) -> dict:
    """300 empty and 300 valid POST /cite, a cross-site one; a full disk if a tmpfs can be mounted here."""
    from search.settings import defaults

    source = workdir / "shipped-index"
    _index(SHIPPED, source)
    index = workdir / "cite-index"
    shutil.rmtree(index, ignore_errors=True)
    shutil.copytree(source, index)
    database = index / "snapshots.sqlite"
    port = _free_port()
    server = serve(index, port)
    try:
        empty = [_post(port, "/cite", None) for _ in range(300)]
        after_empty = _file_size(database)
        valid = [_post(port, "/cite", {"q": random.choice(["发展", "改革", "双过半", "稳中求进"])}) for _ in range(300)]
        after_valid = _file_size(database)
        cross = _post(port, "/cite", {"q": "发展"}, {"Origin": "http://evil.example"})
    finally:
        server.kill()
        server.wait()
    settings = defaults()
    bound = settings["citations_per_hour"] * settings["max_citation_kb"] * 1024
    result = {"empty": {"statuses": _statuses((None, s) for s in empty), "bytes_stored": after_empty},
              "valid": {"statuses": _statuses((None, s) for s in valid), "bytes_stored": after_valid - after_empty,
                        "bound_bytes": bound},
              "cross_site_status": cross, "full_disk": _full_disk(workdir, source)}
    result["targets"] = {"empty_store_nothing": after_empty == 0, "valid_within_bound": after_valid - after_empty <= bound,
                         "cross_site_refused": cross == 403}
    return result


def _full_disk(workdir: Path, source: Path) -> dict:
    """Serve an index from a small tmpfs filled to the last byte and cite; None when nothing can be mounted here."""
    mount = workdir / "tiny"
    mount.mkdir(exist_ok=True)
    need = sum(p.stat().st_size for p in source.rglob("*") if p.is_file()) + 4 * 1024 * 1024
    if subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={need}", "tmpfs", str(mount)], capture_output=True).returncode:
        return {"skipped": "no tmpfs can be mounted here"}
    try:
        index = mount / "index"
        shutil.copytree(source, index)
        filler = os.open(mount / "filler", os.O_WRONLY | os.O_CREAT)
        for size in (65536, 1):  # to the last byte
            try:
                while True:
                    os.write(filler, b"\0" * size)
            except OSError:
                pass
        os.close(filler)
        port = _free_port()
        log = workdir / "full-disk-server.log"
        with open(log, "w") as err:
            server = subprocess.Popen([_speeches_command(), "serve", "--port", str(port), "--index", str(index)],
                                      stdout=err, stderr=err, cwd=ROOT)
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                try:
                    request(port, "/", timeout=5)
                    break
                except OSError:
                    time.sleep(0.2)
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                connection.request("POST", "/cite", body=b"q=%E5%8F%91%E5%B1%95",
                                   headers={"Content-Type": "application/x-www-form-urlencoded"})
                response = connection.getresponse()
                status, page = response.status, response.read().decode("utf-8", "replace")
                connection.close()
                search_status = request(port, "/api/search?q=%E5%8F%91%E5%B1%95")[0]
            finally:
                server.kill()
                server.wait()
        logged = log.read_text(encoding="utf-8", errors="replace")
        return {"status": status, "message": "服务器磁盘已满" in page, "traceback_in_log": "Traceback" in logged,
                "search_still_answers": search_status}
    finally:
        subprocess.run(["umount", str(mount)], capture_output=True)


# ---- 7: damage ------------------------------------------------------------------------------------------------

DAMAGES = ("truncate", "empty", "garbage", "scribble", "delete", "flip-10", "flip-50", "flip-90", "flip-last", "zeros")


def _damage(path: Path, how: str, seed: int) -> bool:
    rng = random.Random(seed)
    data = path.read_bytes()
    if how == "delete":
        path.unlink()
        return True
    if how == "truncate":
        new = data[: len(data) // 2]
    elif how == "empty":
        new = b""
    elif how == "garbage":
        new = bytes(rng.randrange(256) for _ in range(len(data)))
    elif how == "scribble":
        low, high = len(data) // 3, 2 * len(data) // 3
        new = data[:low] + bytes(rng.randrange(256) for _ in range(high - low)) + data[high:]
    elif how.startswith("flip"):
        if not data:
            return False
        at = len(data) - 1 if how == "flip-last" else len(data) * int(how.split("-")[1]) // 100
        new = data[:at] + bytes([data[at] ^ 1]) + data[at + 1 :]
    else:
        at = max(0, len(data) // 2 - 32)
        new = data[:at] + bytes(len(data[at : at + 64])) + data[at + 64 :]
    path.write_bytes(new)
    return new != data


def _cli_answers(index: Path, speech_id: str) -> dict:
    from click.testing import CliRunner

    from search.cli import main

    questions = (["list", "--json"], ["kwic", "改革", "--csv"], ["search", "发展", "--json"], ["search", "发展"],
                 ["search", "经济", "--sort", "date", "--jsonl"], ["collocates", "发展", "--json"],
                 ["show", speech_id, "--json"], ["compare", "发展", "--by", "year", "--json"], ["forms", "/三.四新/"],
                 ["keywords", "--against-year", "2021", "--json"])
    runner, answers = CliRunner(), {}
    for args in questions:
        result = runner.invoke(main, [*args, "--index", str(index)])
        answers[" ".join(args)] = (result.exit_code, result.stdout, result.stderr)
    return answers


def _web_answers(index: Path, speech_id: str) -> dict:
    from web import create_app

    app = create_app({"INDEX": str(index), "TESTING": True})
    client, answers = app.test_client(), {}
    for path in ("/api/search?q=发展", "/api/kwic?q=改革", "/?q=发展", "/", f"/speech/{speech_id}",
                 f"/api/speech/{speech_id}", "/export.csv?q=改革", "/api/compare?q=发展&by=year", "/kwic?q=改革&sort=left",
                 "/api/collocates?q=发展"):
        response = client.get(path)
        answers[path] = (response.status_code, response.get_data(as_text=True))
    return answers


def _judge(before: dict, after: dict, web: bool) -> tuple[int, int, list]:
    """Count (same answers, named refusals, wrong answers) of a damaged index against the sound one."""
    same = named = 0
    wrong = []
    for question, answer in after.items():
        if answer == before[question]:
            same += 1
            continue
        if web:
            status, body = answer
            cut = status == 200 and ("#incomplete" in body or '"complete": false' in body) and "speeches index" in body
            if (status == 503 and "speeches index" in body) or cut:
                named += 1
                continue
        else:
            code, out, err = answer
            if code == 2 and ("speeches index" in err or "no index in" in err):
                named += 1
                continue
        wrong.append(question)
    return same, named, wrong


def damage(workdir: Path) -> dict:
    """Damage every file of a sound index every way, one at a time; count wrong answers on the command line and the web."""
    from search import Corpus

    sound = workdir / "shipped-index"
    _index(SHIPPED, sound)
    speech_id = sorted(s["id"] for s in Corpus(sound).speeches())[0]
    cli_before, web_before = _cli_answers(sound, speech_id), _web_answers(sound, speech_id)
    files = sorted(p.relative_to(sound).as_posix() for p in sound.rglob("*") if p.is_file()
                   and p.name not in (".lock", "snapshots.sqlite"))
    totals = {"damages": 0, "cli": [0, 0, 0], "web": [0, 0, 0]}
    wrong = []
    for relpath in files:
        for how in DAMAGES:
            index = Path(tempfile.mkdtemp(dir=workdir)) / "index"
            shutil.copytree(sound, index)
            Corpus(index).generation()  # opened once (its checksums cached), as an index in use
            if not _damage(index / relpath, how, zlib.crc32(relpath.encode())):
                shutil.rmtree(index.parent)
                continue
            totals["damages"] += 1
            for kind, before, ask in (("cli", cli_before, _cli_answers), ("web", web_before, _web_answers)):
                same, named, bad = _judge(before, ask(index, speech_id), kind == "web")
                totals[kind] = [totals[kind][0] + same, totals[kind][1] + named, totals[kind][2] + len(bad)]
                wrong.extend(f"{kind} {relpath} {how}: {question}" for question in bad)
            shutil.rmtree(index.parent)
    return {"files": len(files), "damages": totals["damages"],
            "cli": dict(zip(("same", "named", "wrong"), totals["cli"])),
            "web": dict(zip(("same", "named", "wrong"), totals["web"])), "wrong": wrong[:50],
            "targets": {"no_wrong_answer": not wrong}}


# ---- memory ---------------------------------------------------------------------------------------------------


def _status(pid: int) -> dict:
    """Return a process's resident memory in MB: all of it, anonymous (its own) and file pages (mapped index files)."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "RssAnon", "RssFile"):
            fields[name] = round(int(value.split()[0]) / 1024, 1)
    return fields


def memory(workdir: Path, n: int = 2000, seconds: float = 20.0) -> dict:
    """The server's RSS idle, at its peak under floods of exports, searches and patterns, and after them."""
    index = prepare(workdir, n)
    port = _free_port()
    server = serve(index, port)
    try:
        for path in ("/", "/api/search?q=发展", "/kwic?q=改革"):
            _get(port, path)
        time.sleep(2)
        idle = tree_memory(server.pid)[0]
        idle_status = _status(server.pid)
        sampler = TreeSampler(server.pid, interval=0.1)
        sampler.start()
        flooders = subprocess.Popen([sys.executable, "-m", "bench.flood", "clients", "--port", str(port), "--clients",
                                     "100", "--seconds", str(seconds), "--out", str(workdir / "memory-clients.json")],
                                    cwd=ROOT)
        terms = ["发展", "改革", "经济", "的", "稳中求进", "/的.{0,200}的/", "/[一二三四五六七八九十]个一批/", "高质量", "项目"]
        searches = _hammer_many(port, [f"/api/search?q={t}" for t in terms] + [f"/kwic?q={t}" for t in terms],
                                clients=20, seconds=seconds)
        flooders.wait()
        sampler.stop()
        after, waited = {}, 0
        for mark in (1, 10, 30):
            time.sleep(mark - waited)
            waited = mark
            after[f"{mark}s"] = _status(server.pid)
    finally:
        server.kill()
        server.wait()
    return {"n": n, "idle_rss_mb": round(idle / 1024, 1), "idle": idle_status,
            "peak_rss_mb": round(sampler.peak_rss / 1024, 1),
            "after_flood_rss_mb": after, "searches": _statuses(searches)}


def _hammer_many(port: int, paths: list[str], clients: int, seconds: float) -> list:
    stop, answers, lock = time.monotonic() + seconds, [], threading.Lock()

    def client(k):
        rng = random.Random(k)
        while time.monotonic() < stop:
            answer = _get(port, rng.choice(paths), timeout=120)
            with lock:
                answers.append(answer)

    threads = [threading.Thread(target=client, args=(k,), daemon=True) for k in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


ATTACKS = {"patterns": patterns, "readers": readers, "kills": kills, "citations": citations, "damage": damage,
           "memory": memory}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("attack", choices=[*ATTACKS, "all"])
    parser.add_argument("--workdir", type=Path, default=ROOT / "bench" / "out" / "attacks")
    parser.add_argument("--out", type=Path, help="Also write the figures to this JSON file.")
    args = parser.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    figures = {}
    for name in ATTACKS if args.attack == "all" else [args.attack]:
        started = time.monotonic()
        figures[name] = ATTACKS[name](args.workdir.resolve())
        figures[name]["bench_seconds"] = round(time.monotonic() - started, 1)
        print(json.dumps({name: figures[name]}, ensure_ascii=False, indent=1), flush=True)
    if args.out:
        args.out.write_text(json.dumps(figures, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
