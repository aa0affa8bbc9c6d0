"""Compare terms over time and place: occurrences, speeches, and their denominators, per bucket.

A bucket is a value of one field (`year`, `province`, …) or a pair of values of two, over the
speeches that pass the filters. For each term of the comparison (any query of the language,
`营商环境 OR 招商引资` included) it counts occurrences and speeches as `search` counts them, and
for each bucket the speeches and characters it holds, so that a rate has its denominator
beside it: per_10k_chars = occurrences × 10,000 / chars, share = speeches with the term /
speeches in the bucket. Every number is a sum over speeches of the exact counts the pair
postings give.
"""

import numpy as np

from indexer import provinces, schema

MAX_TERMS = 12  # series on one chart; more are unreadable and each is a query


class CompareError(ValueError):
    """A comparison that cannot be made; the message says what to change (and `zh` says it in Chinese)."""

    def __init__(self, message: str, zh: str):
        super().__init__(message)
        self.zh = zh


def check(terms: list[str], by: list[str]) -> tuple[list[str], list[str]]:
    """Return the terms (stripped, none empty) and the by-fields, or raise CompareError."""
    terms = [t.strip() for t in terms if t and t.strip()]
    by = [b.strip() for part in by for b in str(part).split(",") if b.strip()]
    repeated = sorted({t for t in terms if terms.count(t) > 1})
    if repeated:
        raise CompareError(f"the term {repeated[0]!r} is given twice; give each term once",
                           f"“{repeated[0]}”重复了；每个词只写一次")
    if len(terms) > MAX_TERMS:
        raise CompareError(f"{len(terms)} terms are more than {MAX_TERMS}; compare fewer at a time",
                           f"一次最多比较 {MAX_TERMS} 个词")
    fields = schema.compare_fields()  # facets and filters whose values are few enough to chart
    if not 1 <= len(by) <= 2 or len(set(by)) != len(by) or any(b not in fields for b in by):
        raise CompareError(f"by must be one or two of {', '.join(fields)}, e.g. by=year or by=province,year; "
                           f"not {','.join(by) or '(nothing)'}",
                           f"比较维度须为 {'、'.join(fields)} 中的一个或两个，例如 by=year 或 by=province,year")
    return terms, by


def bucket_order(field: str, value: str):
    """Return the sort key of a bucket value: years ascending, provinces by division code, 未知 last."""
    if value == schema.UNKNOWN:
        return (3, "")
    if field == "year":
        return (0, int(value)) if value.isdigit() else (1, value)
    if field == "province":
        if value == schema.NATIONAL:
            return (2, "")
        return (0, provinces.code(value) or value)
    if field == "date_source":
        order = list(schema.DATE_SOURCES)
        return (0, order.index(value)) if value in order else (1, value)
    return (0, value)


def bucket_codes(columns: dict, by: list[str]) -> np.ndarray:
    """Return each speech's bucket as one number: its value numbers of the by-fields, combined."""
    codes = np.zeros(len(columns[by[0]].numbers), dtype=np.int64)
    for field in by:
        column = columns[field]
        codes = codes * len(column.values) + column.numbers
    return codes


def order_buckets(columns: dict, by: list[str], codes: np.ndarray) -> tuple[list[tuple], np.ndarray]:
    """Return the keys of the distinct bucket codes in key order, and each code's place in that order.

    `codes` must be sorted and distinct (np.unique); keys are tuples of values as the columns hold them.
    """
    keys = []
    for code in codes.tolist():
        parts = []
        for field in reversed(by):
            size = len(columns[field].values)
            parts.append(columns[field].values[code % size])
            code //= size
        keys.append(tuple(reversed(parts)))
    order = sorted(range(len(keys)), key=lambda k: tuple(bucket_order(f, v) for f, v in zip(by, keys[k])))
    place = np.empty(len(order), dtype=np.int64)
    place[np.array(order, dtype=np.int64)] = np.arange(len(order))
    return [keys[k] for k in order], place


def tally(by: list[str], keys: list[tuple], base_buckets: np.ndarray, base_chars: np.ndarray, found: dict) -> list[dict]:
    """Lay out the buckets with their denominators and each term's counts.

    `base_buckets` and `base_chars` give the bucket and characters of every speech of the base
    set (the filtered corpus); `found` maps a term to (the buckets of the speeches it matched,
    their occurrences).
    """
    size = len(keys)
    speeches = np.bincount(base_buckets, minlength=size)
    sizes = np.bincount(base_buckets, weights=base_chars, minlength=size)
    counted = {term: (np.bincount(buckets, weights=occurrences, minlength=size), np.bincount(buckets, minlength=size))
               for term, (buckets, occurrences) in found.items()}
    rows = []
    for k, key in enumerate(keys):
        total, chars = int(speeches[k]), int(sizes[k])
        row = {"key": dict(zip(by, key)), "speeches": total, "chars": chars, "series": {}}
        for term, (occurrences, holds) in counted.items():
            row["series"][term] = series(int(round(occurrences[k])), int(holds[k]), total, chars)
        rows.append(row)
    return rows


def merged(parts: list[list[dict]], terms: list[str], by: list[str]) -> list[dict]:
    """Add the buckets of the parts of an index (shards) up, bucket by bucket, in key order."""
    if len(parts) == 1:
        return parts[0]
    rows: dict[tuple, dict] = {}
    for buckets in parts:
        for bucket in buckets:
            key = tuple(bucket["key"][f] for f in by)
            row = rows.setdefault(key, {"speeches": 0, "chars": 0, "series": {t: [0, 0] for t in terms}})
            row["speeches"] += bucket["speeches"]
            row["chars"] += bucket["chars"]
            for term, counted in bucket["series"].items():
                row["series"][term][0] += counted["occurrences"]
                row["series"][term][1] += counted["speeches"]
    keys = sorted(rows, key=lambda key: tuple(bucket_order(f, v) for f, v in zip(by, key)))
    return [{"key": dict(zip(by, key)), "speeches": rows[key]["speeches"], "chars": rows[key]["chars"],
             "series": {term: series(found, holding, rows[key]["speeches"], rows[key]["chars"])
                        for term, (found, holding) in rows[key]["series"].items()}} for key in keys]


def series(found: int, holding: int, speeches: int, chars: int) -> dict:
    """Return one term's measures in a bucket: occurrences, speeches, the rate per 10,000 characters, the share."""
    return {"occurrences": found, "speeches": holding, "per_10k_chars": found * 10000 / chars if chars else None,
            "share": holding / speeches if speeches else None}


def series_totals(rows: list[dict], terms: list[str]) -> dict:
    """Return each term's totals over every bucket: occurrences, speeches, and the rate against all characters."""
    chars = sum(row["chars"] for row in rows)
    speeches = sum(row["speeches"] for row in rows)
    totals = {term: series(sum(row["series"][term]["occurrences"] for row in rows),
                           sum(row["series"][term]["speeches"] for row in rows), speeches, chars) for term in terms}
    return {"speeches": speeches, "chars": chars, "series": totals}
