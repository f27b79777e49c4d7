"""The CLI contract: JSON advice per condition, and bad input -> exit 2 with one line, never a
traceback."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from ..conftest import REPO

EXE = [sys.executable, "-m", "keuzewijs.cli"]


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*EXE, *args], input=stdin, capture_output=True, text=True, cwd=REPO, timeout=60
    )


def assert_one_line_error(result: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]


def test_conditions_lists_every_pack(library) -> None:
    result = run("conditions", "--lang", "en")
    assert result.returncode == 0
    for condition in library.packs:
        assert condition in result.stdout


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_advise_json_contract_for_every_condition(library, lang) -> None:
    for condition in library.packs:
        result = run(
            "advise",
            condition,
            "--profile",
            "-",
            "--lang",
            lang,
            "--format",
            "json",
            stdin='{"age": 50}',
        )
        assert result.returncode == 0, result.stderr
        advice = json.loads(result.stdout)
        for key in (
            "condition",
            "knowledge_version",
            "lang",
            "urgent",
            "recommendations",
            "options",
            "trace",
        ):
            assert key in advice
        assert advice["condition"] == condition and advice["lang"] == lang
        assert advice["options"], "every pack offers options"
        for rec in advice["recommendations"]:
            assert rec["direction"] in ("for", "against", "consider")
            assert rec["sources"] and all({"id", "locator"} <= set(s) for s in rec["sources"])


def test_advise_text_shows_recommendations_and_risks() -> None:
    profile = '{"activity_level": "competitive_athlete", "chronic_rupture": false}'
    result = run(
        "advise", "achilles-tendon-rupture", "--profile", "-", "--lang", "en", stdin=profile
    )
    assert result.returncode == 0, result.stderr
    assert "Recommended: Surgery" in result.stdout
    # re-rupture per 1000 (overall estimate, baseline observed in the trials' control arms):
    # 48 after surgery, 112 without, in one comparison row with its verdict
    assert re.search(r"Surgery: 48\b", result.stdout)
    assert re.search(r": 112\b", result.stdout)
    assert "Less often with" in result.stdout  # the verdict (the table wraps it)


def test_profile_schema_is_json_schema() -> None:
    result = run("profile-schema", "achilles-tendon-rupture")
    schema = json.loads(result.stdout)
    assert schema["type"] == "object" and "activity_level" in schema["properties"]
    assert schema["additionalProperties"] is False


# `advise` of one pack with the profile read from stdin: the bad-input cases vary the rest.
ADVISE_STDIN = ("advise", "achilles-tendon-rupture", "--profile", "-")


@pytest.mark.parametrize(
    ("args", "stdin", "needles"),
    [
        (("advise", "knee-pain", "--profile", "-"), "{}", ("condition", "knee-pain", "allowed")),
        (ADVISE_STDIN, '{"age": 250}', ("profile.age", "<= 120")),
        (ADVISE_STDIN, '{"weeks_since_injury": -1}', ("profile.weeks_since_injury", ">= 0")),
        (
            ADVISE_STDIN,
            '{"activty_level": "x"}',
            ("profile.activty_level", "unknown field", "activity_level"),
        ),
        (
            ADVISE_STDIN,
            '{"activity_level": "pro"}',
            ("profile.activity_level", "competitive_athlete"),
        ),
        (ADVISE_STDIN, '{"chronic_rupture": "yes"}', ("profile.chronic_rupture", "true or false")),
        (ADVISE_STDIN, '{"age": ', ("stdin", "malformed JSON")),
        (ADVISE_STDIN, "[1, 2]", ("profile", "JSON object")),
        ((*ADVISE_STDIN[:3], "/nonexistent.json"), None, ("/nonexistent.json", "cannot read")),
        ((*ADVISE_STDIN, "--lang", "fr"), "{}", ("lang", "nl, en")),
        ((*ADVISE_STDIN, "--format", "xml"), "{}", ("--format", "text or json")),
        (("profile-schema", "nope"), None, ("condition", "allowed")),
    ],
)
def test_bad_input_exits_2_with_one_line(args, stdin, needles) -> None:
    assert_one_line_error(run(*args, stdin=stdin), *needles)


def test_broken_pack_exits_2_naming_the_field(tmp_path: Path) -> None:
    import shutil

    pack = tmp_path / "achilles-tendon-rupture"
    shutil.copytree(REPO / "knowledge" / "achilles-tendon-rupture", pack)
    rules = (pack / "rules.yaml").read_text().replace("op: is_true", "op: roughly", 1)
    (pack / "rules.yaml").write_text(rules)
    result = run(*ADVISE_STDIN, "--knowledge", str(tmp_path), stdin="{}")
    assert_one_line_error(result, "rules.yaml", "definitions.chronic.when", "op")
    assert run("validate", str(tmp_path)).returncode == 2


def test_unknown_field_in_a_rule_is_named(tmp_path: Path) -> None:
    import shutil

    pack = tmp_path / "achilles-tendon-rupture"
    shutil.copytree(REPO / "knowledge" / "achilles-tendon-rupture", pack)
    rules = (
        (pack / "rules.yaml")
        .read_text()
        .replace("field: chronic_rupture, op: is_true", "field: chronic, op: is_true")
    )
    (pack / "rules.yaml").write_text(rules)
    result = run(*ADVISE_STDIN, "--knowledge", str(tmp_path), stdin="{}")
    assert_one_line_error(result, "unknown field 'chronic'", "chronic_rupture")


def test_validate_passes_on_the_shipped_knowledge() -> None:
    result = run("validate")
    assert result.returncode == 0, result.stdout + result.stderr
    # the example site has no emergency-department number in any source: validate says so
    site = yaml.safe_load((REPO / "sites" / "zas.yaml").read_text())
    kinds = {phone["kind"] for phone in site["phones"]}
    for kind in ("emergency", "gp_out_of_hours", "emergency_department"):
        warned = f"site zas: no '{kind}' phone number" in result.stdout
        assert warned == (kind not in kinds), kind


def test_an_operated_hip_patient_gets_no_implant_choice() -> None:
    """Issue 17: the phase is part of Advice, so the CLI shows an operated patient no implants."""
    profile = (
        '{"age": 80, "fracture_type": "femoral_neck", "displaced": true, "post_operative": true}'
    )
    result = run("advise", "hip-fracture", "--profile", "-", "--format", "json", stdin=profile)
    assert result.returncode == 0, result.stderr
    advice = json.loads(result.stdout)
    assert advice["phase"] == "after_treatment" and advice["options"] == []
    text = run("advise", "hip-fracture", "--profile", "-", stdin=profile)
    assert "heupprothese" not in text.stdout.lower() and "Behandelkeuzes" not in text.stdout
