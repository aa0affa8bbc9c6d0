# Every target creates .venv and installs the project when needed, so each works on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test

.PHONY: serve test index bench clean browser converters

$(STAMP): setup.cfg pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

$(TEST_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

index: $(STAMP) converters
	$(BIN)/speeches index

PORT ?= 5000

serve: $(STAMP) converters
	test -f index/CURRENT || $(BIN)/speeches index
	$(BIN)/speeches serve --port $(PORT)

test: $(TEST_STAMP) browser converters
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q

# Browser tests drive Debian's chromium (Playwright cannot download its own browser here) and
# need a CJK font; install both when missing.
browser:
	@if ! command -v chromium >/dev/null || ! fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; then \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
	fi

# .doc and .wps files are read through LibreOffice headless (the tests also write .doc and PDF
# files with it); install it when missing.
converters:
	@if ! command -v soffice >/dev/null; then \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq --no-install-recommends libreoffice-writer-nogui >/dev/null; \
	fi

# Benchmark at N=5,000 against SQLite FTS5 and Whoosh+jieba (docs/SCALING.md); BENCH_ARGS adds flags.
bench: $(STAMP)
	$(BIN)/python -m bench.run --n 5000 --out bench/out/results.json $(BENCH_ARGS)

clean:
	rm -rf $(VENV) index
