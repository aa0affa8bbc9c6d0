"""Records held as columns give back every record exactly as speeches.jsonl holds it."""

import json

import pytest

from indexer import generations, schema, store
from indexer.records import Records

ODD = [
    {"id": "a", "title": "在全省经济工作会议上的讲话", "year": 2021, "store": [0, 10, 3], "lines": [1, 9], "group": None,
     "flag": True, "score": 0.25, "sources": ["a.txt"], "big": 2**70, "empty": ""},
    {"id": "b", "title": None, "year": None, "store": [10, 5, 0], "lines": None, "group": "g1",
     "flag": False, "score": None, "sources": ["b.txt", "c.txt"], "big": 1, "empty": "𠀀"},
    {"id": "c", "store": [15, 1, 1], "extra": {"nested": [1, "二"]}, "year": -3, "lines": [4, 4]},
]


def test_odd_records_come_back_equal_field_for_field():
    records = Records(iter(ODD))
    assert len(records) == 3 and list(records) == ODD and records[-1] == ODD[-1] and records[0:2] == ODD[:2]
    for position, record in enumerate(ODD):
        assert records[position] == record
        for name in ("id", "title", "year", "store", "lines", "group", "flag", "score", "sources", "big", "extra"):
            assert records.value(position, name) == record.get(name), (position, name)
            assert type(records.value(position, name)) is type(record.get(name)), (position, name)
        names = ("id", "title", "nowhere", "store", "extra")
        assert records.pick(position, names) == {name: record.get(name) for name in names}
    assert "title" not in records[2] and "extra" not in records[0]  # absent stays absent, null stays null
    assert records.numbers("store").tolist() == [r["store"] for r in ODD]
    assert records.numbers("year") is None  # a null among them: no array that would pass for numbers
    with pytest.raises(IndexError):
        records[3]


def test_no_records_is_an_empty_table():
    records = Records(iter([]))
    assert len(records) == 0 and list(records) == [] and records.strings("id") == []


def test_the_shipped_generation_reads_back_as_its_lines(shipped_index):
    generation = store.open_generation(shipped_index / generations.current_name(shipped_index))
    with open(generation.path / schema.SPEECHES, encoding="utf-8") as handle:
        lines = [json.loads(line) for line in handle]
    assert len(lines) > 20 and list(generation.records) == lines
    assert generation.records.strings("province") == [line.get("province") for line in lines]
