"""`keuzewijs safety`: the hazard log against a test run's results (issue 18, Deliver 2).

The results here are written by hand so that each failure case is exact; the real results file
comes from the pytest plugin (tests/hazard_plugin.py) in `make test`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from keuzewijs.cli.app import app
from keuzewijs.validation.hazards import load_log, named_tests

REPO = Path(__file__).resolve().parents[2]
LOG = REPO / "safety" / "hazards.yaml"


def _passing_results() -> dict[str, Any]:
    """Every test the shipped log names passed, and one marked test per hazard."""
    log = load_log(LOG)
    tests = {t: {"outcome": "passed", "hazards": []} for t in named_tests(log)}
    for h in log.hazards:
        tests[f"tests/fake/test_marked.py::test_{h.id}"] = {"outcome": "passed", "hazards": [h.id]}
    return {"tests": tests}


def _run(tmp_path: Path, results: dict[str, Any], log: Path = LOG) -> Any:
    path = tmp_path / "results.json"
    path.write_text(json.dumps(results), encoding="utf-8")
    return CliRunner().invoke(
        app,
        ["safety", "--hazards", str(log), "--results", str(path), "--out", str(tmp_path / "out")],
    )


def _lines(result: Any) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("safety: ")]


@pytest.mark.hazard("H-024")
def test_the_shipped_log_has_25_hazards_covering_every_defect() -> None:
    log = load_log(LOG)
    assert len(log.hazards) >= 25
    covered = {d for h in log.hazards for d in h.covers}
    assert covered == {d.id for d in log.defects}


def test_every_hazard_proven_passes_and_writes_the_log_and_the_matrix(tmp_path: Path) -> None:
    result = _run(tmp_path, _passing_results())
    assert result.exit_code == 0, result.stderr
    log = (tmp_path / "out" / "hazard-log.md").read_text(encoding="utf-8")
    matrix = (tmp_path / "out" / "traceability.md").read_text(encoding="utf-8")
    assert "### H-001 " in log and "| H-028 " in log
    row = "`tests/engine/test_safety_properties.py::test_open_alarm_questions_are_asked_first`"
    assert any(line.startswith("| H-009 ") and row in line for line in matrix.splitlines())


def test_a_failing_test_fails_with_one_line_naming_the_hazard(tmp_path: Path) -> None:
    results = _passing_results()
    test = "tests/engine/test_safety_properties.py::test_open_alarm_questions_are_asked_first"
    results["tests"][test]["outcome"] = "failed"
    result = _run(tmp_path, results)
    assert result.exit_code == 1
    assert f"safety: H-009: test {test} failed in this run" in _lines(result)


def test_a_named_test_that_did_not_run_fails(tmp_path: Path) -> None:
    results = _passing_results()
    del results["tests"]["tests/web/test_store.py::test_concurrent_saves_are_all_readable"]
    result = _run(tmp_path, results)
    assert result.exit_code == 1
    assert (
        "safety: H-019: test tests/web/test_store.py::test_concurrent_saves_are_all_readable "
        "not run in this run"
    ) in _lines(result)


def test_a_parametrised_test_passes_only_when_every_case_passed(tmp_path: Path) -> None:
    results = _passing_results()
    name = "tests/vignettes/test_vignettes.py::test_vignette"
    del results["tests"][name]
    results["tests"][name + "[a/one]"] = {"outcome": "passed", "hazards": []}
    results["tests"][name + "[a/two]"] = {"outcome": "skipped", "hazards": []}
    result = _run(tmp_path, results)
    assert f"safety: H-024: test {name} skipped in this run" in _lines(result)


def test_a_marker_naming_an_unknown_hazard_fails(tmp_path: Path) -> None:
    results = _passing_results()
    results["tests"]["tests/x.py::test_y"] = {"outcome": "passed", "hazards": ["H-999"]}
    result = _run(tmp_path, results)
    assert result.exit_code == 1
    assert "safety: H-999: unknown hazard named by the marker of tests/x.py::test_y" in _lines(
        result
    )


def test_a_mitigation_without_a_test_fails(tmp_path: Path) -> None:
    data = yaml.safe_load(LOG.read_text(encoding="utf-8"))
    data["hazards"][0]["mitigations"].append(
        {"measure": "a promise", "implemented_by": [{"kind": "rule", "ref": "nowhere"}]}
    )
    log = tmp_path / "hazards.yaml"
    log.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    result = _run(tmp_path, _passing_results(), log)
    assert result.exit_code == 1
    added = len(data["hazards"][0]["mitigations"])  # the one appended above, counted from 1
    assert f"safety: H-001: mitigation {added} names no test" in _lines(result)


def test_a_hazard_with_only_marker_proof_and_no_marked_test_fails(tmp_path: Path) -> None:
    results = _passing_results()
    del results["tests"]["tests/fake/test_marked.py::test_H-007"]
    result = _run(tmp_path, results)
    assert "safety: H-007: mitigation 1 relies on markers; no marked test ran" in _lines(result)


def test_a_residual_risk_above_the_matrix_limit_is_refused(tmp_path: Path) -> None:
    data = yaml.safe_load(LOG.read_text(encoding="utf-8"))
    data["hazards"][0]["after"] = {"severity": 5, "probability": 4}
    log = tmp_path / "hazards.yaml"
    log.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    result = _run(tmp_path, _passing_results(), log)
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "H-001" in result.stderr


def test_missing_results_file_is_one_line_exit_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["safety", "--results", str(tmp_path / "none.json"), "--out", str(tmp_path)]
    )
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "none.json" in result.stderr


def test_tests_option_lists_the_named_tests() -> None:
    result = CliRunner().invoke(app, ["safety", "--tests"])
    assert result.exit_code == 0
    assert (
        "tests/engine/test_safety_properties.py::test_open_alarm_questions_are_asked_first"
        in result.stdout.splitlines()
    )
