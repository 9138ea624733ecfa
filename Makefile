# photoid: `make run` serves the demo site, `make test` runs the test suite. Both set everything up.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 5000
# HOST=0.0.0.0 serves on every network interface, to try the site from a phone on the same network.
HOST   ?= 127.0.0.1

.PHONY: run test lint mutation install install-test check-python demo wheel clean

check-python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null || { \
	  echo "Python 3.11 or newer is required (found: $$($(PYTHON) --version 2>&1 || echo none))."; \
	  echo "Install it, or point to it: make $(MAKECMDGOALS) PYTHON=/path/to/python3.11"; exit 1; }

$(BIN)/python: | check-python
	@echo "==> Creating the virtual environment in $(VENV)"
	@$(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml setup.py | $(BIN)/python
	@echo "==> Installing photoid and its dependencies"
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml setup.py | $(BIN)/python
	@echo "==> Installing photoid with its test dependencies"
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

demo: install
	@echo "==> Upgrading the database"
	@$(BIN)/photoid db upgrade
	@echo "==> Loading the demo collection if the database is empty"
	@$(BIN)/photoid demo --if-empty

run: demo
	@echo "==> Serving photoid on http://$(HOST):$(PORT)  (Ctrl-C to stop; PORT=8080 make run for another port)"
	@$(BIN)/photoid run --host $(HOST) --port $(PORT)

# Workers for the test suite: one per core (pytest-xdist); TEST_WORKERS=0 runs it in one process.
# --dist loadgroup: the browser tests stay on one worker (tests/conftest.py), so their live server starts once.
TEST_WORKERS ?= auto

# The suite runs with bytecode written even where PYTHONDONTWRITEBYTECODE is set: pytest rewrites the
# asserts of every test module as it imports it, and without its cached rewrite (in __pycache__, which
# git ignores) each worker spent about 8 s of CPU doing it again.
test: install-test
	@echo "==> Running the test suite ($(TEST_WORKERS) workers)"
	@env -u PYTHONDONTWRITEBYTECODE $(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadgroup

lint: install-test
	@BIN=$(BIN) bash .ci/lint.sh

# Mutation testing of the core modules (docs/testing.md): not part of `make test` or CI's required run.
# MODULES="workflow text" for some of them; MUTATION_JOBS=1 for one mutant at a time.
mutation: install-test
	@$(BIN)/python scripts/mutation.py $(MODULES)

wheel: | $(BIN)/python
	@echo "==> Building the wheel into dist/ (install it with pip; see docs/upgrade.md)"
	@$(BIN)/python -m pip wheel --quiet --disable-pip-version-check --no-deps -w dist . >build.log 2>&1 || { cat build.log; exit 1; }
	@rm -f build.log
	@rm -rf build

clean:
	rm -rf $(VENV) instance .pytest_cache
