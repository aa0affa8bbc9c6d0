"""Comparisons over time and place: every number equals a scan of the shipped corpus."""

from collections import defaultdict

import pytest

from indexer import schema
from search import SearchError

from test_exact import scan

TERMS = ["稳中求进", "高质量发展", "双过半", "GDP"]


def key_of(speech: dict, field: str) -> str:
    """A speech's bucket value as a reader would write it down: 全国 for central speeches, 未知 when unknown."""
    return schema.column_value(speech, field)


def representatives(speeches: list[dict]) -> list[dict]:
    """Keep one speech per near-duplicate group, as the README defines it: earliest dated, then lowest id."""
    groups, kept = defaultdict(list), []
    for speech in speeches:
        if speech["group"]:
            groups[speech["group"]].append(speech)
        else:
            kept.append(speech)
    for members in groups.values():
        kept.append(min(members, key=lambda s: (s["date"] is None, s["date"] or "", s["id"])))
    return kept


def expected(corpus, texts, terms, by, passes=lambda s: True, collapse=False):
    """Compute a comparison by scanning every speech's text."""
    base = [s for s in corpus.speeches() if passes(s)]
    if collapse:
        base = representatives(base)
    rows = defaultdict(lambda: {"speeches": 0, "chars": 0, "series": {t: [0, 0] for t in terms}})
    for speech in base:
        row = rows[tuple(key_of(speech, f) for f in by)]
        row["speeches"] += 1
        row["chars"] += speech["chars"]
    for term in terms:
        counts = defaultdict(int)
        for speech_id, _, _ in scan(texts, term):
            counts[speech_id] += 1
        holding = [s for s in corpus.speeches() if counts.get(s["id"]) and passes(s)]
        if collapse:
            holding = representatives(holding)
        for speech in holding:
            row = rows[tuple(key_of(speech, f) for f in by)]
            row["series"][term][0] += counts[speech["id"]]
            row["series"][term][1] += 1
    return {key: row for key, row in rows.items()}


def as_found(result) -> dict:
    return {tuple(b["key"][f] for f in result["by"]): {
        "speeches": b["speeches"], "chars": b["chars"],
        "series": {t: [s["occurrences"], s["speeches"]] for t, s in b["series"].items()}} for b in result["buckets"]}


@pytest.mark.parametrize("by", [["year"], ["province"], ["level"], ["speaker"], ["date_source"], ["province", "year"],
                                ["year", "level"]])
@pytest.mark.parametrize("collapse", [False, True])
def test_every_number_equals_a_scan(corpus, texts, by, collapse):
    result = corpus.compare(TERMS, by, collapse=collapse)
    assert as_found(result) == expected(corpus, texts, TERMS, by, collapse=collapse)
    for bucket in result["buckets"]:
        for term, series in bucket["series"].items():
            assert series["per_10k_chars"] == series["occurrences"] * 10000 / bucket["chars"]
            assert series["share"] == series["speeches"] / bucket["speeches"]
    # Totals agree with search: an occurrence is counted as search counts it.
    for term in TERMS:
        found = corpus.search(term, collapse=collapse)
        assert result["totals"]["series"][term]["speeches"] == found["total"]
        assert result["totals"]["series"][term]["occurrences"] == found["occurrences"]


def test_filters_narrow_the_denominators_too(corpus, texts):
    filters = {"year": ("2018-2021",), "level": ("市",)}
    result = corpus.compare(TERMS, "province", filters)

    def passes(s):
        return s["year"] is not None and 2018 <= s["year"] <= 2021 and s["level"] == "市"

    assert as_found(result) == expected(corpus, texts, TERMS, ["province"], passes)
    assert result["filters"] == {"year": ("2018-2021",), "level": ("市",)}


def test_buckets_come_in_key_order_with_unknown_last(corpus):
    years = [b["key"]["year"] for b in corpus.compare(["经济"], "year")["buckets"]]
    known = [y for y in years if y != schema.UNKNOWN]
    assert known == sorted(known, key=int) and years[len(known):] == [schema.UNKNOWN] * (len(years) - len(known))
    from indexer import provinces

    places = [b["key"]["province"] for b in corpus.compare(["经济"], "province")["buckets"]]
    named = [p for p in places if p not in (schema.UNKNOWN, schema.NATIONAL)]
    assert named == sorted(named, key=provinces.code)
    assert places[len(named):] == [p for p in (schema.NATIONAL, schema.UNKNOWN) if p in places]


def test_a_term_may_be_any_query(corpus):
    result = corpus.compare(["营商环境 OR 招商引资", "NEAR(稳中求进 高质量发展)"], "year")
    for term in result["terms"]:
        found = corpus.search(term)
        assert result["totals"]["series"][term]["speeches"] == found["total"]
        assert result["totals"]["series"][term]["occurrences"] == found["occurrences"]
        by_year = defaultdict(int)
        for hit in corpus.hits(term):
            by_year[str(hit["year"]) if hit["year"] else schema.UNKNOWN] += 1
        assert {b["key"]["year"]: b["series"][term]["speeches"] for b in result["buckets"] if
                b["series"][term]["speeches"]} == dict(by_year)


@pytest.mark.parametrize("terms, by, message", [
    (["双过半", "双过半"], "year", "given twice"),
    (["双过半"], "colour", "by must be"),
    (["双过半"], "year,province,level", "by must be"),
    (["双过半"], "year,year", "by must be"),
])
def test_a_comparison_that_cannot_be_made_says_why(corpus, terms, by, message):
    with pytest.raises(SearchError, match=message):
        corpus.compare(terms, by)


# ---- citable snapshots ----------------------------------------------------------------------

SPEECH = """在全县经济工作会议上的讲话
（{date}）
同志们：
今年以来，我们紧盯双过半目标，全县经济运行总体平稳。{extra}
"""


def test_a_snapshot_keeps_what_it_found_and_says_what_changed(tmp_path):
    from indexer.build import build_index
    from search import Corpus

    corpus, index = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    for name, date, extra in (("a.txt", "2021年3月5日", "甲"), ("b.txt", "2022年4月8日", "乙"), ("c.txt", "2020年1月2日", "丙")):
        (corpus / name).write_text(SPEECH.format(date=date, extra=extra), encoding="utf-8")
    build_index(corpus, index)
    taken = Corpus(index).cite("双过半")
    then_ids = sorted(s["id"] for s in Corpus(index).speeches())
    assert taken["total"] == 3 and taken["ids"] == then_ids and len(taken["id"]) == 6

    # The corpus changes: one speech removed, one added, one re-dated (its text unchanged but its date).
    (corpus / "c.txt").unlink()
    (corpus / "d.txt").write_text(SPEECH.format(date="2023年6月1日", extra="丁"), encoding="utf-8")
    (corpus / "b.txt").write_text(SPEECH.format(date="2022年4月8日", extra="乙"), encoding="utf-8")
    (corpus.parent / "corrections.tsv").write_text(
        f"{next(s['id'] for s in Corpus(index).speeches() if s['source'] == 'b.txt')}\tyear\t2019\tthe archive dates it\n",
        encoding="utf-8")
    build_index(corpus, index, force=True)
    fresh = Corpus(index)
    shown = fresh.snapshot(taken["id"])
    # As it was: the same ids and counts, under the version it was taken on.
    assert (shown["ids"], shown["total"], shown["occurrences"]) == (taken["ids"], 3, taken["occurrences"])
    assert shown["index_version"] == taken["index_version"] != fresh.index_version
    ids = {s["source"]: s["id"] for s in fresh.speeches()}
    assert shown["now"]["index_version"] == fresh.index_version
    assert shown["now"]["added"] == [ids["d.txt"]]
    assert shown["now"]["removed"] == [i for i in taken["ids"] if i not in ids.values()]
    assert shown["now"]["redated"] == [ids["b.txt"]]
    assert shown["now"]["total"] == 3  # two of the three remain, one was added

    # The page shows both, and a citation line with the access date.
    from web import create_app

    page = create_app({"INDEX": str(index), "TESTING": True}).test_client().get(f"/cite/{taken['id']}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and f"讲话检索快照 {taken['id']}" in html and "访问于" in html
    assert ids["d.txt"] in html and "此后不再匹配 1 篇" in html and "年份或日期已改 1 篇" in html


def test_an_unknown_snapshot_is_not_found(corpus):
    from search import UnknownSnapshot

    with pytest.raises(UnknownSnapshot):
        corpus.snapshot("zzzzzz")


def test_the_cite_command_stores_a_snapshot_the_page_shows(shipped_index, corpus):
    import json

    from click.testing import CliRunner

    from search.cli import main

    result = CliRunner().invoke(main, ["cite", "--index", str(shipped_index), "--json", "双过半", "--province", "湖南"])
    assert result.exit_code == 0, result.output
    snapshot = json.loads(result.output)
    assert snapshot["total"] == corpus.search("双过半", {"province": ("湖南",)})["total"]
    assert corpus.snapshot(snapshot["id"])["ids"] == snapshot["ids"]


# ---- the shells: CLI, JSON and CSV twins ----------------------------------------------------


def test_the_compare_command_prints_the_library_answer(shipped_index, corpus):
    import csv
    import io
    import json

    from click.testing import CliRunner

    from search.cli import main

    args = ["compare", "--index", str(shipped_index), "稳中求进", "高质量发展", "--by", "province,year", "--level", "市"]
    document = json.loads(CliRunner().invoke(main, args + ["--json"]).output)
    expected = corpus.compare(["稳中求进", "高质量发展"], ["province", "year"], {"level": ("市",)})
    assert document == json.loads(json.dumps(expected, ensure_ascii=False))
    rows = list(csv.DictReader(io.StringIO(CliRunner().invoke(main, args + ["--csv"]).output.lstrip("\ufeff"))))
    assert len(rows) == 2 * len(expected["buckets"])
    first = expected["buckets"][0]
    assert rows[0]["province"] == first["key"]["province"] and int(rows[0]["chars"]) == first["chars"]


def test_the_compare_page_has_json_and_csv_twins(shipped_index, corpus):
    import csv
    import io

    from web import create_app

    client = create_app({"INDEX": str(shipped_index), "TESTING": True}).test_client()
    query = "q=稳中求进&q=高质量发展&by=year&province=湖南省"
    expected = corpus.compare(["稳中求进", "高质量发展"], "year", {"province": ("湖南省",)})
    api = client.get("/api/compare?" + query).get_json()
    assert api["buckets"] == expected["buckets"] and api["terms"] == expected["terms"]
    rows = list(csv.DictReader(io.StringIO(client.get("/compare.csv?" + query).get_data(as_text=True).lstrip("\ufeff"))))
    assert [(r["year"], r["term"], int(r["occurrences"])) for r in rows] == [
        (b["key"]["year"], t, s["occurrences"]) for b in expected["buckets"] for t, s in b["series"].items()]
    page = client.get("/compare?" + query).get_data(as_text=True)
    for bucket in expected["buckets"]:
        assert f"<td>{bucket['key']['year']}</td>" in page
    assert client.get("/compare?q=双过半&q=双过半").status_code == 400
    # Printed years only: the stated switch drops speeches whose year is inferred from the denominators.
    stated = client.get("/api/compare?q=双过半&by=year&stated=1").get_json()
    assert stated["filters"]["date_source"] == ["corrected", "given", "printed", "meta"]
    assert sum(b["speeches"] for b in stated["buckets"]) == sum(
        1 for s in corpus.speeches() if s["date_source"] not in (None, "inferred"))


def test_central_speeches_are_counted_under_national_not_unknown(tmp_path):
    from indexer.build import build_index
    from search import Corpus

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("在全国教育工作会议上的讲话\n教育部部长  王建国\n（2021年1月5日）\n同志们：\n"
                                  "全国教育系统要抓好落实，确保双过半。\n", encoding="utf-8")
    (corpus / "b.txt").write_text("在全市经济工作会议上的讲话\n（2021年3月5日）\n同志们：\n"
                                  "今年以来，我们紧盯双过半目标。\n", encoding="utf-8")
    build_index(corpus, tmp_path / "index")
    found = Corpus(tmp_path / "index")
    central = next(s for s in found.speeches() if s["level"] == schema.CENTRAL)
    assert central["province"] is None
    facets = found.search("双过半")["facets"]["province"]
    assert facets.get(schema.NATIONAL) == 1 and facets.get(schema.UNKNOWN, 0) == 1
    assert [h["id"] for h in found.hits("双过半 province:全国")] == [central["id"]]
    assert central["id"] not in [h["id"] for h in found.hits("双过半 province:未知")]
    assert [b["key"]["province"] for b in found.compare(["双过半"], "province")["buckets"]] == \
        [schema.NATIONAL, schema.UNKNOWN]
