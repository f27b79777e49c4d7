"""`keuzewijs synth` and `keuzewijs audit` end to end on DuckDB: report, funnel plots, results
files."""

from __future__ import annotations

import json

import pyarrow.parquet as pq
from typer.testing import CliRunner

from keuzewijs.cli.app import app

runner = CliRunner()


def test_synth_then_audit_writes_report_and_results(tmp_path, library):
    data = tmp_path / "omop"
    done = runner.invoke(app, ["synth", "--patients", "4000", "--out", str(data), "--seed", "5"])
    assert done.exit_code == 0, done.output
    manifest = json.loads((data / "manifest.json").read_text())
    assert manifest["synthetic"] is True and "SYNTHETIC" in (data / "README.md").read_text()
    assert (
        pq.read_schema(next((data / "person").glob("*.parquet"))).metadata[b"keuzewijs.synthetic"]
        == b"true"
    )

    out = tmp_path / "report.html"
    done = runner.invoke(
        app,
        [
            "audit",
            str(data),
            "--by",
            "provider",
            "--by",
            "period",
            "--out",
            str(out),
            "--lang",
            "nl",
        ],
    )
    assert done.exit_code == 0, done.output
    page = out.read_text()
    variants = [
        (i, v) for p in library.packs.values() for i in p.indicators for v in i.variant_ids()
    ]
    assert page.count("<svg") == len(variants)  # one funnel plot per indicator variant
    assert "SYNTHETISCHE GEGEVENS" in page
    rows = pq.read_table(tmp_path / "report-results.parquet").to_pylist()
    overall = {(r["indicator"], r["variant"]): r for r in rows if r["by"] == "overall"}
    for ind, variant in variants:
        r = overall[(ind.id, variant)]
        truth = manifest["truth"][f"{ind.id}/{variant}"]
        assert (r["numerator"], r["denominator"]) == (truth["numerator"], truth["denominator"])
        assert f"{r['numerator']:,}" in done.output
    assert (tmp_path / "report-results.csv").read_text().startswith('"indicator"')
