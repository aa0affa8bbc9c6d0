"""Matching: which speeches a parsed query and its filters find in one generation, and how often.

Membership and counts are exact: the positional character-pair postings (indexer/postings.py)
give every occurrence of every term, each a run of pairs at consecutive positions, exactly
where a substring scan of the cleaned texts finds it. A pattern is matched by RE2 in the
texts the rest of the query leaves (search/patterns.py). NEAR is confirmed paragraph by
paragraph in the stored text.
"""

import numpy as np

from indexer import schema
from indexer.text import fold_case
from search import limits
from search import query as q


def parse(query: str, filters: dict | None = None, require_text: bool = False) -> q.Query:
    """Parse a query and extra filters ({field: values}); `require_text` refuses filters alone."""
    from indexer import provinces

    return q.parse(query, filters=filters, resolve_province=provinces.resolve, require_text=require_text)


def terms(parsed: q.Query) -> list:
    """Return a query's positive terms, what is counted, listed and marked: a phrase's text, or the Pattern."""
    if parsed.text is None:
        return []
    return [t.text if isinstance(t, q.Term) else t for t in q.positive_terms(parsed.text)]


def has_near(node) -> bool:
    """Tell whether a tree holds a NEAR, which is matched paragraph by paragraph in the text."""
    if isinstance(node, q.Near):
        return True
    if isinstance(node, (q.Term, q.Pattern)):
        return False
    if isinstance(node, q.Not):
        return has_near(node.item)
    return any(has_near(item) for item in node.items)


def has_pattern(node) -> bool:
    """Tell whether a tree holds a pattern, which reads texts to match."""
    if isinstance(node, q.Pattern):
        return True
    if isinstance(node, q.Term):
        return False
    if isinstance(node, q.Not):
        return has_pattern(node.item)
    return any(has_pattern(item) for item in (node.terms if isinstance(node, q.Near) else node.items))


def marks_by_pattern(query: str) -> bool:
    """Tell whether marking a query's terms in a text runs RE2 (a pattern term); a malformed query marks nothing.

    Phrases are marked by plain search, in time linear in the text like the rest of a page;
    a pattern's matching is a query's work (the web gives it a slot and a deadline).
    """
    if not query.strip():
        return False
    try:
        parsed = parse(query)
    except q.QueryError:
        return False
    return parsed.text is not None and has_pattern(parsed.text)


def value_ok(how: str, actual: str, value: str) -> bool:
    """Tell whether a speech's value of a field (as its column holds it) passes one filter value."""
    if value == schema.UNKNOWN or actual == schema.UNKNOWN:
        return actual == value
    if how == schema.YEAR:
        if "-" in value:
            low, high = value.split("-", 1)
            return int(low) <= int(actual) <= int(high)
        return actual == value
    if how == schema.CONTAINS:
        return value in actual
    return actual == value


def filter_mask(generation, filters: dict) -> np.ndarray:
    """Return which speeches pass every field filter (values ORed within a field)."""
    mask = np.ones(len(generation), dtype=bool)
    columns = generation.columns if filters else {}
    for name, wanted in filters.items():
        limits.check()
        column, how = columns[name], schema.field(name).filter
        passing = [k for k, value in enumerate(column.values) if any(value_ok(how, value, w) for w in wanted)]
        mask &= np.isin(column.numbers, passing)
    return mask


def scope(generation, filters: dict) -> np.ndarray:
    """Return the positions of the speeches passing filters (checked and resolved here)."""
    from indexer import provinces

    return np.nonzero(filter_mask(generation, q.check_filters(filters, provinces.resolve)))[0]


def _mask(generation, node, counts: dict, within: np.ndarray | None = None) -> np.ndarray:
    """Return which speeches the tree matches; `counts` gathers each term's counts per speech.

    The answer is right within `within` (every speech when None): a pattern, which reads
    texts, is counted only there, and an AND narrows the scope of its later items.
    """
    if isinstance(node, q.Term):
        if node.text not in counts:
            limits.check()
            counts[node.text] = generation.postings.counts(node.text)
        return counts[node.text] > 0
    if isinstance(node, q.Pattern):
        from search.patterns import PatternCounts

        if node not in counts:
            counts[node] = PatternCounts(generation, node.source)
        counts[node].cover(within, limits.check)
        return counts[node].counts > 0
    if isinstance(node, (q.Near, q.And)):
        # A NEAR gives the speeches holding every term; the paragraph is checked in the text afterwards.
        items = node.terms if isinstance(node, q.Near) else node.items
        mask = np.ones(len(generation), dtype=bool) if within is None else within.copy()
        for item in sorted(items, key=has_pattern):  # patterns last, in the narrowest scope
            mask &= _mask(generation, item, counts, mask)
        return mask
    if isinstance(node, q.Not):
        if has_near(node.item):  # a superset of a NEAR's matches says nothing of its complement
            return np.ones(len(generation), dtype=bool)
        return ~_mask(generation, node.item, counts, within)
    return np.logical_or.reduce([_mask(generation, item, counts, within) for item in node.items])


def matching(generation, parsed: q.Query) -> tuple[list[int], dict]:
    """Return (positions of the matching speeches in source order, {term: occurrences per speech})."""
    counts: dict = {}
    mask = np.ones(len(generation), dtype=bool)
    if parsed.filters:
        mask &= filter_mask(generation, parsed.filters)
    if parsed.text is not None:
        mask &= _mask(generation, parsed.text, counts, mask if parsed.filters else None)
    positions = np.nonzero(mask)[0].tolist()
    limits.check()
    if parsed.text is not None and has_near(parsed.text):
        confirmed = []
        for count, index in enumerate(positions):
            if count % 64 == 0:
                limits.check()
            text = generation.text(index)
            if q.matches(parsed.text, fold_case(text).split("\n"), text.split("\n")):
                confirmed.append(index)
        positions = confirmed
    _count_patterns(counts, positions)
    return positions, counts


def _count_patterns(counts: dict, positions: list[int]) -> None:
    """Count the patterns' occurrences in every matching speech; keep every pattern's counts as a plain array."""
    for term, tally in list(counts.items()):
        if isinstance(term, q.Pattern):
            wanted = np.zeros(len(tally.counts), dtype=bool)
            wanted[positions] = True
            tally.cover(wanted, limits.check)
            counts[term] = tally.counts


def occurrence_counts(generation, found: list, counts: dict) -> np.ndarray:
    """Return each speech's occurrences of the terms, reusing the counts matching gathered."""
    occurrences = np.zeros(len(generation), dtype=np.int64)
    for term in found:
        occurrences += counts[term] if term in counts else generation.postings.counts(term)
    return occurrences


def collapse(generation, matched: list[int]) -> tuple[list[int], dict[int, int]]:
    """Keep one speech per near-duplicate group: the earliest dated, then lowest id; say how many each folds."""
    groups: dict[str, list[int]] = {}
    kept = []
    records = generation.records
    for count, index in enumerate(matched):
        if count % 1024 == 0:
            limits.check()
        group = records.value(index, "group")
        if group is None:
            kept.append(index)
        else:
            groups.setdefault(group, []).append(index)
    folded = {}
    for members in groups.values():
        members.sort(key=lambda m: (records.value(m, "date") is None, records.value(m, "date") or "", records.value(m, "id")))
        kept.append(members[0])
        folded[members[0]] = len(members) - 1
    kept.sort()
    return kept, folded
