"""Researchers' corrections: a TSV kept beside the corpus that fixes any field of a speech.

    # id	field	value	note
    4254858b2abae9cb	speaker	李四	named in the city's press release of 2021-05-20
    65e93798d8efe8c8	year	2020	events of 2020; the compilation rewrote the years

An empty value or 未知 makes a field unknown. Corrections are applied at every build, so they
survive rebuilds; the original value and the note are kept with the speech (`corrected`).
"""

import csv
from dataclasses import dataclass
from pathlib import Path

from indexer import schema


class CorrectionsError(Exception):
    """A corrections file that cannot be applied; the message names the line."""


@dataclass
class Correction:
    """One line of the corrections file."""

    line: int
    id: str
    field: str
    value: object
    note: str


def load_corrections(path: Path) -> list[Correction]:
    """Read a corrections file; a missing file is no corrections."""
    if not path.is_file():
        return []
    corrections = []
    with open(path, encoding="utf-8-sig", newline="") as handle:
        for number, row in enumerate(csv.reader(handle, delimiter="\t"), 1):
            if not row or not row[0].strip() or row[0].lstrip().startswith("#"):
                continue
            if len(row) < 3:
                raise CorrectionsError(f"{path} line {number}: expected id, field, value and a note, tab-separated")
            speech_id, field, value = (cell.strip() for cell in row[:3])
            note = row[3].strip() if len(row) > 3 else ""
            correctable = schema.correctable_fields()
            if field not in correctable:
                raise CorrectionsError(f"{path} line {number}: cannot correct {field!r}; use one of {', '.join(correctable)}")
            corrections.append(Correction(number, speech_id, field, _value(path, number, field, value), note))
    return corrections


def _value(path: Path, number: int, field: str, value: str):
    if value in ("", "未知"):
        return None
    if field == "year":
        if not (value.isdigit() and len(value) == 4):
            raise CorrectionsError(f"{path} line {number}: a year is four digits, e.g. 2021, not {value!r}")
        return int(value)
    if field == "province":
        from indexer.places import gazetteer

        full = gazetteer().province(value)
        if full is None:
            raise CorrectionsError(f"{path} line {number}: unknown province {value!r}; e.g. 湖南 or 湖南省")
        return full
    return value


def revert(record: dict) -> None:
    """Put back the values a previous build's corrections replaced (before applying them again)."""
    for field, change in (record.pop("corrected", None) or {}).items():
        record[field] = change["from"]


def apply_corrections(speeches: dict[str, dict], corrections: list[Correction], aliases: dict) -> list[str]:
    """Apply corrections to speeches by id (old ids through aliases); return the unknown ids."""
    unknown = []
    for correction in corrections:
        speech_id = correction.id if correction.id in speeches else aliases.get(correction.id)
        record = speeches.get(speech_id) if speech_id else None
        if record is None:
            unknown.append(f"{correction.id} (line {correction.line})")
            continue
        changes = record.setdefault("corrected", {})
        _set(record, changes, correction.field, correction.value, correction.note)
        if correction.field == "date" and correction.value:
            _set(record, changes, "year", int(str(correction.value)[:4]), correction.note)
        if correction.field in ("date", "year"):
            _set(record, changes, "date_source", "corrected" if correction.value else None, correction.note)
            _set(record, changes, "year_evidence", correction.note or "corrected", correction.note)
        if correction.field == "province":
            _set(record, changes, "province_evidence", correction.note or "corrected", correction.note)
        if correction.field == "speaker":
            _set(record, changes, "speaker_evidence", correction.note or "corrected", correction.note)
    for record in speeches.values():
        if not record.get("corrected"):
            record.pop("corrected", None)
    return unknown


def _set(record: dict, changes: dict, field: str, value, note: str) -> None:
    if field not in changes:
        changes[field] = {"from": record.get(field), "note": note}
    else:
        changes[field]["note"] = note
    record[field] = value
