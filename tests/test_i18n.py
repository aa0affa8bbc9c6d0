"""The message catalogs are in step with the templates and views, complete in English, and compiled as committed;
make serve and make test need no root, no apt-get and no LibreOffice (issue 25)."""

import io
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from conftest import ROOT

TRANSLATIONS = ROOT / "web" / "translations"
PYBABEL = Path(sys.executable).with_name("pybabel")


def catalog(lang: str):
    with open(TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po", "rb") as handle:
        return read_po(handle, locale=lang)


def test_the_catalogs_hold_every_message_the_templates_and_views_use(tmp_path):
    # What `make translations` extracts; a message added without updating the catalogs fails here.
    pot = tmp_path / "messages.pot"
    subprocess.run([str(PYBABEL), "extract", "-F", "web/babel.cfg", "-k", "lazy_gettext", "-k", "_l", "--no-location",
                    "--sort-output", "-o", str(pot), "."], cwd=ROOT, check=True, capture_output=True)
    with open(pot, "rb") as handle:
        extracted = {message.id for message in read_po(handle) if message.id}
    for lang in ("zh", "en"):
        held = {message.id for message in catalog(lang) if message.id}
        assert extracted - held == set(), lang
        assert held - extracted == set(), lang  # nothing stale either


def test_every_message_has_its_english():
    untranslated = [message.id for message in catalog("en") if message.id and (
        not message.string or (isinstance(message.string, tuple) and not all(message.string)) or message.fuzzy)]
    assert untranslated == []
    # No English message holds Chinese interface text: only placeholders carry data, and an example query
    # (after "e.g.") stays as printed, the query language being the data's.
    han = re.compile(r"[\u3400-\u9fff\u3000-\u303f\uff00-\uffef]")
    for message in catalog("en"):
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert not any(han.search((text or "").split("e.g.")[0]) for text in strings), message.id


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_committed_mo_files_are_the_po_files_compiled(lang):
    # The app reads the .mo files; a fresh clone serves English only if they match the .po files.
    compiled = io.BytesIO()
    write_mo(compiled, catalog(lang))
    assert (TRANSLATIONS / lang / "LC_MESSAGES" / "messages.mo").read_bytes() == compiled.getvalue()


def _prerequisites(target: str) -> list[str]:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    found = re.search(rf"^{target}:([^\n]*)$", makefile, re.M)
    return found.group(1).split()


@pytest.mark.parametrize("target", ["serve", "test", "index"])
def test_serve_test_and_index_install_no_converters(target):
    # Issue 25: make serve ran apt-get (for LibreOffice) and failed on any machine without it or root.
    assert "converters" not in _prerequisites(target)


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_serve_runs_no_apt_get_and_make_test_goes_on_without_it(tmp_path):
    # A PATH without apt-get and sudo, as on a Mac or a university server: the dry runs name no apt-get
    # for serve, and the browser step of make test only says what it would skip.
    bare = tmp_path / "bin"
    bare.mkdir()
    for tool in ("make", "sh", "bash", "test", "id", "fc-list", "grep", "echo"):
        if shutil.which(tool):
            os.symlink(shutil.which(tool), bare / tool)
    env = {"PATH": str(bare), "HOME": str(tmp_path)}
    serve = subprocess.run(["make", "-n", "serve"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert serve.returncode == 0 and "apt-get" not in serve.stdout
    browser = subprocess.run(["make", "browser"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert browser.returncode == 0, browser.stderr
    assert "browser tests will be skipped" in browser.stdout
    converters = subprocess.run(["make", "converters"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert converters.returncode != 0 and "install LibreOffice" in converters.stderr  # only when asked, and it says how
