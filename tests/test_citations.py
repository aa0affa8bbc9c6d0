"""Citations a stranger cannot grow without bound (issue 24, item 6).

Each POST /cite with no body stored a snapshot of every speech (414 KB at 2,000 speeches);
four clients grew snapshots.sqlite by 123 MB in 22 s, with no query needed, no cap, no
same-origin check, and a full disk answered 500 with a traceback in the log.
"""

import resource
import shutil
import signal
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from search.cli import main
from search.snapshots import FILE
from web import create_app


@pytest.fixture
def index(shipped_index, tmp_path) -> Path:
    """A copy of the shipped index without the snapshots other tests stored in it: each test's are its own."""
    copy = tmp_path / "index"
    shutil.copytree(shipped_index, copy, ignore=shutil.ignore_patterns(FILE))
    return copy


def _app(index: Path, **config):
    return create_app({"INDEX": str(index), "TESTING": True, **config})


def _stored(index: Path) -> int:
    if not (index / FILE).exists():
        return 0
    with sqlite3.connect(index / FILE) as connection:
        return connection.execute("SELECT COUNT(*) FROM snapshots").fetchone()[0]


def test_an_empty_citation_is_refused_and_stores_nothing(index):
    client = _app(index).test_client()
    for form in ({}, {"q": ""}, {"q": "  ", "collapse": "1"}, {"q": ["", " "], "by": "year"}):
        response = client.post("/cite", data=form)
        assert response.status_code == 400 and "引用需要检索词或筛选条件" in response.get_data(as_text=True)
    assert _stored(index) == 0
    result = CliRunner().invoke(main, ["cite", "--index", str(index)])
    assert result.exit_code == 2 and "needs a query or a filter" in result.stderr
    # A filter alone is something to cite.
    assert client.post("/cite", data={"province": "湖南"}).status_code == 303
    assert _stored(index) == 1


def test_a_snapshot_past_max_citation_kb_is_refused(index, corpus):
    client = _app(index, MAX_CITATION_KB=4).test_client()
    broad = client.post("/cite", data={"q": "的"})
    assert broad.status_code == 400 and "max_citation_kb" in broad.get_data(as_text=True)
    assert client.post("/cite", data={"q": "双过半"}).status_code == 303
    assert _stored(index) == 1
    with sqlite3.connect(index / FILE) as connection:
        assert max(len(body.encode()) for body, in connection.execute("SELECT body FROM snapshots")) <= 4 * 1024


def test_one_client_stores_at_most_citations_per_hour(index):
    app = _app(index, CITATIONS_PER_HOUR=5)
    client = app.test_client()
    answers = []
    for _ in range(8):
        answer = client.post("/cite", data={"q": "双过半"})
        answers.append((answer.status_code, answer.headers.get("Retry-After"), answer.get_data(as_text=True)))
    assert [status for status, _, _ in answers] == [303] * 5 + [429] * 3
    _, retry_after, page = answers[-1]
    assert 0 < int(retry_after) <= 3601 and "citations_per_hour" in page
    # Another address has its own hour; an hour later the first has room again.
    other = app.test_client()
    assert other.post("/cite", data={"q": "双过半"}, environ_base={"REMOTE_ADDR": "10.0.0.2"}).status_code == 303
    with sqlite3.connect(index / FILE) as connection:
        connection.execute("UPDATE snapshots SET taken = '2000-01-01T00:00:00+00:00'")
    assert client.post("/cite", data={"q": "双过半"}).status_code == 303
    assert _stored(index) == 7


def test_the_store_stops_growing_at_max_snapshots_mb(index):
    client = _app(index, MAX_SNAPSHOTS_MB=0).test_client()  # reached as soon as the file exists
    assert client.post("/cite", data={"q": "双过半"}).status_code == 303  # the first creates it
    full = client.post("/cite", data={"q": "双过半"})
    assert full.status_code == 503 and "max_snapshots_mb" in full.get_data(as_text=True)
    assert _stored(index) == 1


@pytest.mark.parametrize("headers", [{"Origin": "http://evil.example"}, {"Origin": "null"},
                                     {"Referer": "http://evil.example/page"}, {"Sec-Fetch-Site": "cross-site"},
                                     {"Sec-Fetch-Site": "same-site", "Origin": "http://localhost"}])
def test_a_form_posted_from_another_site_is_refused(index, headers):
    response = _app(index).test_client().post("/cite", data={"q": "双过半"}, headers=headers)
    assert response.status_code == 403 and "其他网站" in response.get_data(as_text=True)
    assert _stored(index) == 0


@pytest.mark.parametrize("headers", [{}, {"Origin": "http://localhost"}, {"Referer": "http://localhost/?q=双过半"},
                                     {"Sec-Fetch-Site": "same-origin", "Origin": "http://localhost"},
                                     {"Origin": "https://speeches.example.org"}])
def test_a_form_posted_from_this_site_or_by_a_script_is_taken(index, headers):
    app = _app(index, BASE_URL="https://speeches.example.org")
    assert app.test_client().post("/cite", data={"q": "双过半"}, headers=headers).status_code == 303


def test_a_full_disk_is_a_clean_503_with_a_message(index, caplog):
    client = _app(index).test_client()
    first = client.post("/cite", data={"q": "双过半"})
    assert first.status_code == 303
    size = (index / FILE).stat().st_size
    # The file may not grow by a byte: a write past it fails as on a full disk (EFBIG, SQLITE_FULL).
    handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    limit = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (size, limit[1]))
    try:
        full = client.post("/cite", data={"q": "改革"})
        shown = client.get(first.headers["Location"])  # what is stored still shows
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, limit)
        signal.signal(signal.SIGXFSZ, handler)
    # SQLite reports this one as an I/O error (EFBIG); ENOSPC as "database or disk is full", said as such.
    assert full.status_code == 503 and "无法保存引用快照" in full.get_data(as_text=True)
    assert "could not be stored" in full.get_data(as_text=True)
    assert shown.status_code == 200
    assert "Traceback" not in caplog.text
    assert _stored(index) == 1
