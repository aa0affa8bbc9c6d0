"""The flood: many clients exporting at once against `speeches serve` on loopback, a cheap probe timed throughout.

    python -m bench.run --flood-only --flood-n 3000 --flood-clients 100 --flood-seconds 20

Issue 14's targets, measured as ratios in one run: the cheap probe's (`/api/speech/<id>`) p95
during the flood against its p95 idle (at most 20x, no probe lost), the server's memory (at
most 1.5 GB), and the time until normal service after the flood (at most 5 s: the probe
back within 3x its idle p95 three times running, and an export accepted again). The flood's
clients run in a child process of their own, so they do not share the probe's interpreter;
they ask again at once after a 503, as a hostile client would, never waiting for Retry-After.
"""

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

from bench import generate
from bench.run import TreeSampler, percentile

ROOT = Path(__file__).resolve().parent.parent
EXPORT = "/export.csv?q=%E7%9A%84"  # 的: every speech, thousands of rows each
TARGETS = {"probe_p95_ratio": 20.0, "server_memory_mb": 1536.0, "recovery_s": 5.0}
IDLE_PROBES = 200
PROBE_GAP_S = 0.05
NORMAL_FACTOR = 3.0  # a probe within this many times its idle p95 is normal service


def _speeches_command() -> str:
    return str(Path(sys.executable).parent / "speeches")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def request(port: int, path: str, timeout: float = 30.0, read: bool = True) -> tuple[int, int]:
    """GET a path on a fresh connection; return (status, bytes read). Raises OSError when the connection fails."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        size = len(response.read()) if read else len(response.read(1024))
        return response.status, size
    finally:
        connection.close()


def probe(port: int, path: str) -> tuple[float | None, int | None]:
    """Time one cheap request: (seconds, status), seconds None when it was lost."""
    started = time.perf_counter()
    try:
        status, _ = request(port, path)
    except OSError:
        return None, None
    return time.perf_counter() - started, status


def prepare(workdir: Path, n: int, log=print) -> Path:
    """Generate the flood's corpus of n speeches and index it (once per workdir); return the index folder."""
    folder = workdir / f"flood-{n}"
    index = folder / "index"
    if (index / "CURRENT").exists():
        return index
    if (folder / "corpus").exists():
        import shutil

        shutil.rmtree(folder / "corpus")
    generate.generate(n, folder)
    log(f"flood: generated {n} speeches in {folder / 'corpus'}; indexing …")
    subprocess.run([_speeches_command(), "index", "--corpus", str(folder / "corpus"), "--index", str(index),
                    "--jobs", "2"], check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
    return index


def serve(index: Path, port: int) -> subprocess.Popen:
    """Start `speeches serve` on loopback and wait until it answers."""
    server = subprocess.Popen([_speeches_command(), "serve", "--port", str(port), "--index", str(index)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            request(port, "/", timeout=5)
            return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError("speeches serve did not start")


def run_flood(workdir: Path, n: int = 3000, clients: int = 100, seconds: float = 20.0, log=print) -> dict:
    """Flood a real server with exports and time the cheap probe before, during and after; return the figures."""
    index = prepare(Path(workdir), n, log)
    from search import Corpus

    ids = [s["id"] for s in Corpus(index).speeches()[:20]]
    probes = [f"/api/speech/{speech_id}" for speech_id in ids]
    port = _free_port()
    server = serve(index, port)
    sampler = TreeSampler(server.pid, interval=0.1)
    sampler.start()
    try:
        idle = [probe(port, probes[k % len(probes)]) for k in range(IDLE_PROBES)]
        idle_times = [t for t, status in idle if t is not None and status == 200]
        idle_p95 = percentile(idle_times, 0.95)
        log(f"flood: idle probe p95 {idle_p95 * 1000:.1f} ms over {len(idle_times)} probes; "
            f"{clients} clients exporting for {seconds:g} s …")
        report = Path(workdir) / f"flood-{n}" / "clients.json"
        flooders = subprocess.Popen([sys.executable, "-m", "bench.flood", "clients", "--port", str(port),
                                     "--clients", str(clients), "--seconds", str(seconds), "--out", str(report)],
                                    cwd=ROOT)
        during, stop = [], threading.Event()

        def keep_probing():
            k = 0
            while not stop.is_set():
                during.append(probe(port, probes[k % len(probes)]))
                k += 1
                stop.wait(PROBE_GAP_S)
        prober = threading.Thread(target=keep_probing, daemon=True)
        prober.start()
        flooders.wait()
        ended = time.perf_counter()
        stop.set()
        prober.join()
        recovery = recover(port, probes, idle_p95, ended)
        memory_mb = round(sampler.peak_rss / 1024, 1)
    finally:
        sampler.stop()
        server.kill()
        server.wait()
    flood = json.loads(report.read_text(encoding="utf-8"))
    answered = [t for t, status in during if t is not None and status == 200]
    lost = len(during) - len(answered)
    during_p95 = percentile(answered, 0.95) if answered else None
    ratio = round(during_p95 / idle_p95, 2) if during_p95 else None
    result = {
        "n": n, "clients": clients, "seconds": seconds,
        "idle": _summary(idle_times),
        "during": dict(_summary(answered), lost=lost),
        "probe_p95_ratio": ratio,
        "server_peak_rss_mb": memory_mb,
        "recovery_s": recovery,
        "flood": flood,
    }
    result["targets"] = {
        "probe_p95_ratio": {"measured": ratio, "target": TARGETS["probe_p95_ratio"],
                            "met": ratio is not None and ratio <= TARGETS["probe_p95_ratio"] and lost == 0},
        "server_memory_mb": {"measured": memory_mb, "target": TARGETS["server_memory_mb"],
                             "met": memory_mb <= TARGETS["server_memory_mb"]},
        "recovery_s": {"measured": recovery, "target": TARGETS["recovery_s"],
                       "met": recovery is not None and recovery <= TARGETS["recovery_s"]},
    }
    log("flood: " + json.dumps({k: v for k, v in result.items() if k != "flood"}, ensure_ascii=False))
    return result


def recover(port: int, probes: list[str], idle_p95: float, ended: float, limit: float = 60.0) -> float | None:
    """Return the seconds from the flood's end until normal service (None if not within `limit`).

    Normal: the probe answers within NORMAL_FACTOR x its idle p95 three times running, and an
    export is accepted (200, not 503) once more.
    """
    running, k = 0, 0
    while time.perf_counter() - ended < limit:
        seconds, status = probe(port, probes[k % len(probes)])
        k += 1
        running = running + 1 if status == 200 and seconds <= NORMAL_FACTOR * idle_p95 else 0
        if running >= 3:
            try:
                if request(port, EXPORT, read=False)[0] == 200:
                    return round(time.perf_counter() - ended, 3)
            except OSError:
                pass
            running = 0
        time.sleep(0.01)
    return None


def _summary(times: list[float]) -> dict:
    if not times:
        return {"probes": 0}
    return {"probes": len(times), "p50_ms": round(statistics.median(times) * 1000, 2),
            "p95_ms": round(percentile(times, 0.95) * 1000, 2), "max_ms": round(max(times) * 1000, 2)}


# ---- the flooding clients, run in a child process ------------------------------------------------


def clients_main(port: int, clients: int, seconds: float, out: Path) -> None:
    """Run `clients` threads exporting 的 over and over for `seconds`; write what they got."""
    stop = time.monotonic() + seconds
    lock = threading.Lock()
    tally = {"statuses": {}, "errors": 0, "exports_completed": 0, "bytes": 0, "retry_after_missing": 0}

    def client():
        while time.monotonic() < stop:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            try:
                connection.request("GET", EXPORT)
                response = connection.getresponse()
                status, read, complete = response.status, 0, True
                if status == 503 and not response.getheader("Retry-After"):
                    with lock:
                        tally["retry_after_missing"] += 1
                while True:
                    if time.monotonic() >= stop:
                        complete = False  # the flood is over: go away mid-export, as a closed browser tab does
                        break
                    chunk = response.read(1 << 16)
                    if not chunk:
                        break
                    read += len(chunk)
                with lock:
                    tally["statuses"][str(status)] = tally["statuses"].get(str(status), 0) + 1
                    tally["bytes"] += read
                    tally["exports_completed"] += status == 200 and complete
            except OSError:
                with lock:
                    tally["errors"] += 1
            finally:
                connection.close()

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + 60)
    out.write_text(json.dumps(tally), encoding="utf-8")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="The flood's clients (run by bench.run).")
    sub = parser.add_subparsers(dest="command", required=True)
    clients = sub.add_parser("clients")
    clients.add_argument("--port", type=int, required=True)
    clients.add_argument("--clients", type=int, default=100)
    clients.add_argument("--seconds", type=float, default=20.0)
    clients.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    clients_main(args.port, args.clients, args.seconds, args.out)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
