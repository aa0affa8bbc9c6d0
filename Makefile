# Every target creates .venv and installs the project when needed, so each works on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test

.PHONY: serve test index bench clean browser converters translations

# An editable install from the repository is what we want, so setuptools' note that folders named
# like the packages take precedence is silenced (the package data is declared: no other warning).
QUIET_EDITABLE := PYTHONWARNINGS="ignore:Editable installation"

$(STAMP): setup.cfg pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(QUIET_EDITABLE) $(BIN)/pip install --quiet -e .
	touch $@

$(TEST_STAMP): $(STAMP)
	$(QUIET_EDITABLE) $(BIN)/pip install --quiet -e '.[test]'
	touch $@

index: $(STAMP)
	$(BIN)/speeches index

PORT ?= 5000

serve: $(STAMP)
	test -f index/CURRENT || $(BIN)/speeches index
	$(BIN)/speeches serve --port $(PORT)

# -rfEs lists every failure, error and skipped test with its reason (no LibreOffice, no chromium), so a
# skip is never silent.
test: $(TEST_STAMP) browser
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q -rfEs

# Browser tests drive Debian's chromium (Playwright cannot download its own browser here) and
# need a CJK font. They are installed only where apt-get can run (as root, or through sudo
# without a password); anywhere else the browser tests are skipped, saying why.
browser:
	@if ! command -v chromium >/dev/null || ! fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; then \
		if ! command -v apt-get >/dev/null; then \
			echo "chromium or a CJK font is missing and there is no apt-get: the browser tests will be skipped"; \
		elif [ "$$(id -u)" = 0 ]; then \
			apt-get update -qq && apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
		elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then \
			sudo apt-get update -qq && sudo apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
		else \
			echo "chromium or a CJK font is missing (apt-get install chromium fonts-noto-cjk as root): the browser tests will be skipped"; \
		fi; \
	fi

# .doc and .wps files are read through LibreOffice headless: only this target installs it, on
# Debian or Ubuntu (elsewhere install LibreOffice by hand and put soffice on PATH). Without it
# .doc and .wps files are skipped as no_converter and `make test` skips the converter tests.
converters:
	@if command -v soffice >/dev/null; then \
		echo "LibreOffice (soffice) is installed: .doc and .wps files are read"; \
	elif ! command -v apt-get >/dev/null; then \
		echo "no apt-get here: install LibreOffice with your system's package manager and put soffice on PATH" >&2; exit 1; \
	else \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq --no-install-recommends libreoffice-writer-nogui >/dev/null; \
	fi

# The interface's message catalogs (web/translations, read by Flask-Babel): extract every message of
# the templates and views, merge them into the zh and en catalogs, compile the .mo files the app
# reads. Run after changing a message; fill in the new English in web/translations/en/.../messages.po
# and run it again. Chinese is the source language: its catalog's empty entries are the messages.
POT := web/translations/messages.pot
translations: $(STAMP)
	$(BIN)/pybabel extract -F web/babel.cfg -k lazy_gettext -k _l --no-location --sort-output --project speeches -o $(POT) .
	$(BIN)/pybabel update -i $(POT) -d web/translations --no-wrap --ignore-pot-creation-date
	$(BIN)/pybabel compile -d web/translations --statistics
	rm -f $(POT)

# Benchmark at N=5,000 against SQLite FTS5 and Whoosh+jieba (docs/SCALING.md); BENCH_ARGS adds flags.
bench: $(STAMP)
	$(BIN)/python -m bench.run --n 5000 --out bench/out/results.json $(BENCH_ARGS)

clean:
	rm -rf $(VENV) index
