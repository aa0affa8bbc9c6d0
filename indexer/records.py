"""Every speech's record held as columns, not as a dict per speech.

A searching process keeps the records of every speech it serves: at 100,000 speeches, dicts
of some 25 fields each held about 250 MB of Python objects. Here each field is one column:
whole numbers in a numpy array, fixed-length lists of them (the store offsets) in a 2-D one,
text as one UTF-8 buffer with offsets (or, when few values repeat, as numbers into a list of
the distinct ones), anything else as JSON text. A record is put together as a dict when it is
asked for, equal to the one `speeches.jsonl` holds; a hot loop reads one field with `value`.
"""

import json
from collections.abc import Iterable, Iterator, Sequence

import numpy as np

_MISSING = object()  # a field a record does not hold at all (not even as null)


class _Numbers:
    """Whole numbers or null."""

    def __init__(self, values: list):
        self.null = np.fromiter((v is None for v in values), dtype=bool, count=len(values))
        self.array = np.fromiter((0 if v is None else v for v in values), dtype=np.int64, count=len(values))

    @staticmethod
    def fits(values: list) -> bool:
        return all(v is None or (type(v) is int and -2**63 <= v < 2**63) for v in values)

    def get(self, position: int):
        return None if self.null[position] else int(self.array[position])


class _NumberLists:
    """Lists of the same length of whole numbers, or null."""

    def __init__(self, values: list, width: int):
        self.null = np.fromiter((v is None for v in values), dtype=bool, count=len(values))
        flat = [n for v in values for n in (v if v is not None else [0] * width)]
        self.array = np.array(flat, dtype=np.int64).reshape(len(values), width)

    @staticmethod
    def width(values: list) -> int | None:
        """Return the common length of lists of whole numbers, or None when the values are not that."""
        if not all(v is None or (type(v) is list and all(type(n) is int and -2**63 <= n < 2**63 for n in v))
                   for v in values):
            return None
        widths = {len(v) for v in values if v is not None}
        return widths.pop() if len(widths) == 1 and 0 not in widths else None

    def get(self, position: int):
        return None if self.null[position] else self.array[position].tolist()


class _Texts:
    """Text or null: one UTF-8 buffer with each value's offsets."""

    def __init__(self, values: list):
        self.null = np.fromiter((v is None for v in values), dtype=bool, count=len(values))
        encoded = [b"" if v is None else v.encode("utf-8") for v in values]
        self.ends = np.cumsum(np.fromiter((len(e) for e in encoded), dtype=np.int64, count=len(encoded)))
        self.buffer = b"".join(encoded)

    def get(self, position: int):
        if self.null[position]:
            return None
        start = int(self.ends[position - 1]) if position else 0
        return self.buffer[start : int(self.ends[position])].decode("utf-8")


class _Labels:
    """Text or null of few distinct values (a province, a level): a number per record into the distinct values."""

    def __init__(self, values: list, distinct: dict):
        self.labels = list(distinct)
        self.codes = np.fromiter((distinct[v] for v in values), dtype=np.int32, count=len(values))

    def get(self, position: int):
        return self.labels[self.codes[position]]


class _Json(_Texts):
    """Any other JSON value, kept as its JSON text."""

    def __init__(self, values: list):
        super().__init__([None if v is None else json.dumps(v, ensure_ascii=False) for v in values])

    def get(self, position: int):
        text = super().get(position)
        return None if text is None else json.loads(text)


def _column(values: list):
    """Choose the most compact column that gives every value back exactly."""
    if _Numbers.fits(values):
        return _Numbers(values)
    width = _NumberLists.width(values)
    if width is not None:
        return _NumberLists(values, width)
    if all(v is None or type(v) is str for v in values):
        distinct: dict = {}
        for value in values:
            distinct.setdefault(value, len(distinct))
            if len(distinct) > 4096:
                return _Texts(values)
        return _Labels(values, distinct)
    return _Json(values)


class Records(Sequence):
    """Every speech's record in generation order: records[i] is speech i's dict, built when asked for."""

    def __init__(self, records: Iterable[dict]):
        names: dict[str, None] = {}
        values: dict[str, list] = {}
        count = 0
        for record in records:
            for name in record:
                if name not in names:
                    names[name] = None
                    values[name] = [_MISSING] * count
            for name in names:
                values[name].append(record.get(name, _MISSING))
            count += 1
        self._count = count
        self._names = list(names)
        self._present: dict[str, np.ndarray | None] = {}
        self._columns = {}
        for name in self._names:
            column = values.pop(name)
            held = np.fromiter((v is not _MISSING for v in column), dtype=bool, count=count)
            self._present[name] = None if held.all() else held
            self._columns[name] = _column([None if v is _MISSING else v for v in column])

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, position: int) -> dict:
        if isinstance(position, slice):
            return [self[i] for i in range(*position.indices(self._count))]
        if not -self._count <= position < self._count:
            raise IndexError("speech position out of range")
        position %= self._count
        record = {}
        for name in self._names:
            present = self._present[name]
            if present is None or present[position]:
                record[name] = self._columns[name].get(position)
        return record

    def __iter__(self) -> Iterator[dict]:
        for position in range(self._count):
            yield self[position]

    def value(self, position: int, name: str):
        """Return one field of one record (None when it does not hold it), without building the record."""
        column = self._columns.get(name)
        present = self._present.get(name)
        if column is None or (present is not None and not present[position]):
            return None
        return column.get(position)

    def pick(self, position: int, names: tuple) -> dict:
        """Return {name: value} of the named fields of one record, None for a field it does not hold."""
        columns, present = self._columns, self._present
        picked = {}
        for name in names:
            column = columns.get(name)
            held = present.get(name)
            picked[name] = None if column is None or (held is not None and not held[position]) else column.get(position)
        return picked

    def numbers(self, name: str) -> np.ndarray | None:
        """Return a field of whole numbers for every record as an array (a row each for lists), or None when it is not that."""
        column = self._columns.get(name)
        if isinstance(column, (_Numbers, _NumberLists)) and self._present[name] is None and not column.null.any():
            return column.array
        return None

    def strings(self, name: str) -> list:
        """Return a field's value for every record, in order (None where a record does not hold it)."""
        return [self.value(position, name) for position in range(self._count)]
