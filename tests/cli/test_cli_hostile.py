"""Issue 13, D7/D8: every hostile CLI input is exit 2 with one line, never a traceback."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from keuzewijs.cli.app import app
from tests.conftest import KNOWLEDGE, REPO, fuzz_examples

CSV_HEADER = "study,treatment_events,treatment_total,control_events,control_total\n"


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "keuzewijs.cli", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
        env={**os.environ, **(env or {})},
    )


def assert_exit_2_one_line(result: subprocess.CompletedProcess[str], needle: str) -> None:
    assert result.returncode == 2, result.stderr[-2000:]
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr[-2000:]
    assert needle in lines[0], lines[0]
    assert len(lines[0]) < 300  # names the input, never echoes it whole


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        ('{"age": ' + "[" * 100_000 + "]" * 100_000 + "}", "nested deeper than 32 levels"),
        ('{"age": ' + "9" * 5000 + "}", "a number has more than 30 digits"),
        ('{"age": "' + "x" * 20_000 + '"}', "a string is longer than"),
        ('{"age": Infinity}', "Infinity is not JSON"),
        ('{"age": "caf\xe9"}', "not UTF-8"),
    ],
    ids=["deep", "5000-digit-int", "long-string", "infinity", "not-utf8"],
)
def test_hostile_profile_files(tmp_path: Path, content: str, needle: str) -> None:
    profile = tmp_path / "p.json"
    profile.write_bytes(content.encode("latin-1" if "\xe9" in content else "utf-8"))
    assert_exit_2_one_line(run("advise", "hip-fracture", "--profile", str(profile)), needle)


def test_huge_profile_file_is_not_read_whole(tmp_path: Path) -> None:
    profile = tmp_path / "p.json"
    profile.write_bytes(b'{"age": 1' + b" " * 50_000_000 + b"}")
    assert_exit_2_one_line(
        run("advise", "hip-fracture", "--profile", str(profile)), "larger than 1000000 bytes"
    )


def test_non_utf8_rules_yaml(tmp_path: Path) -> None:
    knowledge = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, knowledge)
    (knowledge / "hip-fracture" / "rules.yaml").write_bytes(b"rules:\n  - id: caf\xe9\n")
    for args in (["conditions", "--knowledge", str(knowledge)], ["validate", str(knowledge)]):
        result = run(*args)
        if args[0] == "validate":  # validate reports every pack, then exits 2
            assert result.returncode == 2 and "Traceback" not in result.stderr
            assert "rules.yaml: not UTF-8 text" in result.stdout
        else:
            assert_exit_2_one_line(result, "rules.yaml: not UTF-8 text")


@pytest.mark.parametrize("column", [1, 2])
def test_400_digit_csv_count(tmp_path: Path, column: int) -> None:
    cells = ["1", "10", "2", "10"]
    cells[column - 1] = "9" * 400
    data = tmp_path / "s.csv"
    data.write_text(CSV_HEADER + "A," + ",".join(cells) + "\nB,1,10,2,10\n")
    assert_exit_2_one_line(run("meta", str(data)), "at most 10 digits")


@pytest.mark.parametrize(
    ("name", "value", "needle"),
    [
        ("KEUZEWIJS_CDS_ISSUERS", '[{"iss": 1', "KEUZEWIJS_CDS_ISSUERS: not valid JSON"),
        ("KEUZEWIJS_CDS_ISSUERS", '[{"iss": "x"}]', "KEUZEWIJS_CDS_ISSUERS[0]"),
        ("KEUZEWIJS_CDS_JWT_LEEWAY_SECONDS", "soon", "KEUZEWIJS_CDS_JWT_LEEWAY_SECONDS"),
        ("KEUZEWIJS_CDS_MAX_BODY_BYTES", "9" * 5000, "KEUZEWIJS_CDS_MAX_BODY_BYTES"),
        ("KEUZEWIJS_TRUSTED_PROXIES", "10.0.0.1,not-an-ip", "KEUZEWIJS_TRUSTED_PROXIES"),
    ],
)
def test_bad_settings_stop_serve_in_one_line(
    tmp_path: Path, name: str, value: str, needle: str
) -> None:
    env = {"KEUZEWIJS_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}", name: value}
    assert_exit_2_one_line(run("serve", "--port", "1", env=env), needle)


def test_pack_folder_without_pack_yaml_fails_validate(tmp_path: Path) -> None:
    knowledge = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, knowledge)
    (knowledge / "hip-fracture" / "pack.yaml").unlink()
    result = run("validate", str(knowledge))
    assert result.returncode == 2, result.stdout[-2000:]
    assert "hip-fracture: holds pack files but no pack.yaml" in result.stdout
    assert_exit_2_one_line(run("validate", str(knowledge / "hip-fracture")), "no pack.yaml")


# ------------------------------------------------------------------ property: any profile file
runner = CliRunner()

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=30,
)
profile_bytes = st.one_of(
    st.binary(max_size=200),
    json_values.map(lambda v: json.dumps(v, allow_nan=True).encode()),
    st.dictionaries(
        st.sampled_from(["age", "asa_class", "hours_since_admission", "nonsense"]), json_values
    ).map(lambda v: json.dumps(v, allow_nan=True).encode()),
    st.integers(min_value=1, max_value=3000).map(lambda n: b"[" * n + b"]" * n),
)


@settings(
    max_examples=fuzz_examples(150),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(raw=profile_bytes)
def test_any_profile_file_is_advice_or_exit_2(tmp_path: Path, raw: bytes) -> None:
    profile = tmp_path / "p.json"
    profile.write_bytes(raw)
    result = runner.invoke(
        app, ["advise", "hip-fracture", "--profile", str(profile), "--format", "json"]
    )
    assert result.exit_code in (0, 2), repr(result.exception)
    assert result.exception is None or isinstance(result.exception, SystemExit)
