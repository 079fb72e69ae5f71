# Two commands for a fresh machine: `make run` and `make test`. Both install what they need.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PORT   ?= 5000
DB     ?= sqlite:///var/tessera.db
PG_URL ?= postgresql://postgres@127.0.0.1:5432/test

.PHONY: install chromium run test test-sqlite test-postgres bench translations clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP) chromium

# The browser tests (tests/browser/) drive Debian's chromium, with CJK fonts for the Chinese pages.
# CI runs `make test` as root on a clean machine; elsewhere a failed apt-get leaves them skipping.
chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
	  apt-get install -y chromium fonts-noto-cjk || { apt-get update && apt-get install -y chromium fonts-noto-cjk; } || \
	  echo "chromium could not be installed: the browser tests will skip (CI fails on skips)"; \
	fi

run: $(STAMP)
	mkdir -p var
	$(BIN)/tessera run apps/loyalty.yaml apps/membership-card.yaml --db $(DB) --demo --port $(PORT)

# The suite runs twice: on SQLite, then on PostgreSQL when it is reachable (CI requires it:
# TESSERA_REQUIRE_PG=1 turns a missing PostgreSQL, and any skipped test, into a failure).
# Two workers (pytest-xdist), one test file each at a time; on PostgreSQL each has its own database.
# The browser tests run in the SQLite pass only: they test the pages, not the database.
PYTEST := $(BIN)/python -m pytest -q -n 2 --dist loadfile
test: $(STAMP) chromium
	$(PYTEST)
	@if $(BIN)/python -c "import psycopg; psycopg.connect('$(PG_URL)', connect_timeout=3).close()" 2>/dev/null; then \
	  echo "== the same suite on PostgreSQL ($(PG_URL)) =="; \
	  TESSERA_TEST_DATABASE_URL=$(PG_URL) $(PYTEST) -m "not browser"; \
	else \
	  echo "PostgreSQL at $(PG_URL) is not reachable: the PostgreSQL pass was SKIPPED"; \
	  test -z "$$TESSERA_REQUIRE_PG"; \
	fi

bench: $(STAMP)
	$(BIN)/python bench/compile_apps.py
	$(BIN)/python bench/list_throughput.py
	$(BIN)/python bench/expressions.py
	$(BIN)/python bench/rules_throughput.py

# After adding or changing a UI text (engines/form/ui_text.py): refresh the catalog, translate the new
# entries in messages.po (no "fuzzy" may remain), then run this again to compile. docs/languages.md.
CATALOG := engines/form/translations
translations: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k N_ --add-location=file --sort-output --project=Tessera \
	  -o $(CATALOG)/messages.pot .
	$(BIN)/pybabel update -i $(CATALOG)/messages.pot -d $(CATALOG) --no-fuzzy-matching --ignore-obsolete
	$(BIN)/pybabel compile -d $(CATALOG) --statistics

clean:
	rm -rf $(VENV) var .pytest_cache
