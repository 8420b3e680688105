# Two commands on a fresh machine: `make run` (the demo console) and `make test` (the whole suite).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8501

.PHONY: run test lint bench install install-dev clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

# The test suite trains a tiny model locally: torch's CPU build first (pinned, it lies on the build machines'
# disk), then the `local` extra, which it satisfies. `make run` stays without torch.
TORCH ?= torch==2.13.0

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet '$(TORCH)'
	$(BIN)/python -m pip install --quiet -e '.[dev,local]'
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

## run: migrate the embedded SQLite database, add demo data on first run, serve http://127.0.0.1:8501
run: install
	DEV_MODE=1 $(BIN)/bloomtune db upgrade
	DEV_MODE=1 $(BIN)/bloomtune demo --if-empty --interactions 20000
	DEV_MODE=1 $(BIN)/bloomtune dashboard --dev --host $(HOST) --port $(PORT)

## lint: ruff (lint + format check) on everything, mypy on core/
lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

## test: lint, then every test tier (PostgreSQL and browser tiers skip with a reason unless required)
test: lint
	$(BIN)/pytest

## bench: import rate and page script times; prints a table
bench: install-dev
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
