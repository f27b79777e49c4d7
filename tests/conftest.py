"""Shared fixtures, markers and hypothesis profiles.

The test folders mirror the layers of src/keuzewijs (engine/, packs/, rules/, web/, cds/, fhir/,
audit/, ...); tests/vignettes/<condition>/ holds the clinical specification as data, run by
vignettes/test_vignettes.py; tests/support/ has helpers (a throwaway PostgreSQL, free ports).

Markers (`make test-fast` deselects all four; `make test` runs everything). They are applied
here at collection, by what a test uses, so a new test gets its marker without remembering it:
- `browser`: drives Chromium (tests/web/test_browser.py, the `browser` fixture);
- `server`: starts a server process: a live uvicorn, a PostgreSQL cluster (the postgresql side
  of `database_url`), or a module that serves sockets (test_serve, test_workers, test_listen, the
  schema fuzzing);
- `spark`: uses the Spark session;
- `slow`: runs the CLI or another program in a subprocess, a hypothesis property with 100 or
  more examples, the OMOP audit on DuckDB, a FHIRPath engine over every vignette, WeasyPrint
  (SLOW_MODULES, SLOW_FIXTURES: each measured at 10 s or more), or is marked by hand.
"""

from __future__ import annotations

import ast
import functools
import inspect
import os
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import HealthCheck, settings

from keuzewijs.packs.loader import Library, get_library
from tests.hazard_plugin import (  # noqa: F401
    pytest_addoption,
    pytest_configure,
    pytest_runtest_logreport,
    pytest_sessionfinish,
    pytest_sessionstart,
)

# the hazard log's pytest plugin (issue 18): its hooks, re-exported so pytest finds them here
from tests.hazard_plugin import pytest_collection_modifyitems as hazard_selection
from tests.support.postgres import Cluster, pg_bin, running_cluster

REPO = Path(__file__).resolve().parents[1]
KNOWLEDGE = REPO / "knowledge"


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


# Hypothesis: in CI the examples are derived from each test's name (`derandomize`), so a red CI
# run is reproduced by running the same test locally with HYPOTHESIS_PROFILE=ci; no example
# database there (a fresh checkout has none to replay). Elsewhere the default profile, with the
# example database in .hypothesis/ and a seed printed on failure.
settings.register_profile(
    "ci",
    derandomize=True,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if in_ci() else "default"))


@pytest.fixture(scope="session")
def library() -> Library:
    return get_library(KNOWLEDGE)


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


# ---------------------------------------------------------------- markers by what a test uses
SERVER_MODULES = {"test_serve.py", "test_workers.py", "test_listen.py", "test_schema_fuzz.py"}
# and any `*_server`
SERVER_FIXTURES = {"server", "live_server", "postgres_cluster", "postgres_url"}
MANY_EXAMPLES = 100
SLOW_MODULES = {
    "tests/fhir/test_fhirpath_equivalence.py",  # three FHIRPath engines over every vignette
    "tests/fhir/test_plan_definition_executes.py",
    "tests/web/test_handout.py",  # WeasyPrint renders the handout PDFs
    "tests/audit/test_cli.py",  # synthesises an OMOP data set, then audits it
    "tests/audit/test_eunomia.py",  # the audit on the Eunomia OMOP set in DuckDB (13 s in all)
}
SLOW_FIXTURES = {"duck", "duck_result", "synthetic"}  # the audit on a synthetic OMOP data set


@functools.cache
def _spawning_names(module: ModuleType) -> frozenset[str]:
    """Module-level functions that start a subprocess, directly or through each other."""
    try:
        tree = ast.parse(inspect.getsource(module))
    except (OSError, TypeError):
        return frozenset()
    calls: dict[str, set[str]] = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            calls[node.name] = {
                n.id if isinstance(n, ast.Name) else n.attr
                for n in ast.walk(node)
                if isinstance(n, ast.Name | ast.Attribute)
            }
    spawning = {name for name, used in calls.items() if used & {"subprocess", "Popen"}}
    grew = True
    while grew:
        more = {name for name, used in calls.items() if used & spawning} - spawning
        spawning |= more
        grew = bool(more)
    return frozenset(spawning)


def _is_slow(item: pytest.Function) -> bool:
    function = item.function
    max_examples = getattr(
        getattr(function, "_hypothesis_internal_use_settings", None), "max_examples", 0
    )
    if getattr(function, "is_hypothesis_test", False) and max_examples >= MANY_EXAMPLES:
        return True
    if item.path.relative_to(REPO).as_posix() in SLOW_MODULES:
        return True
    if set(item.fixturenames) & SLOW_FIXTURES:
        return True
    return function.__name__ in _spawning_names(item.module) if item.module else False


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    _mark_by_use(items)
    _longest_files_first(items)
    # after the markers: the hazard plugin selects (--hazard-only) and records what was collected
    hazard_selection(config, items)


# Rough cost of one test by its markers, to order files longest first: `make test` hands whole
# files to the xdist workers in collection order, and a Spark or browser file that starts last
# kept one core busy minutes after the other had finished (longest-processing-time-first).
COST = {"spark": 60.0, "browser": 30.0, "server": 5.0, "slow": 5.0}


def _longest_files_first(items: list[pytest.Item]) -> None:
    cost: dict[Path, float] = {}
    for item in items:
        marks = {m.name for m in item.iter_markers()}
        cost[item.path] = cost.get(item.path, 0.0) + max(
            [COST[m] for m in marks if m in COST], default=0.1
        )
    items.sort(key=lambda item: -cost[item.path])  # stable: the order within a file is kept


def _mark_by_use(items: list[pytest.Item]) -> None:
    for item in items:
        if not isinstance(item, pytest.Function):
            continue
        path = item.path
        fixtures = set(item.fixturenames)
        params = getattr(getattr(item, "callspec", None), "params", {})
        if path.name == "test_browser.py" or "browser" in fixtures:
            item.add_marker(pytest.mark.browser)
        if (
            path.name in SERVER_MODULES
            or fixtures & SERVER_FIXTURES
            or any(name.endswith("_server") for name in fixtures)
            or params.get("database_url") == "postgresql"
        ):
            item.add_marker(pytest.mark.server)
        if "spark" in fixtures:
            item.add_marker(pytest.mark.spark)
        if _is_slow(item):
            item.add_marker(pytest.mark.slow)
