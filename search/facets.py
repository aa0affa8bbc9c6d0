"""Facets: exact counts of the matching speeches per value of each facet field, and the year chart's series.

Counts come from the field columns (indexer/fields.py) over every matching speech, never a
page; unknown values are counted under 未知. The counts of the parts of an index (shards) add
up to the whole's (`summed`).
"""

import numpy as np

from indexer import schema


def order(counts: dict) -> dict:
    """Order a facet's counts as every answer gives them: most speeches first, then by value."""
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def counts(columns: dict, positions: np.ndarray) -> dict:
    """Count speeches at positions per facet value, from the facet columns; unknowns under 未知."""
    found = {}
    for facet in schema.facets():
        column = columns[facet]
        if not len(positions) or not len(column.values):
            found[facet] = {}
            continue
        tally = np.bincount(column.numbers[positions], minlength=len(column.values))
        found[facet] = order({column.values[k]: int(n) for k, n in enumerate(tally) if n})
    return found


def added(parts: list[dict]) -> dict:
    """Add up counts keyed by value."""
    total: dict = {}
    for part in parts:
        for value, n in part.items():
            total[value] = total.get(value, 0) + n
    return total


def summed(parts: list[dict]) -> dict:
    """Add facet counts up, each facet's values in the one index's order."""
    return {facet: order(added([p.get(facet, {}) for p in parts])) for facet in schema.facets()}


def years_by_source(columns: dict, matched: list[int]) -> dict[str, dict[str, int]]:
    """Count the matching speeches per year, split by how the year is known (date_source)."""
    years, sources = columns["year"], columns["date_source"]
    by_source: dict[str, dict[str, int]] = {}
    pairs = np.stack([years.numbers[matched], sources.numbers[matched]]) if matched else np.empty((2, 0), int)
    found, times = np.unique(pairs, axis=1, return_counts=True) if matched else (pairs, [])
    for (year, source), count in zip(found.T.tolist(), list(times)):
        by_source.setdefault(years.values[year], {})[sources.values[source]] = int(count)
    return by_source


def summed_years(parts: list[dict]) -> dict[str, dict[str, int]]:
    """Add the parts' years by source up."""
    by_source: dict[str, dict[str, int]] = {}
    for part in parts:
        for year, split in part.items():
            mine = by_source.setdefault(year, {})
            for source, n in split.items():
                mine[source] = mine.get(source, 0) + n
    return by_source
