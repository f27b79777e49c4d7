"""Regenerate the metafor reference values and fail if they differ from the committed fixture.

    python scripts/metafor/check_fixture.py           # regenerate into a temp file and compare
    python scripts/metafor/check_fixture.py --write   # regenerate and overwrite the fixture

Numbers are compared to 1e-9 relative (the fixture holds 15 significant digits; the last
may differ across BLAS/libm builds); everything else (datasets, calls, R and metafor
versions) must be identical. Exit 1 and a list of differences when they are not.
Uses only the standard library, so it runs before the venv exists.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "evidence" / "fixtures" / "metafor_reference.json"
SCRIPT = ROOT / "scripts" / "metafor" / "reference.R"
REL, ABS = 1e-9, 1e-13


def diff(a: Any, b: Any, path: str, out: list[str]) -> None:
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b)):
            if key not in a or key not in b:
                out.append(f"{path}.{key}: only in {'committed' if key in a else 'regenerated'}")
            else:
                diff(a[key], b[key], f"{path}.{key}", out)
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            out.append(f"{path}: length {len(a)} vs {len(b)}")
        for i, (x, y) in enumerate(zip(a, b, strict=False)):
            diff(x, y, f"{path}[{i}]", out)
    elif isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        if not math.isclose(a, b, rel_tol=REL, abs_tol=ABS):
            out.append(f"{path}: {a!r} vs {b!r}")
    elif a != b:
        out.append(f"{path}: {a!r} vs {b!r}")


def main(argv: list[str]) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        new = Path(tmp) / "reference.json"
        subprocess.run(["Rscript", str(SCRIPT), str(new)], check=True, cwd=ROOT)
        if "--write" in argv:
            FIXTURE.write_text(new.read_text(encoding="utf-8"), encoding="utf-8")
            print(f"wrote {FIXTURE.relative_to(ROOT)}")
            return 0
        committed = json.loads(FIXTURE.read_text(encoding="utf-8"))
        regenerated = json.loads(new.read_text(encoding="utf-8"))
    out: list[str] = []
    diff(committed, regenerated, "$", out)
    if out:
        print(
            f"metafor reference values differ from {FIXTURE.relative_to(ROOT)} "
            f"({len(out)} differences; first 20 below). If the change is intended, run "
            "`python scripts/metafor/check_fixture.py --write` and commit the fixture."
        )
        print("\n".join(out[:20]))
        return 1
    print(
        f"metafor reference values match {FIXTURE.relative_to(ROOT)} "
        f"(metafor {committed['generated_by']['metafor']}, {committed['generated_by']['R']})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
