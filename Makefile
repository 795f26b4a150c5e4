# Two commands matter: `make demo` (the wizard against the embedded sandbox) and `make test`
# (the gate, then every test tier); `make test-fast` runs the unit tier alone (no Postgres, no CLI).
# Each creates .venv with Python 3.12 and installs what it needs.
SHELL := /bin/bash
PYTHON ?= $(shell for p in python3.12 python3; do command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info[:2] != (3, 12))' 2>/dev/null && { echo $$p; break; }; done)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TOOLS_STAMP := .tools/.installed
PYTEST_ARGS ?=

.PHONY: demo test test-fast gate bench tools clean snapshots-update check-python

check-python:
	@if [ -z "$(PYTHON)" ]; then \
	  echo "error: Python 3.12 is required but neither python3.12 nor python3 is 3.12 here."; \
	  echo "       Install Python 3.12 (e.g. 'pyenv install 3.12' — .python-version pins it — or your OS package),"; \
	  echo "       or run: make PYTHON=/path/to/python3.12 test"; \
	  exit 1; fi

$(STAMP): pyproject.toml | check-python
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

# The official Supabase CLI (npm package `supabase`), used by the compatibility tests.
$(TOOLS_STAMP):
	@command -v npm >/dev/null || { echo "error: npm is needed to install the Supabase CLI for the tests (apt-get install npm)"; exit 1; }
	npm install --silent --no-fund --no-audit --prefix .tools supabase@3
	@touch $@

tools: $(TOOLS_STAMP)

# The Muses made by the demo go to demo-muses/ (ignored by git), not into this checkout's root.
demo: $(STAMP)
	@mkdir -p demo-muses
	cd demo-muses && ../$(BIN)/musekit --sandbox

# Lint, format, types and the import-layer contracts (pyproject.toml), before any test runs.
gate: $(STAMP)
	$(BIN)/ruff check wizard tests benchmarks
	$(BIN)/ruff format --check wizard tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports

# tests/unit, tests/db (embedded Postgres), tests/e2e (sandbox, official CLI, TUI, processes)
test: gate $(TOOLS_STAMP)
	$(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

test-fast: $(STAMP)
	$(BIN)/python -m pytest tests/unit -q $(PYTEST_ARGS)

bench: $(STAMP) $(TOOLS_STAMP)
	$(BIN)/python -m benchmarks

snapshots-update: $(STAMP)
	$(BIN)/python -m pytest tests/e2e/test_snapshots.py --snapshot-update

clean:
	rm -rf $(VENV) .tools .pytest_cache
