"""Clusters: each occurrence with the words beside it in its clause, counted as strings, checked against a scan."""

import json
import re
from collections import Counter

import pytest
from click.testing import CliRunner

from indexer.build import build_index
from indexer.segment import word_spans
from search import Corpus
from search.analysis import _clause_words
from search.cli import main
from search.errors import SearchError

# What every clause of the test's rows says after the node, and how many rows say it.
AFTER = {"稳中求进工作总基调": 3, "稳中求进的要求": 2}


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> Corpus:
    """An index of one speech per row: the node before several endings, at a clause's end, and in other words."""
    corpus = tmp_path_factory.mktemp("clusters") / "corpus"
    corpus.mkdir()
    rows = [f"2021,这是第{k}次全体会议。今年全省坚持{ending}，经济运行总体平稳。"
            for ending, count in AFTER.items() for k in range(count)]
    rows += ["2022,发展要稳中求进。改革要稳中求进，开放也要稳中求进。", "2022,没有这个词的一篇讲话。"]
    (corpus / "rows.csv").write_text("year,text\n" + "\n".join(rows) + "\n", encoding="utf-8")
    build_index(corpus, corpus.parent / "index")
    return Corpus(corpus.parent / "index")


def words_after(clause: str, node: str, size: int) -> str:
    """The node and the first `size` of jieba's words after it in a clause of its own (the test's expectation)."""
    end = clause.index(node) + len(node)
    after = [word for word, _, stop in word_spans(clause) if stop > end][:size]
    return clause[clause.index(node): clause.index(node) + len(node) + sum(len(word) for word in after)]


def scan(corpus: Corpus, text: str) -> tuple[int, int]:
    """Occurrences (chained, as search counts them) and speeches of a string in the cleaned texts."""
    counts = [corpus.speech(s["id"])["text"].count(text) for s in corpus.speeches()]
    return sum(counts), sum(1 for count in counts if count)


def test_the_words_after_an_occurrence_are_counted_as_strings(written):
    result = written.clusters("稳中求进", words=2, min_freq=1, limit=None)
    found = {row["cluster"]: (row["occurrences"], row["speeches"]) for row in result["clusters"]}
    for ending, count in AFTER.items():
        assert found[words_after(f"今年全省坚持{ending}", "稳中求进", 2)] == (count, count)
    occurrences, speeches = scan(written, "稳中求进")
    assert (result["occurrences"], result["speeches"]) == (occurrences, speeches)
    # Three occurrences end their clause (发展要稳中求进。改革要稳中求进，…也要稳中求进。): no words follow, no cluster.
    assert result["clustered"] == sum(AFTER.values()) == occurrences - 3
    assert sum(row["occurrences"] for row in result["clusters"]) == result["clustered"]


def test_every_cluster_holds_the_node_on_its_side_and_is_found_as_often_by_a_scan(written, corpus):
    for index in (written, corpus):
        for side, holds in (("right", str.startswith), ("left", str.endswith), ("both", str.__contains__)):
            for query in ("稳中求进", "发展", "/三.四新/"):
                result = index.clusters(query, side=side, words=2, min_freq=1, limit=None)
                node = re.compile(query.strip("/")) if query.startswith("/") else None
                assert sum(row["occurrences"] for row in result["clusters"]) == result["clustered"] <= result["occurrences"]
                for row in result["clusters"]:
                    cluster = row["cluster"]
                    assert not re.search(r"[，。；：！？、\s]", cluster), cluster  # never across a clause's end
                    if node is None:
                        assert holds(cluster, query), (side, cluster)
                    else:
                        assert node.search(cluster), (side, cluster)
                    occurrences, speeches = scan(index, cluster)
                    assert occurrences >= row["occurrences"] and speeches >= row["speeches"], cluster


def test_the_words_beside_an_occurrence_in_a_long_clause_are_the_whole_clauses_words():
    # A clause of thousands of characters is read only near the occurrence: the words there are the same.
    clause = "".join(f"推进第{k}批重点项目建设和产业转型升级" for k in range(200))
    for node in ("重点项目", "产业转型"):
        for start in (m.start() for m in re.finditer(node, clause)):
            end = start + len(node)
            near, whole = _clause_words(clause, start, end, 2), word_spans(clause)
            assert [w for w in near if w[1] < start][-2:] == [w for w in whole if w[1] < start][-2:]
            assert [w for w in near if w[2] > end][:2] == [w for w in whole if w[2] > end][:2]


def test_a_sharded_index_counts_the_clusters_of_one_index(indexes):
    from search import open_index
    from test_analysis_sharded import _plain

    folder, _ = indexes
    one, many = Corpus(folder / "one"), open_index(folder / "many")
    for query, options in (("发展", {"words": 1}), ("/三.四新/", {"side": "both", "min_freq": 1}),
                           ("营商环境", {"side": "left", "sort": "speeches", "limit": None})):
        expected = _plain(one.clusters(query, **options))
        assert expected["clusters"] and _plain(many.clusters(query, **options)) == expected


def test_what_clusters_cannot_be_asked_is_said(written):
    for options in ({"side": "up"}, {"words": 0}, {"words": 9}, {"sort": "g2"}, {"min_freq": 0}):
        with pytest.raises(SearchError):
            written.clusters("稳中求进", **options)


def test_the_page_its_json_and_its_csv_give_the_same_clusters(client, corpus):
    expected = corpus.clusters("发展", words=1, min_freq=2, limit=None)
    assert expected["clusters"]
    as_json = client.get("/api/clusters?q=发展&words=1&all=1").get_json()
    assert as_json["clusters"] == expected["clusters"]
    lines = client.get("/clusters.csv?q=发展&words=1").get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert lines[0].split(",")[:3] == ["cluster", "occurrences", "speeches"]
    assert [line.split(",")[0] for line in lines[1:]] == [row["cluster"] for row in expected["clusters"]]
    page = client.get("/clusters?q=发展&words=1&all=1").get_data(as_text=True)
    assert all(f">{row['cluster']}</a>" in page for row in expected["clusters"])
    assert client.get("/api/clusters?q=发展&side=up").status_code == 400


def test_the_tool_is_named_on_every_pages_bar_and_box_in_both_languages(client):
    for lang, name, button in (("zh", "词簇", "找词簇"), ("en", "Clusters", "Find clusters")):
        front = client.get(f"/?lang={lang}").get_data(as_text=True)
        assert re.search(r'class="tool tool-clusters" href="/clusters"[^>]*>' + name + "<", front)
        page = client.get(f"/clusters?lang={lang}").get_data(as_text=True)
        assert 'aria-current="page">' + name + "<" in page and f">{button}</button>" in page


def test_the_command_prints_the_librarys_clusters(shipped_index, corpus):
    result = CliRunner().invoke(main, ["clusters", "发展", "--words", "1", "--json", "--index", str(shipped_index)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["clusters"] == corpus.clusters("发展", words=1)["clusters"]
    table = CliRunner().invoke(main, ["clusters", "发展", "--side", "left", "--index", str(shipped_index)])
    rows = [line.split("\t") for line in table.output.splitlines()[1:]]
    assert Counter(cluster for cluster, *_ in rows) == Counter(
        row["cluster"] for row in corpus.clusters("发展", side="left")["clusters"])
