# Two commands matter: `make demo` (the wizard against the embedded sandbox) and `make test`
# (the gate, then every test tier); `make test-fast` runs the unit tier alone (no Postgres, no CLI).
# Each creates .venv with Python 3.12 and installs what it needs.
SHELL := /bin/bash
PYTHON ?= $(shell for p in python3.12 python3; do command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info[:2] != (3, 12))' 2>/dev/null && { echo $$p; break; }; done)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
RUNTIME_STAMP := $(VENV)/.installed-runtime
TOOLS_STAMP := .tools/.installed
PYTEST_ARGS ?=
TEST_WORKERS ?= $(shell $(BIN)/python -c 'import os; print(len(os.sched_getaffinity(0)) + 1 if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1) + 1)')

.PHONY: demo test test-fast gate bench tools clean snapshots-update check-python

check-python:
	@if [ -z "$(PYTHON)" ]; then \
	  echo "error: Python 3.12 is required but neither python3.12 nor python3 is 3.12 here."; \
	  echo "       Install Python 3.12 (e.g. 'pyenv install 3.12' — .python-version pins it — or your OS package),"; \
	  echo "       or run: make PYTHON=/path/to/python3.12 test"; \
	  exit 1; fi

# The venv with a current pip (it resolves musekit's dependencies in half the time of the pip a new
# venv bundles), put there by the interpreter's own pip when it has one: faster than ensurepip.
$(BIN)/pip: | check-python
	@test -x $(BIN)/python || $(PYTHON) -m venv --without-pip $(VENV)
	@$(PYTHON) -m pip --python $(BIN)/python install --quiet --upgrade pip 2>/dev/null \
	  || { $(BIN)/python -m ensurepip && $(BIN)/python -m pip install --quiet --upgrade pip; }

# musekit, editable, built by the backend installed in the venv (pyproject's [build-system]): pip's
# build isolation would make two throwaway environments for it. `make demo` installs what the wizard
# needs, uncompiled (Python compiles what the demo imports on first use, see `demo`); the dev extras
# (tests, gate, bench) include it, and everything is compiled for them: CI sets PYTHONDONTWRITEBYTECODE,
# so each test process would compile every module it imports again.
PIP_INSTALL := $(BIN)/python -m pip install --quiet
BUILD_REQUIRES = $$($(BIN)/python -c "import tomllib; print(*tomllib.load(open('pyproject.toml', 'rb'))['build-system']['requires'])") editables

$(RUNTIME_STAMP): pyproject.toml | $(BIN)/pip
	$(PIP_INSTALL) $(BUILD_REQUIRES)
	$(PIP_INSTALL) --no-compile --no-build-isolation -e .
	@touch $@

$(STAMP): pyproject.toml | $(BIN)/pip
	$(PIP_INSTALL) $(BUILD_REQUIRES)
	$(PIP_INSTALL) --no-build-isolation -e '.[dev]'
	$(BIN)/python -c "import compileall, sysconfig; compileall.compile_dir(sysconfig.get_paths()['purelib'], quiet=2, workers=0)"
	@touch $@ $(RUNTIME_STAMP)

# The official Supabase CLI (npm package `supabase`), used by the compatibility tests.
$(TOOLS_STAMP):
	@command -v npm >/dev/null || { echo "error: npm is needed to install the Supabase CLI for the tests (apt-get install npm)"; exit 1; }
	npm install --silent --no-fund --no-audit --prefix .tools supabase@3
	@touch $@

tools: $(TOOLS_STAMP)

# Everything the demo makes stays in demo-muses/ (ignored by git; `make clean` removes it): the Muses,
# and musekit's data dir in demo-muses/.data (the sandbox's projects and databases, the clone list).
# PYTHONDONTWRITEBYTECODE is cleared for the wizard alone, so what it imports is compiled once, into
# this venv. 130: quit during a step; the wizard has printed how to resume: no error from make too.
DEMO_DATA := $(CURDIR)/demo-muses/.data
demo: $(RUNTIME_STAMP)
	@mkdir -p demo-muses
	cd demo-muses && MUSEKIT_DATA_DIR=$(DEMO_DATA) PYTHONDONTWRITEBYTECODE= ../$(BIN)/musekit --sandbox || [ $$? -eq 130 ]

# Lint, format, types and the import-layer contracts (pyproject.toml), before any test runs.
gate: $(STAMP)
	$(BIN)/ruff check wizard tests benchmarks
	$(BIN)/ruff format --check wizard tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports

# tests/unit, tests/db (embedded Postgres), tests/e2e (sandbox, official CLI, TUI, processes)
# One xdist worker more than there are cores: many e2e tests wait (a server, a subprocess, a frame),
# and the extra worker runs meanwhile (on 2 cores, 3 workers take about 3/4 of the time 2 take).
test: gate $(TOOLS_STAMP)
	$(BIN)/python -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

test-fast: $(STAMP)
	$(BIN)/python -m pytest tests/unit -q $(PYTEST_ARGS)

# Bytecode compiled first: a shell with PYTHONDONTWRITEBYTECODE=1 (as CI sets) would otherwise compile
# every module of wizard/ again in each timed process, which a user's Python does once.
bench: $(STAMP) $(TOOLS_STAMP)
	$(BIN)/python -m compileall -q wizard benchmarks
	$(BIN)/python -m benchmarks

snapshots-update: $(STAMP)
	$(BIN)/python -m pytest tests/e2e/test_snapshots.py --snapshot-update

# The venv, the tools, and the demo's Muses with its sandbox (stopped first if a killed demo left
# its clusters running).
clean:
	@if [ -x $(BIN)/musekit ] && [ -d $(DEMO_DATA)/sandbox ]; then $(BIN)/musekit sandbox --reset --yes --data-dir $(DEMO_DATA)/sandbox; fi
	rm -rf $(VENV) .tools .pytest_cache demo-muses
