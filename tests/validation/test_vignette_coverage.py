"""A pack edited without vignettes fails validate (hazard H-024): every conditional rule needs a
vignette in which it fires and one in which it does not."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from keuzewijs.validation.report import check_vignettes

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.hazard("H-024")
def test_a_rule_without_a_vignette_on_each_side_fails_validate(library, tmp_path: Path) -> None:
    condition = "hip-fracture"
    shipped = REPO / "tests" / "vignettes" / condition
    full, _ = check_vignettes(library, condition, shipped.parent)
    assert [p for p in full if "no vignette in which" in p.message] == []
    # keep every vignette except those in which the pulmonary-embolism flag fires
    folder = tmp_path / condition
    shutil.copytree(shipped, folder)
    for path in folder.glob("*.yaml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        data["vignettes"] = [
            v
            for v in data["vignettes"]
            if "breathless-or-chest-pain" not in v["expect"].get("urgent", [])
        ]
        if data["vignettes"]:
            path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        else:
            path.unlink()
    problems, _ = check_vignettes(library, condition, tmp_path)
    lines = [p.one_line() for p in problems]
    assert "rules.yaml: breathless-or-chest-pain: no vignette in which it fires" in lines, lines
