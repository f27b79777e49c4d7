"""What the generator made, written next to the tables: manifest.json (the planted truth, the
rows to be set aside) and a README saying the data are synthetic."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .tables import LABEL


@dataclass
class SynthResult:
    patients: int
    rows: dict[str, int]
    set_aside: dict[str, int]
    truth: dict[str, dict[str, Any]]


def write_label(out: Path, result: SynthResult, seed: int, as_of: dt.date) -> None:
    manifest = {
        "synthetic": True,
        "label": LABEL,
        "generator": "keuzewijs synth",
        "seed": seed,
        "as_of": as_of.isoformat(),
        "patients": result.patients,
        "rows": result.rows,
        "set_aside": result.set_aside,
        "truth": result.truth,
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    (out / "README.md").write_text(
        f"# {LABEL}\n\nOMOP CDM tables (Parquet) made by `keuzewijs synth` (seed {seed}) to test "
        f"and demonstrate "
        "`keuzewijs audit`. No row describes a real person. Every Parquet file carries the schema "
        "metadata "
        "`keuzewijs.synthetic = true`.\n\n`manifest.json` holds the planted truth: per indicator "
        "and variant "
        "the numerator and denominator the engine gives for the planted patients, and the rows "
        "planted to be "
        "set aside (future dates, events before birth, unmapped codes, unknown persons).\n",
        encoding="utf-8",
    )
