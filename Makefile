# Two entry points, both safe on a fresh Debian machine with python3 and python3-venv:
#   make run    create .venv if needed, install the app, open it on the default database
#   make test   create .venv if needed, install the test extras, run the whole suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test install install-test bench lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-test: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

run: install
	$(BIN)/dpo-tui $(ARGS)

test: install-test
	$(BIN)/python -m pytest -n auto $(PYTEST_ARGS)

bench: install-test
	$(BIN)/python bench/run_all.py

lint: install-test
	$(BIN)/ruff check dpo_tui tests bench

clean:
	rm -rf $(VENV) .pytest_cache
