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
