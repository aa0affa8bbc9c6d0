"""The backend interface is all that the web layer and the command line ask of an index."""

import inspect
import re
from collections import Counter

from search import Corpus
from search.backend import SearchBackend

from conftest import ROOT

# How the shells reach the index: `corpus.x(`, `corpus().x(` and `views.corpus().x`.
CALL = re.compile(r"\bcorpus(?:\(\))?\.([a-z_]+)")


def test_corpus_implements_the_backend_interface(corpus):
    assert isinstance(corpus, SearchBackend)
    for name, member in inspect.getmembers(SearchBackend):
        if not name.startswith("_") and callable(member):
            assert inspect.signature(getattr(Corpus, name)).parameters.keys() == \
                inspect.signature(member).parameters.keys(), name


def test_web_and_cli_call_nothing_outside_the_interface():
    interface = {name for name in dir(SearchBackend) if not name.startswith("_")}
    sources = sorted((ROOT / "web").glob("*.py")) + [ROOT / "search" / "cli.py"]
    called = {name: path.name for path in sources for name in CALL.findall(path.read_text(encoding="utf-8"))}
    assert called, "the pattern finds the calls"
    assert set(called) <= interface, {n: p for n, p in called.items() if n not in interface}


def test_overview_counts_every_speech_from_the_facet_columns(corpus):
    overview = corpus.overview()
    speeches = corpus.speeches()
    assert overview["total"] == len(speeches) and overview["index_version"] == corpus.index_version
    for facet, counts in overview["facets"].items():
        assert counts == Counter("未知" if s[facet] is None else str(s[facet]) for s in speeches), facet


def test_manifest_names_the_serving_version(corpus):
    assert corpus.manifest()["index_version"] == corpus.index_version
    assert sorted(corpus.manifest()["files"]) == sorted(p.name for p in (ROOT / "corpus").iterdir())


def test_the_sharded_index_implements_the_same_interface():
    from search.sharded import ShardedCorpus

    for name, member in inspect.getmembers(SearchBackend):
        if not name.startswith("_") and callable(member):
            assert inspect.signature(getattr(ShardedCorpus, name)).parameters.keys() == \
                inspect.signature(member).parameters.keys(), name
