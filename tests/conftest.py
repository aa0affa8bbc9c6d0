"""Shared fixtures: the shipped corpus and one index of it built per test session."""

from pathlib import Path

import pytest

from indexer.build import build_index
from search import Corpus

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
DATA = Path(__file__).resolve().parent / "data"


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
