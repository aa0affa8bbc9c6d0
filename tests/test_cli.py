"""The command line: a thin shell whose outputs keep the interface's shapes and errors."""

import csv
import io
import json

import pytest
from click.testing import CliRunner

from indexer.schema import speech_fields
from search.cli import main


@pytest.fixture(scope="module")
def run(shipped_index):
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(main, [*args, "--index", str(shipped_index)])
    return invoke


def test_list_json_has_every_speech_without_text(run, corpus):
    result = run("list", "--json")
    assert result.exit_code == 0
    document = json.loads(result.output)
    assert set(document) == {"index_version", "total", "speeches"}
    assert document["total"] == len(document["speeches"]) == len(corpus.speeches())
    assert all(list(s) == list(speech_fields()) for s in document["speeches"])


def test_list_csv_opens_as_a_spreadsheet(run, corpus):
    result = run("list", "--csv")
    assert result.output.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(result.output.lstrip("\ufeff"))))
    assert [r["id"] for r in rows] == [s["id"] for s in corpus.speeches()]
    assert rows[0]["index_version"] == corpus.index_version


def test_show_prints_the_speech_and_its_raw_source(run, corpus, texts):
    speech = corpus.speeches()[0]
    shown = json.loads(run("show", speech["id"], "--json").output)
    assert shown["text"].split("\n") == texts[speech["id"]]
    raw = run("show", speech["id"], "--raw").output
    assert "郴州市市长  阚保勇" in raw  # the original spacing, before cleaning


def test_search_json_lists_exactly_the_speeches_containing_the_phrase(run, texts):
    document = json.loads(run("search", "双过半", "--json", "--page-size", "200").output)
    holders = {sid for sid, paragraphs in texts.items() if any("双过半" in p for p in paragraphs)}
    assert {hit["id"] for hit in document["hits"]} == holders
    assert document["total"] == len(holders)
    assert document["occurrences"] == sum(p.count("双过半") for sid in holders for p in texts[sid])
    assert sum(document["facets"]["province"].values()) == len(holders)
    for hit in document["hits"]:
        assert hit["snippets"] and all("<mark>双过半</mark>" in s["html"] for s in hit["snippets"])


def test_facet_counts_equal_counts_over_the_matching_speeches(run, corpus, texts):
    document = json.loads(run("search", "营商环境", "--json").output)
    matching = [s for s in corpus.speeches() if any("营商环境" in p for p in texts[s["id"]])]
    for facet in ("province", "year", "speaker", "level"):
        expected = {}
        for speech in matching:
            key = "未知" if speech[facet] is None else str(speech[facet])
            expected[key] = expected.get(key, 0) + 1
        assert document["facets"][facet] == expected


def test_kwic_csv_has_bom_readable_chinese_and_context_columns(run, texts):
    result = run("kwic", "六稳", "--csv")
    assert result.exit_code == 0
    assert result.output.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(result.output.lstrip("\ufeff"))))
    assert len(rows) == sum(p.count("六稳") for ps in texts.values() for p in ps)
    assert {r["match"] for r in rows} == {"六稳"}
    assert {r["query"] for r in rows} == {"六稳"}
    assert all(r["index_version"] and r["url"].startswith("/speech/") for r in rows)


def test_kwic_jsonl_prints_one_row_per_line(run):
    lines = run("kwic", "双过半", "--jsonl", "--width", "5").output.splitlines()
    rows = [json.loads(line) for line in lines]
    assert rows and all(len(r["left"]) <= 5 and len(r["right"]) <= 5 and r["match"] == "双过半" for r in rows)


@pytest.mark.parametrize("args, message", [
    (("search", ""), "empty"),
    (("search", '"双过半'), "never closed"),
    (("search", "(双过半"), "never closed"),
    (("search", "双过半 OR"), "OR"),
    (("search", "x" * 10_000), "limit"),
    (("search", "a\x00b"), "U+0000"),
    (("search", "双过半", "--province", "火星"), "unknown province"),
    (("search", "双过半", "--page", "0"), "page"),
    (("kwic", ""), "empty"),
    (("show", "0000000000000000"), "no speech"),
])
def test_errors_are_one_line_and_exit_2(run, args, message):
    result = run(*args)
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_a_missing_index_is_a_clear_error(tmp_path):
    result = CliRunner().invoke(main, ["search", "双过半", "--index", str(tmp_path / "none")])
    assert result.exit_code == 2
    assert "speeches index" in result.output


def test_every_command_is_documented_in_the_readme():
    from conftest import ROOT

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name, command in main.commands.items():
        assert f"speeches {name}" in readme
        for param in command.params:
            for option in param.opts:
                if option.startswith("--") and option not in ("--help",):
                    assert option in readme, (name, option)


def test_collapse_folds_near_duplicate_versions_in_results_and_facets(run, corpus, texts):
    plain = json.loads(run("search", "同志们", "--json", "--page-size", "200").output)
    folded = json.loads(run("search", "同志们", "--json", "--page-size", "200", "--collapse").output)
    groups = {}
    for speech in corpus.speeches():
        if speech["group"] and any("同志们" in p for p in texts[speech["id"]]):
            groups.setdefault(speech["group"], []).append(speech["id"])
    hidden = sum(len(members) - 1 for members in groups.values())
    assert hidden > 0  # 003's versions all say 同志们
    assert folded["total"] == plain["total"] - hidden
    assert sum(folded["facets"]["level"].values()) == folded["total"]
    by_id = {hit["id"]: hit for hit in folded["hits"]}
    speeches = {s["id"]: s for s in corpus.speeches()}
    for members in groups.values():
        # The kept version is the earliest-dated matching one, then the lowest id (the group's
        # representative when it matches).
        kept = min(members, key=lambda i: (speeches[i]["date"] is None, speeches[i]["date"] or "", i))
        assert by_id[kept]["folded"] == len(members) - 1
        assert not (set(members) - {kept}) & set(by_id)
