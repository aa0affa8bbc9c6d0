"""One public class is all that the web layer and the command line ask of an index, one index or many."""

import inspect
import re
from collections import Counter

from search import Corpus
from search.sharded import ShardedCorpus

from conftest import ROOT

# How the shells reach the index: `corpus.x(`, `corpus().x(` and `views.corpus().x`.
CALL = re.compile(r"\bcorpus(?:\(\))?\.([a-z_]+)")


def public(cls) -> dict:
    return {name: member for name, member in vars(cls).items() if not name.startswith("_")}


def test_each_public_method_is_defined_once_and_the_sharded_index_restates_none():
    # Issue 26: Corpus, ShardedCorpus and the SearchBackend protocol restated some 24 signatures.
    assert public(ShardedCorpus) == {}
    assert set(vars(ShardedCorpus)) - {"__init__", "__doc__", "__module__", "__qualname__"} == set()
    for name, member in public(Corpus).items():
        assert (member.fget if isinstance(member, property) else member).__doc__, name


def test_web_and_cli_call_nothing_outside_the_api():
    interface = set(public(Corpus)) | {"settings", "index_dir"}
    sources = sorted((ROOT / "web").glob("*.py")) + [ROOT / "search" / "cli.py"]
    called = {name: path.name for path in sources for name in CALL.findall(path.read_text(encoding="utf-8"))}
    assert called, "the pattern finds the calls"
    assert set(called) <= interface, {n: p for n, p in called.items() if n not in interface}


def test_the_research_tools_take_their_defaults_from_the_api_alone():
    from search import analysis

    for name in ("forms", "clusters", "collocates", "keywords"):
        tool, method = inspect.signature(getattr(analysis, name)), inspect.signature(getattr(Corpus, name))
        assert all(p.default is inspect.Parameter.empty for p in tool.parameters.values())
        assert list(tool.parameters)[1:] == list(method.parameters)[1:]


def test_overview_counts_every_speech_from_the_facet_columns(corpus):
    overview = corpus.overview()
    speeches = corpus.speeches()
    assert overview["total"] == len(speeches) and overview["index_version"] == corpus.index_version
    for facet, counts in overview["facets"].items():
        assert counts == Counter("未知" if s[facet] is None else str(s[facet]) for s in speeches), facet


def test_manifest_names_the_serving_version(corpus):
    assert corpus.manifest()["index_version"] == corpus.index_version
    assert sorted(corpus.manifest()["files"]) == sorted(p.name for p in (ROOT / "corpus").iterdir())


def test_the_shells_defaults_are_the_apis():
    # The command line shows each tool's defaults in --help; they must be the library's, written once there.
    from search import settings
    from search.cli import main

    for name in ("search", "compare", "forms", "clusters", "collocates", "keywords"):
        method = inspect.signature(getattr(Corpus, name)).parameters
        for param in main.commands[name].params:
            if param.name in method and param.name not in ("filters", "terms", *settings.defaults()):  # settings: their table
                # A flag's default is what it stores when absent: --punctuation False, --no-numbers True.
                given = param.flag_value is False if getattr(param, "is_flag", False) else param.default
                assert given == method[param.name].default, (name, param.name)
