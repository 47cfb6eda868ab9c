# Parley: `make run` serves the demo, `make test` runs the whole suite.
PYTHON ?= $(shell scripts/find-python)
VENV := .venv
BIN := $(VENV)/bin
export PARLEY_DATA_DIR ?= $(CURDIR)/var

.PHONY: run install install-dev test test-fast lint format messages openapi clean

# The composer's rich text editor (Trix), installed from the npm registry into the compose
# app's static files; never committed (see .gitignore).
TRIX_VERSION := 2.1.19
TRIX_DIR := parley/compose/static/compose/vendor
# The stamp names what was copied, so a change here refetches.
TRIX_STAMP := $(TRIX_DIR)/.trix-$(TRIX_VERSION)-map
# Without npm (a fresh machine with only Python and make) the composer falls back to a
# plain-text body, so `make run` never depends on Node.js.
$(TRIX_STAMP):
	@if command -v npm >/dev/null 2>&1; then \
		npm install --silent --no-audit --no-fund --prefix var/npm trix@$(TRIX_VERSION) && \
		mkdir -p $(TRIX_DIR) && \
		cp var/npm/node_modules/trix/dist/trix.umd.min.js var/npm/node_modules/trix/dist/trix.umd.min.js.map var/npm/node_modules/trix/dist/trix.css $(TRIX_DIR)/ && \
		touch $@; \
	else \
		echo "npm not found: the composer will use a plain-text body (install Node.js for the rich text editor)."; \
	fi

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.dev-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed $(TRIX_STAMP)

install-dev: $(VENV)/.dev-installed $(TRIX_STAMP)

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

openapi: install-dev
	$(BIN)/python scripts/openapi.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
