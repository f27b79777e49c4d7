"""Shared fixtures. Tests are split into unit/ (one module), integration/ (engine, CLI, packs
together) and vignettes/ (data: the clinical specification, run by
integration/test_vignettes.py)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from keuzewijs.packs.loader import Library, get_library

# the hazard log's pytest plugin (issue 18): its hooks, re-exported so pytest finds them here
from tests.hazard_plugin import (  # noqa: F401
    pytest_addoption,
    pytest_collection_modifyitems,
    pytest_configure,
    pytest_runtest_logreport,
    pytest_sessionfinish,
    pytest_sessionstart,
)
from tests.support.postgres import Cluster, pg_bin, running_cluster

REPO = Path(__file__).resolve().parents[1]
KNOWLEDGE = REPO / "knowledge"


@pytest.fixture(scope="session")
def library() -> Library:
    return get_library(KNOWLEDGE)


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def fuzz_examples(default: int) -> int:
    """Hypothesis examples per property: small in `make test`, large in `make fuzz`
    (KEUZEWIJS_FUZZ_EXAMPLES)."""
    return int(os.environ.get("KEUZEWIJS_FUZZ_EXAMPLES", default))


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[Cluster]:
    """One throwaway PostgreSQL cluster per session; each user creates its database in it. With
    CI=true missing server binaries fail, never skip."""
    bindir = pg_bin()
    if bindir is None:
        if in_ci():
            pytest.fail(
                "PostgreSQL server binaries missing: scripts/setup-test-deps.sh should have "
                "installed them"
            )
        pytest.skip("PostgreSQL server not installed (run scripts/setup-test-deps.sh)")
    with running_cluster(bindir) as cluster:
        yield cluster
