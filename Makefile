# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: run test test-fast fuzz install test-deps check validate bench docs clean safety soup lock

# Every package at the version in requirements.lock (issue 18: the same install every time), then
# keuzewijs itself without dependencies. `make lock` re-resolves pyproject.toml into the lock.
# The installer is uv, pinned here: the 130 locked packages and keuzewijs took 54 s with it and
# 95 s with pip (fresh venv, empty caches, 2 cores, 2026-12-06). The versions are the lock's either
# way; tests/install/test_lock.py checks the installed ones. --compile-bytecode, as pip does:
# without .pyc files (and with PYTHONDONTWRITEBYTECODE set, as here) every process compiles its
# imports again, and pytest in make test took 729 s instead of 562.
UV_VERSION := 0.13.9
$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet uv==$(UV_VERSION)
	$(VENV)/bin/uv pip install --python $(PY) --quiet --compile-bytecode -r requirements.lock
	$(VENV)/bin/uv pip install --python $(PY) --quiet --no-deps -e .
	touch $(STAMP)

lock: install
	$(PY) scripts/lock.py

# The SOUP list (docs/safety/soup.md) from the lock file; tests/install/test_lock.py fails when
# they disagree.
soup: install
	$(PY) scripts/soup.py

install: $(STAMP)

run: install
	$(VENV)/bin/keuzewijs serve

# System tools the test suite needs (installed when absent; see scripts/setup-test-deps.sh).
test-deps:
	bash scripts/setup-test-deps.sh

# House rules, first in `make test` (before pytest, beside the system tools): lint
# (rules in pyproject.toml), formatting, types, and the layer contract of docs/architecture.md
# (import-linter). Each step stops the build.
check: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

# The hazard log (safety/hazards.yaml, issue 18): pytest records which tests ran and passed, and
# `keuzewijs safety` fails the build, one line naming the hazard, when a mitigation's proof is
# missing or failing; it writes docs/safety/hazard-log.md and docs/safety/traceability.md.
SAFETY_RESULTS := build/safety/test-results.json
# pytest-xdist workers, a whole test file each (--dist loadfile: a file's module-scoped servers
# start once), longest files first (tests/conftest.py orders them; xdist must not reorder). Two
# on the 2-core CI machine; benchmarks/README.md has the timings.
TEST_WORKERS ?= 2

# The house rules, the system tools and validate run side by side (mypy on one core, apt/npm
# mostly waiting, validate on the other core): each still stops the build when it fails.
test: install
	$(MAKE) --no-print-directory -j3 --output-sync=target check test-deps validate
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder --hazard-results=$(SAFETY_RESULTS)
	$(VENV)/bin/keuzewijs safety --results $(SAFETY_RESULTS)

# Only the tests the hazard log names or marks, then the check (`make test` runs all of them).
safety: install
	$(PY) -m pytest -p no:randomly --hazard-only --hazard-results=$(SAFETY_RESULTS)
	$(VENV)/bin/keuzewijs safety --results $(SAFETY_RESULTS)

# The inner loop (under a minute on 2 cores): everything but the tests that drive a browser, start a
# server, use Spark, run a subprocess or a long hypothesis property (markers set in
# tests/conftest.py). No check, no system tools: `make test` runs all of it.
test-fast: install
	$(PY) -m pytest -q -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder \
		-m "not slow and not browser and not server and not spark"

# A long fuzzing run: schemathesis against the live server for 30 minutes (`make test` runs it
# for 60 s) and the hypothesis properties of hostile input with 20x more examples.
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
