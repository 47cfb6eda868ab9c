# Parley: `make run` serves the demo, `make test` runs the whole suite.
PYTHON ?= $(shell scripts/find-python)
VENV := .venv
BIN := $(VENV)/bin
export PARLEY_DATA_DIR ?= $(CURDIR)/var

.PHONY: run install install-dev test test-fast lint format messages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.dev-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed

install-dev: $(VENV)/.dev-installed

run: install
	$(BIN)/parley migrate --no-input -v 0
	$(BIN)/parley demo --if-empty
	$(BIN)/parley run

test: install-dev
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .

format: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

messages: install-dev
	cd parley && ../$(BIN)/parley makemessages -l pl --no-obsolete && ../$(BIN)/parley compilemessages

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
