# The README's commands: `make run` (set up, then run the bot; the sandbox when no BOT_TOKEN),
# `make test` (set up, then lint and run every test, on SQLite and on PostgreSQL) and `make lint`
# (only the checks). Each creates .venv on first use.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: setup run test lint bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

setup: $(VENV)/.installed

run: setup
	$(PY) -m bot

# Style, the layers' import contracts ([tool.importlinter]) and the types ([tool.mypy]; strict
# for bot/ and storage/), each over the whole project.
lint: setup
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(VENV)/bin/lint-imports
	$(PY) -m mypy

# The suite on SQLite and on a throwaway PostgreSQL (.ci/postgres), both at once: .ci/test.
test: lint
	PY=$(PY) .ci/test

bench: setup
	$(PY) -m bench

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis .mypy_cache .import_linter_cache
