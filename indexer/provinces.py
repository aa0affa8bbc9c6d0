"""The provincial-level divisions, by name and code, without loading the whole gazetteer.

A query's `province:` filter needs only these 34 names; the gazetteer of every county
(indexer/places.py, through cpca and jieba) is for reading speeches and takes seconds to load.
"""

from functools import lru_cache
from pathlib import Path

PROVINCES_PATH = Path(__file__).resolve().parent / "data" / "provinces.tsv"
SUFFIXES = ("特别行政区", "自治区", "省", "市")


@lru_cache(maxsize=1)
def provinces() -> tuple[tuple[str, str, str], ...]:
    """Return (code, full name, short name) of every province, in code order."""
    rows = []
    for line in PROVINCES_PATH.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            code, name, short = line.split("\t")
            rows.append((code, name, short))
    return tuple(sorted(rows))


@lru_cache(maxsize=1)
def _names() -> dict[str, str]:
    names = {name: name for _, name, _ in provinces()}
    names.update({short: name for _, name, short in provinces()})
    return names


def resolve(name: str | None) -> str | None:
    """Return the full name of a province named in full or short: 湖南 -> 湖南省; None if it is none."""
    name = (name or "").strip()
    names = _names()
    if name in names:
        return names[name]
    for suffix in SUFFIXES:
        if name.endswith(suffix) and name[: -len(suffix)] in names:
            return names[name[: -len(suffix)]]
    return None


def code(name: str) -> str | None:
    """Return the division code of a province's full name."""
    return next((c for c, full, _ in provinces() if full == name), None)
