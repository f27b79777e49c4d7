"""Audit fixtures: one synthetic OMOP data set per session, the DuckDB audit of it, Spark,
PostgreSQL.

PostgreSQL: a database in the session's throwaway cluster (tests/support/postgres.py). Spark:
local mode with the machine's Java (installed by setup-test-deps.sh when absent). With CI=true
a missing tool fails, never skips.
"""

from __future__ import annotations

import datetime as dt
import gc
import json
import shutil
import warnings
from pathlib import Path
from typing import Any

import pytest

from keuzewijs.audit.backends import connect
from keuzewijs.audit.mapping import load_mapping
from keuzewijs.audit.run import load, run_audit
from keuzewijs.audit.synth import generate
from keuzewijs.packs.loader import get_library
from tests.conftest import KNOWLEDGE, in_ci
from tests.support.postgres import Cluster

PATIENTS = 30_000
SEED = 7


@pytest.fixture(scope="session")
def library():
    return get_library(KNOWLEDGE)


@pytest.fixture(scope="session")
def mapping(library):
    return load_mapping(library)


@pytest.fixture(scope="session")
def synthetic(tmp_path_factory, library, mapping) -> Path:
    out = tmp_path_factory.mktemp("omop")
    generate(
        library, mapping, PATIENTS, out, seed=SEED, chunk=12_000
    )  # several chunks: parts are appended
    return out


@pytest.fixture(scope="session")
def manifest(synthetic) -> dict[str, Any]:
    return json.loads((synthetic / "manifest.json").read_text())


@pytest.fixture(scope="session")
def as_of(manifest) -> dt.date:
    return dt.date.fromisoformat(manifest["as_of"])


@pytest.fixture(scope="session")
def duck():
    with connect("duckdb", memory_limit="2GB") as con:
        yield con


@pytest.fixture(scope="session")
def duck_result(duck, synthetic, as_of, library, mapping):
    data = load(duck, synthetic, as_of)
    return run_audit(duck, data, library, mapping, by=["provider", "period"])


@pytest.fixture(scope="session")
def spark():
    if shutil.which("java") is None:
        if in_ci():
            pytest.fail(
                "java missing: scripts/setup-test-deps.sh should have installed "
                "default-jre-headless"
            )
        pytest.skip("java not installed (run scripts/setup-test-deps.sh)")
    with connect("spark", memory_limit="2GB", threads=2) as con:
        # Whole-stage code generation compiles Java for every query, which does not pay off on
        # test-sized data: the audit of 30,000 patients took 78-116 s without it and 107-154 s
        # with it (three runs each, same 2-core machine). It changes how Spark runs a plan, not
        # what it computes; the CLI keeps it on for real data sets.
        con._session.conf.set("spark.sql.codegen.wholeStage", "false")
        yield con
    # py4j leaves gateway sockets for the garbage collector (see test_backends.py): collect them
    # here.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "unclosed <socket.socket", ResourceWarning)
        gc.collect()


@pytest.fixture(scope="session")
def postgres_url(postgres_cluster: Cluster) -> str:
    return postgres_cluster.database("omop")


def rows_by_key(result) -> dict[tuple, tuple]:
    return {
        (r.indicator, r.variant, r.by, r.group): (
            r.eligible,
            r.denominator,
            r.numerator,
            r.undetermined,
        )
        for r in result.rows
    }
