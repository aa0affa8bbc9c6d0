"""The README's tables of settings and fields are held to the two registries they document."""

import re

from indexer import schema
from search import settings

from conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def _table(header: str) -> list[list[str]]:
    """Return the rows of the README table whose header line starts with `header`, cells stripped."""
    lines = README.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header))
    rows = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
    return rows


def test_every_setting_is_in_the_readme_with_its_default_flags_and_variable():
    rows = {re.sub(r"`", "", row[0]): row for row in _table("| setting | default |")}
    assert list(rows) == [row.name for row in settings.SETTINGS]
    for row in settings.SETTINGS:
        name, default, flags, envvar, _help = rows[row.name]
        assert default == (str(row.default) if row.default != "" else "(none)"), row.name
        assert re.findall(r"`([^`]+)`", flags) == [row.flag, *row.aliases], row.name
        assert envvar == f"`{row.envvar}`", row.name


def test_every_field_is_in_the_readme_with_its_label_and_roles():
    rows = _table("| field | label |")
    assert [row[0].strip("`") for row in rows] == list(schema.speech_fields())
    for row, entry in zip(rows, schema.FIELDS):
        _name, label, facet, filter_, flag, _help = row
        assert label == entry.label, entry.name
        assert (facet == "yes") == entry.facet, entry.name
        assert (filter_ == f"`{entry.name}:`") == bool(entry.filter), entry.name
        assert (flag == f"`{schema.flag(entry.name)}`") == entry.flag, entry.name
