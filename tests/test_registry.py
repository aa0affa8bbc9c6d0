"""A facet or filter is one registry entry, and the web app and the command line load no indexing pipeline."""

import dataclasses
import importlib
import json
import subprocess
import sys
from collections import Counter
from urllib.parse import parse_qs, urlsplit

import pytest
from click.testing import CliRunner

from indexer import schema
from indexer.build import build_index
from search import Corpus

from conftest import CORPUS, ROOT


@pytest.fixture
def wider_registry(monkeypatch):
    """A registry where city is also a facet and position a new filter with its own flag."""
    changed = {"city": dict(facet=True, overview=True), "position": dict(filter=schema.EQUAL, flag=True)}
    fields = tuple(dataclasses.replace(f, **changed.get(f.name, {})) for f in schema.FIELDS)
    monkeypatch.setattr(schema, "FIELDS", fields)
    import search.cli

    yield importlib.reload(search.cli)
    monkeypatch.undo()
    importlib.reload(search.cli)


def test_one_registry_entry_adds_a_facet_and_a_filter_everywhere(wider_registry, tmp_path):
    index_dir = tmp_path / "index"
    build_index(CORPUS, index_dir)
    corpus = Corpus(index_dir)
    speeches = corpus.speeches()
    unknown = schema.UNKNOWN

    # Counted over every result, from the Whoosh column the build wrote for it.
    result = corpus.search("工作")
    matched = [s for s in speeches if s["id"] in {h["id"] for h in corpus.hits("工作")}]
    assert result["facets"]["city"] == dict(sorted(Counter(s["city"] or unknown for s in matched).items(),
                                                   key=lambda kv: (-kv[1], kv[0])))
    # Filtered on in the query language, as a filter dict and on the command line.
    position = Counter(s["position"] for s in speeches if s["position"]).most_common(1)[0][0]
    holding = sorted(s["id"] for s in speeches if s["position"] == position)
    assert sorted(h["id"] for h in corpus.hits(f"position:{position}")) == holding
    assert sorted(h["id"] for h in corpus.hits("", {"position": (position,)})) == holding
    cli = CliRunner().invoke(wider_registry.main, ["search", "--index", str(index_dir), "--position", position,
                                                   "--page-size", "200", "--json"])
    assert cli.exit_code == 0, cli.output
    assert sorted(h["id"] for h in json.loads(cli.output)["hits"]) == holding

    # The web app's sidebar shows it, and its links keep every filter of the view.
    from web import create_app

    client = create_app({"INDEX": str(index_dir), "TESTING": True}).test_client()
    page = client.get("/", query_string={"q": "工作", "position": position}).get_data(as_text=True)
    assert "facet-city" in page and schema.field("city").label in page
    city = next(c for c in result["facets"]["city"] if c != unknown)
    links = [link for link in page.split('href="')[1:] if "city=" in link.split('"')[0]]
    assert links, "the city facet links to a narrowed view"
    args = parse_qs(urlsplit(links[0].split('"')[0].replace("&amp;", "&")).query)
    assert args["position"] == [position] and args["q"] == ["工作"] and "city" in args
    overview = client.get("/").get_data(as_text=True)
    assert overview.count("<h2>" + schema.field("city").label) == 1
    assert city in overview


PIPELINE = ("indexer.build", "indexer.readers", "indexer.split", "indexer.describe", "indexer.places",
            "indexer.dating", "indexer.groups", "indexer.corrections", "jieba", "cpca", "lxml")

SERVE_PAGES = """
import sys
from web import create_app
client = create_app({"INDEX": sys.argv[1], "TESTING": True}).test_client()
for url in ("/", "/?q=双过半&province=湖南", "/kwic?q=双过半", "/export.csv?q=双过半&what=speeches", "/api/search?q=稳中求进"):
    response = client.get(url)
    assert response.status_code == 200, url
    response.get_data()
print(" ".join(sorted(sys.modules)))
"""

RUN_COMMANDS = """
import sys
from search.cli import main
for args in (["search", "双过半", "--province", "湖南"], ["kwic", "双过半"], ["list"]):
    try:
        main(args + ["--index", sys.argv[1]])
    except SystemExit as done:
        assert done.code == 0, args
print(" ".join(sorted(sys.modules)), file=sys.stderr)
"""


@pytest.mark.parametrize("script", [SERVE_PAGES, RUN_COMMANDS], ids=["web", "cli"])
def test_searching_loads_no_indexing_pipeline(shipped_index, script):
    done = subprocess.run([sys.executable, "-c", script, str(shipped_index)], capture_output=True, text=True,
                          cwd=ROOT, check=True)
    loaded = set((done.stdout if script is SERVE_PAGES else done.stderr).split())
    assert not loaded & set(PIPELINE), loaded & set(PIPELINE)
    assert "rjieba" in loaded  # the query's words, for ranking


def test_help_loads_only_the_command_line():
    done = subprocess.run([sys.executable, "-c", "import sys\nfrom search.cli import main\n"
                           "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
                           "print(' '.join(sorted(sys.modules)), file=sys.stderr)"],
                          capture_output=True, text=True, cwd=ROOT, check=True)
    loaded = set(done.stderr.split())
    assert not loaded & {"numpy", "whoosh", "rjieba", "jieba", "flask", "search.corpus", "indexer.store"}


def test_web_modules_import_nothing_of_the_indexing_pipeline():
    for path in sorted((ROOT / "web").glob("*.py")):
        source = path.read_text(encoding="utf-8")
        for module in PIPELINE:
            assert f"import {module}" not in source and f"from {module} " not in source, (path.name, module)
