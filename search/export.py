"""CSV for spreadsheets, shared by `speeches … --csv` and the web exports."""

import csv
import io
import json

from indexer import schema

# The columns of a concordance row, in the order JSON and CSV print them.
KWIC_COLUMNS = ["id", "title", "speaker", "year", "date", "date_source", "province", "city", "level",
                "paragraph", "offset", "left", "match", "right", "url"]


# The columns of a comparison row after its bucket's key: denominators, then one term's counts.
COMPARE_COLUMNS = ["speeches", "chars", "term", "occurrences", "term_speeches", "per_10k_chars", "share"]


def compare_columns(by: list[str]) -> list[str]:
    """Return the columns of a comparison row: the by-fields, then COMPARE_COLUMNS."""
    return list(by) + COMPARE_COLUMNS


def compare_rows(result: dict) -> list[dict]:
    """Return a comparison as rows, one per bucket and term, each with its bucket's denominators."""
    return [{**bucket["key"], "speeches": bucket["speeches"], "chars": bucket["chars"], "term": term,
             "occurrences": series["occurrences"], "term_speeches": series["speeches"],
             "per_10k_chars": series["per_10k_chars"], "share": series["share"]}
            for bucket in result["buckets"] for term, series in bucket["series"].items()]


def speech_columns() -> list[str]:
    """Return the columns of a speech, in registry order."""
    return list(schema.speech_fields())


def hit_columns() -> list[str]:
    """Return the columns of a search hit: the speech's, then how it matched."""
    return speech_columns() + ["score", "occurrences", "folded"]


def csv_cell(value) -> str:
    """Render one CSV cell; text starting with = + - @ is prefixed with ' against formula injection."""
    if value is None:
        return ""
    if isinstance(value, (list, tuple, dict)):
        value = json.dumps(value, ensure_ascii=False)
    text = str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        text = "'" + text
    return text


def csv_lines(rows, columns: list[str], context: dict):
    """Yield CSV text line by line: a BOM so Excel reads Chinese, a header, then each row.

    `context` (query, filters, index version) is repeated as the last columns of every row,
    so a row pasted elsewhere still says where it came from.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def take() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(list(columns) + list(context))
    yield "\ufeff" + take()
    tail = [csv_cell(v) for v in context.values()]
    for row in rows:
        writer.writerow([csv_cell(row.get(c)) for c in columns] + tail)
        yield take()
