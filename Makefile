# One entry point. `make serve` and `make test` each set up what they need first:
# a project-local virtual environment (.venv) and the site's JavaScript assets (node_modules).
# Stamp files make a second run skip set-up unless pyproject.toml or package-lock.json changed.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PY_STAMP := $(VENV)/.installed
JS_STAMP := node_modules/.installed

.PHONY: setup serve test test-all build clean help mutation lint timings

help:
	@echo "make serve    set up, then serve the site at http://127.0.0.1:8000"
	@echo "make test     set up, then lint (ruff), type-check (mypy) and run the whole test suite (strict site build included)"
	@echo "make lint     ruff (lint and format check) and mypy only"
	@echo "make test-all as 'make test', plus the slow symbolic sizes"
	@echo "make mutation mutation testing of every module with behaviour; writes docs/data/mutation.json"
	@echo "make build    set up, then build the site into ./site with --strict"
	@echo "make timings  time a cold build, a warm build and mkdocs serve showing an edit"

$(PY_STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

$(JS_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

setup: $(PY_STAMP) $(JS_STAMP)

# A full rebuild on every change, not --dirty: a dirty rebuild renders only the edited page, and
# its links to other pages' anchors (equations, API entries) would not resolve. The computed
# content comes from .cache/site/, so a rebuild recomputes only what the change affects.
serve: setup
	$(BIN)/mkdocs serve --dev-addr 127.0.0.1:8000

build: setup
	$(BIN)/mkdocs build --strict

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# One worker per core, each test file on one worker (its module fixtures computed once); the
# workers share one strict build of the site (tests/conftest.py).
test: lint
	$(BIN)/python -m pytest -n auto --dist loadfile

mutation: setup
	PYTHONPATH=docs/plugins $(BIN)/python -m rnn_math_docs.mutation

timings: setup
	$(BIN)/python tools/build_timings.py

test-all: setup
	$(BIN)/python -m pytest -n auto --dist loadfile -m "slow or not slow"

clean:
	rm -rf $(VENV) node_modules site .pytest_cache .cache
