"""`keuzewijs meta`: numbers against metafor, and one-line errors (exit 2) for bad files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from keuzewijs.cli.meta import meta

from .reference import REFERENCE, check, listify

app = typer.Typer()
app.command("meta")(meta)


@app.command()
def _other() -> None:  # a second command so that Typer keeps the "meta" sub-command name
    """unused"""


runner = CliRunner()
HEADER = "study,treatment_events,treatment_total,control_events,control_total"


def bcg_csv(tmp_path: Path) -> Path:
    d = REFERENCE["datasets"]["bcg"]
    lines = [HEADER + ",alloc"]
    for row in zip(d["study"], d["ai"], d["n1i"], d["ci"], d["n2i"], d["group"], strict=True):
        lines.append(",".join(f'"{x}"' if isinstance(x, str) else str(x) for x in row))
    path = tmp_path / "bcg.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def ref_case(measure: str, method: str, hksj: bool) -> dict:  # type: ignore[type-arg]
    return next(
        c["result"]
        for c in REFERENCE["cases"]
        if (c["dataset"], c["measure"], c["method"], c["hksj"]) == ("bcg", measure, method, hksj)
    )


@pytest.mark.parametrize(
    ("measure", "method", "hksj"), [("RR", "REML", False), ("OR", "MH", False), ("RD", "PM", True)]
)
def test_json_output_matches_metafor(tmp_path: Path, measure: str, method: str, hksj: bool) -> None:
    args = [
        "meta",
        str(bcg_csv(tmp_path)),
        "--measure",
        measure,
        "--method",
        method,
        "--format",
        "json",
    ]
    result = runner.invoke(app, args + (["--hksj"] if hksj else []))
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)["overall"]
    ref = ref_case(measure, method, hksj)
    check("estimate", doc["estimate"], ref["estimate"], "cli")
    check("ci", doc["ci"][0], ref["ci_lb"], "cli")
    check("ci", doc["ci"][1], ref["ci_ub"], "cli")
    check("tau2", doc["heterogeneity"]["tau2"], ref["tau2"], "cli")
    for ours, theirs in zip(
        [s["weight"] for s in doc["studies"]], listify(ref["weights"]), strict=True
    ):
        check("weight", ours, theirs, "cli weights")


def test_subgroups_in_json(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["meta", str(bcg_csv(tmp_path)), "--by", "alloc", "--format", "json", "--method", "DL"]
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)["subgroup_analysis"]["test_for_subgroup_differences"]
    ref = next(s for s in REFERENCE["subgroups"] if (s["measure"], s["method"]) == ("RR", "DL"))
    check("Q", doc["q"], ref["Q_between"], "cli subgroups")
    check("p_value", doc["p_value"], ref["p_between"], "cli subgroups")


def test_text_output_shows_pooled_effect_and_heterogeneity(tmp_path: Path) -> None:
    result = runner.invoke(app, ["meta", str(bcg_csv(tmp_path))])
    assert result.exit_code == 0, result.output
    ref = ref_case("RR", "REML", False)
    import math

    assert (
        f"{math.exp(ref['estimate']):.2f} [{math.exp(ref['ci_lb']):.2f}, "
        f"{math.exp(ref['ci_ub']):.2f}]" in result.stdout
    )
    assert f"I² = {ref['I2']:.1f}%" in result.stdout
    assert "prediction interval" in result.stdout


BAD = {
    "missing_column": (
        "study,treatment_events,treatment_total,control_events\nA,1,10,2\n",
        "row 1, column control_total",
    ),
    "events_gt_total": (f"{HEADER}\nA,1,10,2,20\nB,12,10,2,20\n", "row 3, column treatment_events"),
    "negative": (f"{HEADER}\nA,1,10,2,20\nB,1,10,-2,20\n", "row 3, column control_events"),
    "non_integer": (f"{HEADER}\nA,1,10,2,20\nB,1,10,2.5,20\n", "row 3, column control_events"),
    "text_count": (f"{HEADER}\nA,1,ten,2,20\n", "row 2, column treatment_total"),
    "missing_value": (f"{HEADER}\nA,1,10,2\n", "row 2, column control_total"),
    "zero_total": (f"{HEADER}\nA,0,0,2,20\n", "row 2, column treatment_total"),
    "empty": ("", "empty"),
    "header_only": (f"{HEADER}\n", "no study rows"),
}


@pytest.mark.parametrize("name", BAD)
def test_bad_file_exits_2_with_one_line(tmp_path: Path, name: str) -> None:
    text, expected = BAD[name]
    path = tmp_path / f"{name}.csv"
    path.write_text(text, encoding="utf-8")
    result = runner.invoke(app, ["meta", str(path)])
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert expected in lines[0]
    assert str(path) in lines[0]
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("option", "value"), [("--measure", "HR"), ("--method", "SJ"), ("--format", "xml")]
)
def test_bad_option_exits_2(tmp_path: Path, option: str, value: str) -> None:
    result = runner.invoke(app, ["meta", str(bcg_csv(tmp_path)), option, value])
    assert result.exit_code == 2
    assert result.stderr.strip().startswith(f"error: {option}")


def test_missing_file_exits_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["meta", str(tmp_path / "nope.csv")])
    assert result.exit_code == 2
    assert "cannot read" in result.stderr


def test_pool_csv_matches_metafor(tmp_path: Path) -> None:
    from keuzewijs.evidence.csvdata import pool_csv

    res = pool_csv(bcg_csv(tmp_path), "OR", "PM", hksj=True)
    ref = ref_case("OR", "PM", True)
    check("estimate", res.estimate, ref["estimate"], "pool_csv")
    check("ci", res.ci[0], ref["ci_lb"], "pool_csv")
    check("ci", res.ci[1], ref["ci_ub"], "pool_csv")
    check("tau2", res.heterogeneity.tau2, ref["tau2"], "pool_csv")


def test_plot_option_writes_svg(tmp_path: Path) -> None:
    out = tmp_path / "forest.svg"
    result = runner.invoke(app, ["meta", str(bcg_csv(tmp_path)), "--plot", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").count("<title") == 1
