"""Read datasets (.csv, .tsv, .jsonl, .json, .xlsx): one document per row, given values kept."""

# The text column and the metadata columns are found by name, or named in a sidecar TOML file
# beside the dataset (reports.csv.columns.toml). Values the dataset gives are kept raw and,
# where they can be, normalised as read ones are (湖南 -> 湖南省, 2021年 -> 2021), so that facets
# do not split; a value that cannot be normalised keeps `value: None` with its raw text.

import csv
import datetime
import io
import json
import math
import os
import re
import sys
import tomllib

from indexer import schema
from indexer.readers.base import BoundedZip, Document, UnreadableFile, decode, fold_newlines, read_bytes, resolve_inside

SIDECAR_SUFFIX = ".columns.toml"
TEXT_COLUMNS = ("text", "full_text", "content", "body", "正文", "内容", "全文")
# The columns a dataset may give each field under come from the registry (schema.Field.given_as);
# a row's page address (url) is a hint to the reader, no speech field.
FIELD_COLUMNS = {**schema.dataset_columns(), "url": ("url", "source_url", "链接")}
UNNORMALISED = "unnormalised_values"  # the warning code counting given values left without a value


def sidecar_of(path: str) -> str:
    """Return where a dataset's column map would be."""
    return path + SIDECAR_SUFFIX


def read_csv(data: bytes, path: str, limits) -> list[Document]:
    """Read a comma-separated file saved by Excel or a script: UTF-8 with or without BOM, or GBK."""
    return _read_delimited(data, path, ",", limits)


def read_tsv(data: bytes, path: str, limits) -> list[Document]:
    """Read a tab-separated file."""
    return _read_delimited(data, path, "\t", limits)


def _read_delimited(data: bytes, path: str, delimiter: str, limits) -> list[Document]:
    decoded = decode(data)
    # A report in one cell runs to megabytes; the csv module stops at 128 KB by default.
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    reader = csv.reader(io.StringIO(decoded.text, newline=""), delimiter=delimiter)
    try:
        header = next(reader, None)
        if header is None:
            raise UnreadableFile("empty file", "empty")
        # Rows are numbered as the file has them; blank ones are passed over, not renumbered.
        rows = [(number, dict(zip(_names(header), row)))
                for number, row in enumerate(reader, 1) if any(cell.strip() for cell in row)]
    except csv.Error as error:
        raise UnreadableFile(f"malformed {os.path.splitext(path)[1]} ({error})", "malformed") from None
    documents = _documents(_names(header), rows, path, limits)
    if decoded.replaced and documents:
        documents[0].warnings["replaced_bytes"] = decoded.replaced
    return documents


def _names(header) -> list[str]:
    return [str(name).strip().lstrip("\ufeff") if name is not None else "" for name in header]


# A dataset row is an object of values: nothing in it nests deeply. json.loads recurses once a
# level, and 400 KB of brackets raised RecursionError out of the reader and stopped every build
# (issue 24). The C decoder checks its depth against the interpreter's recursion limit, so the
# error comes before any stack could overflow: it is turned into a malformed file, and what
# parses is refused past MAX_JSON_DEPTH, measured without recursion, before anything walks it.
MAX_JSON_DEPTH = 64


def _loads(text: str):
    """Parse a dataset's JSON, refusing (ValueError) a document nested deeper than MAX_JSON_DEPTH."""
    too_deep = f"nested more than {MAX_JSON_DEPTH} levels deep; a dataset's rows are objects of values"
    try:
        value = json.loads(text)
    except RecursionError:
        raise ValueError(too_deep) from None
    if json_depth(value) > MAX_JSON_DEPTH:
        raise ValueError(too_deep)
    return value


def json_depth(value, limit: int = MAX_JSON_DEPTH) -> int:
    """Return how deeply parsed JSON nests its arrays and objects, counting no further than one past `limit`."""
    deepest, waiting = 0, [(value, 1)]
    while waiting:
        item, depth = waiting.pop()
        if not isinstance(item, (list, dict)):
            continue
        deepest = max(deepest, depth)
        if deepest > limit:
            break
        waiting.extend((child, depth + 1) for child in (item.values() if isinstance(item, dict) else item)
                       if isinstance(child, (list, dict)))
    return deepest


def read_jsonl(data: bytes, path: str, limits) -> list[Document]:
    """Read JSON Lines: one object per line; a line that is not an object is reported by its row."""
    decoded = decode(data)
    rows = []
    for line in decoded.text.splitlines():
        if not line.strip():
            continue
        try:
            value = _loads(line)
        except ValueError:
            value = None
        rows.append((len(rows) + 1, value if isinstance(value, dict) else None))
    if not rows:
        raise UnreadableFile("empty file", "empty")
    return _documents(_columns_of(r for _, r in rows if r), rows, path, limits)


def read_json(data: bytes, path: str, limits) -> list[Document]:
    """Read a JSON array of objects, one document per object."""
    decoded = decode(data)
    try:
        value = _loads(decoded.text)
    except ValueError as error:
        raise UnreadableFile(f"malformed JSON ({error})", "malformed") from None
    if not isinstance(value, list):
        raise UnreadableFile("JSON that is not an array of objects", "malformed")
    rows = [(number, row if isinstance(row, dict) else None) for number, row in enumerate(value, 1)]
    if not rows:
        raise UnreadableFile("empty file", "empty")
    return _documents(_columns_of(r for _, r in rows if r), rows, path, limits)


def _columns_of(rows) -> list[str]:
    seen: dict[str, None] = {}
    for row in rows:
        seen.update(dict.fromkeys(str(key).strip() for key in row))
    return list(seen)


def read_xlsx(data: bytes, path: str, limits) -> list[Document]:
    """Read the first sheet of an Excel workbook that has a text column."""
    import openpyxl

    BoundedZip(data, ".xlsx", limits).close()  # refuses a workbook whose members would inflate too far
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds (KeyError, InvalidFileException, ...)
        raise UnreadableFile(f"malformed .xlsx ({type(error).__name__})", "malformed") from None
    try:
        columns_map = _column_map(path, limits)
        for sheet in workbook.worksheets:
            rows = sheet.iter_rows(values_only=True)
            header = next(rows, None)
            if not header:
                continue
            names = _names(header)
            if _text_column(names, columns_map, path, strict=False) is None:
                continue
            records = [(number, dict(zip(names, row))) for number, row in enumerate(rows, 1)
                       if any(cell not in (None, "") for cell in row)]
            return _documents(names, records, path, limits)
    finally:
        workbook.close()
    raise UnreadableFile(_no_text_column_reason(path), "malformed")


# --- rows to documents -------------------------------------------------------------------------


def _column_map(path: str, limits) -> dict[str, str]:
    """Read the sidecar column map (text = "报告全文", title = "名称", ...), empty when there is none."""
    sidecar = sidecar_of(path)
    if not os.path.lexists(sidecar):
        return {}
    raw = read_bytes(resolve_inside(sidecar, limits.corpus), limits)
    try:
        table = tomllib.loads(raw.decode("utf-8-sig"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise UnreadableFile(f"malformed {os.path.basename(sidecar)} ({error})", "malformed") from None
    known = {"text", *FIELD_COLUMNS}
    unknown = sorted(set(table) - known)
    if unknown or not all(isinstance(value, str) for value in table.values()):
        raise UnreadableFile(
            f"malformed {os.path.basename(sidecar)}: each key is one of {', '.join(sorted(known))} "
            f"and names a column (unknown: {', '.join(unknown) or 'none'})", "malformed")
    return table


def _find(names: list[str], wanted) -> str | None:
    lowered = {name.lower(): name for name in reversed(names)}  # the first of equal names wins
    return next((lowered[w.lower()] for w in wanted if w.lower() in lowered), None)


def _no_text_column_reason(path: str) -> str:
    return (f"no text column (one of {', '.join(TEXT_COLUMNS)}); name it in "
            f"{os.path.basename(sidecar_of(path))} as text = \"column\"")


def _text_column(names: list[str], columns_map: dict, path: str, strict: bool = True) -> str | None:
    if "text" in columns_map:
        if columns_map["text"] in names:
            return columns_map["text"]
        if strict:
            raise UnreadableFile(f"{os.path.basename(sidecar_of(path))} names a text column "
                                 f"{columns_map['text']!r} the dataset does not have", "malformed")
        return None
    found = _find(names, TEXT_COLUMNS)
    if found is None and strict:
        raise UnreadableFile(_no_text_column_reason(path), "malformed")
    return found


def _documents(names: list[str], rows: list[tuple[int, dict | None]], path: str, limits) -> list[Document]:
    """Turn rows into documents: the text cell, and the given values of the mapped columns."""
    columns_map = _column_map(path, limits)
    text_column = _text_column(names, columns_map, path)
    fields = {}
    for field, wanted in FIELD_COLUMNS.items():
        column = columns_map.get(field) or (None if field in columns_map else _find(names, wanted))
        if column in names:
            fields[field] = column
    documents = []
    for number, row in rows:
        if row is None:
            documents.append(Document(text="", row=number, skipped=("malformed", "not a JSON object")))
            continue
        text = fold_newlines(_cell(row.get(text_column))).strip("\n")
        given = {field: _given(field, column, row.get(column)) for field, column in fields.items()}
        given = {field: value for field, value in given.items() if value is not None}
        # Each value left unnormalised is named by its row, column and value (issue 25: the
        # summary said "unnormalised_values ×1" and no more).
        unnormalised = [{"row": number, "field": field, "column": value["column"], "value": value["raw"]}
                        for field, value in given.items() if value["value"] is None]
        document = Document(
            text=text if text.strip() else "", row=number, given=given,
            title=_value(given, "title"), url=_value(given, "url"), published=_value(given, "published"),
            dates=[given["date"]["value"]] if _value(given, "date") else [],
            warnings={UNNORMALISED: len(unnormalised)} if unnormalised else {},
            warning_details={UNNORMALISED: unnormalised} if unnormalised else {},
        )
        if not document.text:
            document.skipped = ("no_text", f"no text in column {text_column!r}")
        documents.append(document)
    return documents


def _value(given: dict, field: str):
    entry = given.get(field)
    return entry["value"] if entry else None


def _cell(value) -> str:
    """Return a cell as text: numbers without a spurious .0, dates in ISO, nothing for empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat(sep=" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _given(field: str, column: str, value) -> dict | None:
    """Return one given value as {value, raw, column}, normalised where it can be; None when empty."""
    raw = _cell(value).strip()
    if not raw:
        return None
    normalise = _NORMALISERS.get(field, _plain)
    return {"value": normalise(raw), "raw": raw, "column": column}


def _plain(raw: str) -> str:
    return " ".join(raw.split())


_YEAR_RE = re.compile(r"^(\d{4})\s*年?(?:度)?$")


_HAN_YEAR_RE = re.compile(r"^([〇○零一二三四五六七八九]{4})\s*年?(?:度)?$")


def normalise_year(raw: str) -> int | None:
    """Return a year given as 2021, 2021年, 2021.0 or 二〇二一(年); None for anything else."""
    text = raw.strip().removesuffix(".0")
    match = _YEAR_RE.match(text)
    if match and 1900 <= int(match.group(1)) <= 2100:
        return int(match.group(1))
    # Issue 25: 二〇二一 was counted unnormalised although the text's own dating reads it.
    written = _HAN_YEAR_RE.match(text)
    if written:
        from indexer.dates import number

        year = number(written.group(1))
        return year if year is not None and 1900 <= year <= 2100 else None
    return None


_DATE_RE = re.compile(
    r"^(\d{4})\s*(?:[-/.年]\s*(\d{1,2})\s*(?:[-/.月]\s*(\d{1,2})\s*日?)?\s*月?)?"
    r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$"
)
_COMPACT_DATE_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


def normalise_date(raw: str) -> str | None:
    """Return a date as ISO (2021-03-05, 2021-03 or 2021), from the forms datasets use; else None."""
    text = raw.strip()
    match = _COMPACT_DATE_RE.match(text) or _DATE_RE.match(text)
    if not match:
        return _written_date(text)
    year, month, day = (int(part) if part else None for part in match.groups())
    if not 1900 <= year <= 2100:
        return None
    if month is None:
        return f"{year:04d}"
    if not 1 <= month <= 12:
        return None
    if day is None:
        return f"{year:04d}-{month:02d}"
    try:
        return datetime.date(year, month, day).isoformat()
    except ValueError:
        return None


def _written_date(text: str) -> str | None:
    """Return a date written in Chinese numerals (二〇二一年三月五日) as ISO, when the cell is that date alone."""
    from indexer.dates import find_dates

    year = normalise_year(text)
    if year is not None:
        return f"{year:04d}"
    found = find_dates(text, standalone=True)
    if len(found) == 1 and found[0].words == text and found[0].year and 1900 <= found[0].year <= 2100:
        return found[0].iso
    return None


def normalise_province(raw: str) -> str | None:
    """Return a province's full name through the gazetteer (湖南 -> 湖南省); None if it names none."""
    from indexer.places import gazetteer

    return gazetteer().province(raw)


def _url(raw: str) -> str | None:
    return raw if re.match(r"^https?://\S+$", raw) else None


_NORMALISERS = {"year": normalise_year, "date": normalise_date, "published": normalise_date,
                "province": normalise_province, "url": _url}
