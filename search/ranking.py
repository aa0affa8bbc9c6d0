"""Ranking: BM25 over jieba words (title words twice) orders the speeches a query matched; it never decides membership.

A sharded index ranks with corpus-wide statistics gathered from every shard first (as
Elasticsearch's dfs_query_then_fetch does), so every shard scores a speech as one index over
every shard would, and the merged order is the one index's: score then id, or date then id.
"""

import math
from dataclasses import dataclass

import numpy as np

from indexer import store
from search import limits
from search import matching
from search import query as q
from search.errors import SearchError

# BM25's term-frequency saturation and length normalisation (Whoosh's defaults).
BM25_K1, BM25_B = 1.2, 0.75
SORTS = ("relevance", "date")


@dataclass
class Ranked:
    """A query's matching speeches, counted, and ordered on demand: a page needs only its top."""

    parsed: q.Query
    generation: store.Generation
    terms: list
    occurrences: np.ndarray  # per speech position
    folded: dict[int, int]
    matched: np.ndarray  # positions of the matching speeches (representatives only, collapsed), in source order
    every: list[int]  # positions of every matching speech, collapsed or not
    keys: tuple  # (primary, tie-break) arrays over `matched` that order them
    scores: np.ndarray
    sort: str

    def __len__(self) -> int:
        return len(self.matched)

    def top(self, count: int | None = None) -> list[tuple[int, float]]:
        """Return the first `count` (all when None) matching speeches in result order, as (position, score).

        The first `count` are picked in linear time, then only they are sorted, so a page of a
        query that matches nearly everything does not sort every match; ties are broken as a
        full sort breaks them, so the page is the full ranking's page.
        """
        primary, tie = self.keys
        if count is not None and count < len(primary):
            cut = np.partition(primary, count - 1)[count - 1]
            chosen = np.nonzero(primary <= cut)[0]  # ties at the cut included, sorted out below
        else:
            chosen = np.arange(len(primary))
        chosen = chosen[np.lexsort((tie[chosen], primary[chosen]))][:count]
        return list(zip(self.matched[chosen].tolist(), self.scores[chosen].tolist()))

    def merge_key(self, index: int, score: float) -> tuple:
        """Return a hit's place in result order, which the parts of a sharded index compare by."""
        records = self.generation.records
        if self.sort == "date":
            return store.date_key(records.value(index, "date"), records.value(index, "id"))
        return (-score, records.value(index, "id"))


def check_sort(sort: str) -> str:
    """Return a result order, or raise SearchError naming the two there are."""
    if sort not in SORTS:
        raise SearchError(f"unknown sort {sort!r}; use relevance or date",
                          f"没有“{sort}”这种排序；请用 relevance（相关度）或 date（日期）")
    return sort


def rank(generation, parsed: q.Query, sort: str, collapse: bool, stats: dict | None = None) -> Ranked:
    """Match, count, collapse and order: everything a page or an export needs.

    `stats` are corpus-wide ranking statistics (`stats` summed over the parts of a sharded
    index), so that a part scores a speech as one index over every part would.
    """
    check_sort(sort)
    matched, counts = matching.matching(generation, parsed)
    found = matching.terms(parsed)
    occurrences = matching.occurrence_counts(generation, found, counts)
    folded, every = {}, matched
    if collapse:
        matched, folded = matching.collapse(generation, matched)
    positions = np.array(matched, dtype=np.int64)
    if sort == "date":
        scores = np.zeros(len(positions))
        keys = (generation.date_rank[positions], np.zeros(len(positions), dtype=np.int64))
    elif len(positions):
        scores = scores_of(generation, found, stats)[positions]
        keys = (-scores, generation.id_rank[positions])
    else:  # nothing to rank: BM25 over every speech would cost as much as for a common word
        scores = np.zeros(0)
        keys = (scores, np.zeros(0, dtype=np.int64))
    return Ranked(parsed, generation, found, occurrences, folded, positions, every, keys, scores, sort)


def query_words(found: list) -> set[str]:
    """Return the ranking words of a query's terms: jieba's words, as the texts' were segmented."""
    from indexer.segment import words as segment_words

    return {w.lower() for term in found for w in segment_words(ranking_text(term))}


def ranking_text(term) -> str:
    """Return the text whose words rank a term: a phrase itself, a pattern's literal fragments."""
    if isinstance(term, str):
        return term
    from search.patterns import ranking_text as pattern_text

    return pattern_text(term.source)


def stats(generation, found: list) -> dict:
    """Return BM25's statistics of a generation for the query's words: speeches, total length, each word's speeches."""
    # The length sum is of whole numbers (word weights), exact in float64: one index and its
    # shards added up give the same average, so the same scores.
    df = {}
    for word in query_words(found):
        df[word] = int(len(generation.postings.word(generation.vocabulary[word])[0])) if word in generation.vocabulary else 0
    return {"speeches": len(generation), "length": float(generation.postings.doc_lengths.sum(dtype=np.float64)), "df": df}


def summed_stats(parts: list[dict]) -> dict:
    """Add up the statistics of the parts of an index: those of the whole."""
    df: dict[str, int] = {}
    for part in parts:
        for word, count in part["df"].items():
            df[word] = df.get(word, 0) + count
    return {"speeches": sum(p["speeches"] for p in parts), "length": sum(p["length"] for p in parts), "df": df}


def scores_of(generation, found: list, given: dict | None = None) -> np.ndarray:
    """Score every speech with BM25 over the jieba words of the query terms (corpus-wide `given` statistics if any)."""
    scores = np.zeros(len(generation), dtype=np.float64)
    lengths = generation.postings.doc_lengths
    given = given or stats(generation, found)
    count = given["speeches"]
    average = given["length"] / count if count and given["length"] > 0 else 1.0
    for word in sorted(given["df"]):
        limits.check()
        if word not in generation.vocabulary:
            continue
        docs, weights = generation.postings.word(generation.vocabulary[word])
        if not len(docs):
            continue
        held = given["df"][word]
        idf = math.log(1 + (count - held + 0.5) / (held + 0.5))
        norm = BM25_K1 * (1 - BM25_B + BM25_B * lengths[docs] / average)
        scores[docs] += idf * weights * (BM25_K1 + 1) / (weights + norm)
    return scores
