"""CSV, JSON Lines and streamed JSON for exports, shared by `speeches … --csv/--jsonl` and the web.

Rows are written as they come (an export never holds its rows); rows passed through
`limits.bounded` may end with a `Stopped`, written as an explicit last line saying the
export is incomplete and after how many rows (CSV: a row whose first cell is `#incomplete`;
JSON Lines: `{"complete": false, ...}`; a JSON document: `"complete": false` after its
rows), never a silent cut.
"""

import csv
import io
import json

from indexer import schema
from search.limits import Stopped

INCOMPLETE = "#incomplete"



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
        if isinstance(row, Stopped):
            cells = [INCOMPLETE, stopped_message(row)] + [""] * max(0, len(columns) - 2)
            writer.writerow(cells[: max(2, len(columns))] + tail)
        else:
            writer.writerow([csv_cell(row.get(c)) for c in columns] + tail)
        yield take()


def jsonl_lines(rows):
    """Yield one JSON object a line; an export that stopped ends with {"complete": false, "rows", "reason", "error"}."""
    for row in rows:
        if isinstance(row, Stopped):
            row = {"complete": False, "rows": row.rows, "reason": row.reason, "error": stopped_message(row)}
        yield json.dumps(row, ensure_ascii=False) + "\n"


def json_document(head: dict, rows, key: str = "rows"):
    """Yield one JSON document, `head`'s fields then `key`: a list of rows written as they come.

    A document whose rows stopped ends `..., "complete": false, "incomplete": {"rows",
    "reason", "error"}}`: still one valid JSON document, saying it is cut and where.
    """
    yield json.dumps(head, ensure_ascii=False)[:-1] + (", " if head else "") + json.dumps(key) + ": ["
    for count, row in enumerate(rows):
        if isinstance(row, Stopped):
            incomplete = {"rows": row.rows, "reason": row.reason, "error": stopped_message(row)}
            yield '], "complete": false, "incomplete": ' + json.dumps(incomplete, ensure_ascii=False) + "}"
            return
        yield (", " if count else "") + json.dumps(row, ensure_ascii=False)
    yield "]}"


def batched(pieces, size: int = 1 << 16):
    """Join streamed text into pieces of about `size` characters: a server writes each piece at a cost."""
    held, length = [], 0
    for piece in pieces:
        held.append(piece)
        length += len(piece)
        if length >= size:
            yield "".join(held)
            held, length = [], 0
    if held:
        yield "".join(held)


def stopped_message(stopped: Stopped) -> str:
    """Say that an export is incomplete, after how many rows, and why."""
    return f"incomplete: the export stopped after {stopped.rows:,} rows: {stopped.message}"
