"""pytest plugin for the hazard log (issue 18): records which tests ran and how they ended.

Hooks re-exported by tests/conftest.py. Options:
- `--hazard-results PATH`: write {"tests": {node id: {"outcome", "hazards"}}} at the end of the
  run, for `keuzewijs safety`;
- `--hazard-only`: run only the tests the hazard log names and those marked
  `@pytest.mark.hazard(...)` (what `make safety` runs on its own).
A test counts as passed only when setup, call and teardown passed.

Under pytest-xdist (`make test` runs `-n`), collection happens in the workers and only the
reports reach the controller: a test's hazards travel in its report's `user_properties`, and only
the controller writes the results file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
_KEY = pytest.StashKey[dict[str, dict[str, Any]]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("hazards", "hazard log (safety/hazards.yaml)")
    group.addoption("--hazard-results", default=None, help="write the results file here")
    group.addoption(
        "--hazard-only",
        action="store_true",
        help="run only the tests the hazard log names or marks",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.stash[_KEY] = {}


def _hazards(item: pytest.Item) -> list[str]:
    return [str(h) for mark in item.iter_markers("hazard") for h in mark.args]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--hazard-only"):
        from keuzewijs.validation.hazards import load_log, named_tests

        named = named_tests(load_log(REPO / "safety" / "hazards.yaml"))
        keep = [
            item
            for item in items
            if _hazards(item)
            or any(item.nodeid == t or item.nodeid.startswith(t + "[") for t in named)
        ]
        config.hook.pytest_deselected(items=[i for i in items if i not in keep])
        items[:] = keep
    seen = config.stash[_KEY]
    for item in items:
        hazards = _hazards(item)
        seen[item.nodeid] = {"outcome": "passed", "hazards": hazards, "ran": False}
        item.user_properties.append(("hazards", hazards))


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    config = _CONFIG.get("config")
    if config is None:
        return
    entry = config.stash[_KEY].setdefault(
        report.nodeid, {"outcome": "passed", "hazards": [], "ran": False}
    )
    entry["ran"] = True
    for name, value in report.user_properties:
        if name == "hazards" and isinstance(value, list):
            entry["hazards"] = [str(h) for h in value]
    if report.failed:
        entry["outcome"] = "failed"
    elif report.skipped and entry["outcome"] != "failed":
        entry["outcome"] = "skipped"


_CONFIG: dict[str, pytest.Config] = {}


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    _CONFIG["config"] = session.config


def pytest_sessionfinish(session: pytest.Session) -> None:
    path = session.config.getoption("--hazard-results")
    if not path or hasattr(session.config, "workerinput"):  # an xdist worker: the controller writes
        return
    tests = {
        node: {"outcome": e["outcome"], "hazards": e["hazards"]}
        for node, e in session.config.stash[_KEY].items()
        if e["ran"]
    }
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"tests": tests}, indent=1, sort_keys=True) + "\n", "utf-8")
