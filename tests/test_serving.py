"""Serving under stress: hostile parameters, a rebuild underneath, many clients at once."""

import json
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indexer.build import build_index
from web import create_app

from conftest import CORPUS

ROUTES = ["/", "/api/search", "/kwic", "/api/kwic", "/export.csv"]
PARAMS = ["q", "province", "year", "speaker", "level", "sort", "page", "page_size", "collapse", "width", "what"]


@pytest.fixture(scope="module")
def app_client(shipped_index):
    return create_app({"INDEX": str(shipped_index), "TESTING": True, "QUERY_TIME_LIMIT_MS": 5000}).test_client()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(route=st.sampled_from(ROUTES),
       params=st.dictionaries(st.sampled_from(PARAMS), st.text(max_size=40), max_size=4))
def test_no_parameter_makes_a_server_error(app_client, route, params):
    response = app_client.get(route, query_string=params)
    assert response.status_code in (200, 301, 302, 400, 404, 503), (route, params)
    if response.status_code == 200 and route.startswith("/api/"):
        json.loads(response.get_data(as_text=True))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(speech_id=st.text(max_size=30))
def test_no_speech_id_makes_a_server_error(app_client, speech_id):
    quoted = urllib.parse.quote(speech_id, safe="")
    for path in (f"/speech/{quoted}", f"/speech/{quoted}/raw", f"/api/speech/{quoted}"):
        assert app_client.get(path).status_code in (200, 301, 308, 404), path


@pytest.mark.parametrize("path", ["/static/../../setup.cfg", "/static/%2e%2e/%2e%2e/setup.cfg",
                                  "/speech/..%2f..%2fsetup.cfg", "/export.csv/../../etc/passwd"])
def test_nothing_outside_the_app_can_be_read(app_client, path):
    response = app_client.get(path)
    assert response.status_code in (400, 404), path
    assert b"install_requires" not in response.data and b"root:" not in response.data


def test_a_single_common_character_answers_with_exact_counts(app_client, texts):
    document = app_client.get("/api/search?q=的").get_json()
    assert document["total"] == sum(any("的" in p for p in ps) for ps in texts.values())
    assert document["occurrences"] == sum(p.count("的") for ps in texts.values() for p in ps)


def test_hostile_text_in_the_corpus_renders_as_text_everywhere(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    hostile = ('在全县<a href="javascript:alert(1)">会议</a>上的讲话\n同志们：\n'
               '=HYPERLINK("http://evil.example") \u202e反转文字\u202c 与 \x07控制字符。\n')
    (corpus / "hostile.txt").write_text(hostile, encoding="utf-8")
    build_index(corpus, tmp_path / "index")
    client = create_app({"INDEX": str(tmp_path / "index"), "TESTING": True}).test_client()
    speech_id = client.get("/api/search?q=同志们").get_json()["hits"][0]["id"]
    for path in ("/?q=会议", f"/speech/{speech_id}?q=会议", f"/speech/{speech_id}/raw", "/kwic?q=会议"):
        page = client.get(path).get_data(as_text=True)
        assert 'href="javascript:' not in page and "<a href=\"javascript" not in page, path
        assert "&lt;a href=" in page, path
    rows = client.get("/export.csv?q=" + urllib.parse.quote('"=HYPERLINK"')).get_data(as_text=True)
    assert ",=HYPERLINK" not in rows and ",'=HYPERLINK" in rows
    document = client.get(f"/api/speech/{speech_id}").get_json()
    assert '<a href="javascript:alert(1)">' in document["text"]  # JSON carries the text as data


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _serve(index_dir: Path, *options: str):
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-c", "from search.cli import main; main()", "serve", "--port", str(port), "--index", str(index_dir),
         *options], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(base + "/api/search?q=%E5%8F%8C%E8%BF%87%E5%8D%8A", timeout=5)
            return process, base
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise AssertionError("speeches serve did not start")


def load(base: str, clients: int, seconds: float, paths: list[str]) -> dict:
    """Run `clients` threads requesting `paths` round-robin for `seconds`; count errors and latencies."""
    latencies, errors, statuses = [], [], {}
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def worker(offset: int):
        k = offset
        while time.monotonic() < stop:
            path = paths[k % len(paths)]
            k += 1
            started = time.monotonic()
            try:
                with urllib.request.urlopen(base + path, timeout=300) as response:
                    response.read()
                    status = response.status
            except urllib.error.HTTPError as error:
                status = error.code
                if status == 503 and not error.headers.get("Retry-After"):
                    status = f"503 without Retry-After: {error.read()[:300]!r}"
            except OSError as error:
                with lock:
                    errors.append(repr(error))
                continue
            with lock:
                latencies.append(time.monotonic() - started)
                statuses[status] = statuses.get(status, 0) + 1

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    latencies.sort()
    return {"requests": len(latencies), "errors": errors, "statuses": statuses,
            "throughput": len(latencies) / seconds,
            "p95_ms": 1000 * latencies[int(0.95 * (len(latencies) - 1))] if latencies else None}


QUERIES = ["/api/search?q=" + urllib.parse.quote(q)
           for q in ("双过半", "营商环境", "六稳 OR 六保", "NEAR(营商环境 招商引资)")] + [
    "/?q=" + urllib.parse.quote("高质量发展"), "/kwic?q=" + urllib.parse.quote("开门红"), "/"]


def test_the_server_answers_throughout_a_rebuild_and_then_serves_the_new_index(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in ("000_e22c3551305105ef.txt", "001_1d8c1133fb1961e9.txt", "003_792cc556aa004db2.txt"):
        shutil.copy(CORPUS / name, corpus / name)
    index_dir = tmp_path / "index"
    build_index(corpus, index_dir)
    # Twice as many query slots as clients (a slot is given back just after its answer is sent, so a
    # client's next request may come before): every request is answered, none is turned away busy.
    process, base = _serve(index_dir, "--max-concurrent-queries", "16")
    try:
        before = json.load(urllib.request.urlopen(base + "/api/search?q=%E5%8F%8C%E8%BF%87%E5%8D%8A"))
        shutil.copy(CORPUS / "004_92cf6fb917628260.txt", corpus / "004.txt")
        result = {}
        loader = threading.Thread(target=lambda: result.update(load(base, 8, 8, QUERIES)))
        loader.start()
        build_index(corpus, index_dir)
        loader.join()
        assert result["errors"] == [] and set(result["statuses"]) == {200}, result
        after = json.load(urllib.request.urlopen(base + "/api/search?q=%E5%8F%8C%E8%BF%87%E5%8D%8A"))
        assert after["index_version"] != before["index_version"]
        assert after["total"] > before["total"]
    finally:
        process.kill()


def test_fifty_clients_at_once_get_answers_or_busy_never_errors(shipped_index):
    process, base = _serve(shipped_index)
    try:
        result = load(base, 50, 5, QUERIES)
    finally:
        process.kill()
    # Beyond max_concurrent_queries a search is turned away at once (503, Retry-After), never dropped.
    assert result["errors"] == [] and set(result["statuses"]) <= {200, 503} and result["statuses"][200], result
    print(f"\n50 clients, 5 s: {result['requests']} requests, {result['throughput']:.0f}/s, p95 {result['p95_ms']:.0f} ms")
