"""Shared fixtures: the shipped corpus and one index of it built per test session."""

import os
from pathlib import Path

import pytest

from indexer.build import build_index
from search import Corpus
from search import settings as named_settings

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
DATA = Path(__file__).resolve().parent / "data"


# Speed belongs in `make bench`, never in a test: a test whose subject is not a deadline gets a
# query_time_limit_ms no load reaches (under load, sharded keywords once took more than the real
# 10 s and failed as "too broad"). A test of a deadline sets its own limit (0, or a fake clock).
GENEROUS_MS = 3_600_000
os.environ.setdefault(named_settings.setting("query_time_limit_ms").envvar, str(GENEROUS_MS))  # commands run as processes


@pytest.fixture(autouse=True, scope="session")
def generous_query_time_limit():
    """Give every Corpus and app a test opens without a limit of its own the generous one."""
    defaults = named_settings.defaults
    patch = pytest.MonkeyPatch()
    patch.setattr(named_settings, "defaults",
                  lambda scope=named_settings.SERVE: {**defaults(scope), "query_time_limit_ms": GENEROUS_MS}
                  if scope != named_settings.INDEX else defaults(scope))
    yield
    patch.undo()


def pytest_report_header(config):
    """Say up front whether the converter and browser tests run here, and what installs what they lack."""
    import shutil

    from indexer.readers.word import converter

    found = converter()
    lines = [f"converters: LibreOffice at {found}: the .doc/.wps tests run" if found else
             "converters: no LibreOffice (soffice): the .doc/.wps tests are skipped; `make converters` installs it"]
    lines.append("browser: chromium found: the browser tests run" if shutil.which("chromium") else
                 "browser: no chromium: the browser tests are skipped; apt-get install chromium fonts-noto-cjk")
    return lines


@pytest.fixture(scope="session")
def shipped_index(tmp_path_factory) -> Path:
    """Build the index of the shipped corpus once per session."""
    index_dir = tmp_path_factory.mktemp("shipped") / "index"
    build_index(CORPUS, index_dir)
    return index_dir


@pytest.fixture(scope="session")
def corpus(shipped_index) -> Corpus:
    """The shipped corpus opened for searching."""
    return Corpus(shipped_index)


@pytest.fixture(scope="session")
def texts(corpus) -> dict[str, list[str]]:
    """Every speech's cleaned paragraphs by id: what a plain scan searches."""
    return {s["id"]: corpus.speech(s["id"])["text"].split("\n") for s in corpus.speeches()}


@pytest.fixture(scope="module")
def app(shipped_index):
    """The shipped corpus served by the web app (one app per test module)."""
    from web import create_app

    return create_app({"INDEX": str(shipped_index), "TESTING": True})


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture(scope="session")
def indexes(tmp_path_factory):
    """One index and a sharded one (3 shards) over the shipped corpus and 40 generated speeches (built once a session)."""
    import shutil

    from bench import generate
    from indexer import shards

    folder = tmp_path_factory.mktemp("sharded")
    generate.generate(40, folder)
    for path in CORPUS.iterdir():
        shutil.copy(path, folder / "corpus" / path.name)
    build_index(folder / "corpus", folder / "one")
    summary = shards.build_sharded(folder / "corpus", folder / "many", shards=3)
    return folder, summary


@pytest.fixture(scope="session")
def cluster():
    """A Dask client of a LocalCluster of two worker processes on this machine, started once a session."""
    from search.cluster import connect

    with connect("local:2") as client:
        yield client
