# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: run test test-fast fuzz install test-deps check validate bench docs clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

run: install
	$(VENV)/bin/keuzewijs serve

# System tools the test suite needs (installed when absent; see scripts/setup-test-deps.sh).
test-deps:
	bash scripts/setup-test-deps.sh

# House rules, first in `make test` (it fails fast, before system tools are installed): lint
# (rules in pyproject.toml), formatting, types, and the layer contract of docs/architecture.md
# (import-linter). Each step stops the build.
check: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

test: install check test-deps
	$(VENV)/bin/keuzewijs validate
	$(PY) -m pytest

# The inner loop (under a minute on 2 cores): everything but the tests that drive a browser, start a
# server, use Spark, run a subprocess or a long hypothesis property (markers set in
# tests/conftest.py). No check, no system tools: `make test` runs all of it.
test-fast: install
	$(PY) -m pytest -q -m "not slow and not browser and not server and not spark"

# A long fuzzing run: schemathesis against the live server for 30 minutes (`make test` runs it
# for 90 s) and the hypothesis properties of hostile input with 20x more examples.
fuzz: install
	KEUZEWIJS_FUZZ_SECONDS=$${KEUZEWIJS_FUZZ_SECONDS:-1800} KEUZEWIJS_FUZZ_EXAMPLES=$${KEUZEWIJS_FUZZ_EXAMPLES:-3000} \
	$(PY) -m pytest -p no:cacheprovider tests/web/test_schema_fuzz.py tests/web/test_hardening.py \
		tests/cds/test_hostile_tokens.py tests/cli/test_cli_hostile.py -k "schemathesis or any_"

validate: install
	$(VENV)/bin/keuzewijs validate

# Generated documentation (the tests fail while these are stale): the Advice JSON contract and the
# CDS Hooks examples (docs/cds-hooks-examples.md), which show the service's real answers and so
# change with the packs' wording.
docs: install
	$(PY) scripts/export_contracts.py
	$(PY) scripts/cds_docs_examples.py

bench: install
	$(PY) benchmarks/advise_speed.py

clean:
	rm -rf $(VENV) build .pytest_cache
