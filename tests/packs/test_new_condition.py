"""A fourth condition is a data folder: copied next to the real packs, it loads, validates and
advises
without any code change (the fixture is fictional test data, see its README)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from keuzewijs.engine.advise import advise
from keuzewijs.packs.loader import load_library

from ..conftest import KNOWLEDGE, REPO

FIXTURE = REPO / "tests" / "fixtures" / "fourth-condition"


def _knowledge_with_fourth(tmp_path: Path) -> Path:
    root = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, root)
    shutil.copytree(FIXTURE / "knowledge" / "fictional-sprain", root / "fictional-sprain")
    return root


def test_fourth_condition_loads_and_advises(tmp_path: Path) -> None:
    root = _knowledge_with_fourth(tmp_path)
    library = load_library(root)
    assert "fictional-sprain" in library.packs
    advice = advise(
        "fictional-sprain",
        {"days_since_injury": 2, "cannot_bear_weight": True},
        "en",
        library=library,
    )
    assert [u.id for u in advice.urgent] == ["cannot-bear-weight"]
    suppressed = [t for t in advice.trace if t.rule == "no-xray-first-days"]
    assert suppressed[0].fired is True and suppressed[0].suppressed_by == "cannot-bear-weight"
    # only the engine's note that the elective choice comes after the urgent step
    assert [(r.id, r.about) for r in advice.recommendations] == [("urgent-first", "xray")]
    assert suppressed[0].condition == "days since injury less than 1 week"


def test_fourth_condition_passes_validate_via_cli(tmp_path: Path) -> None:
    root = _knowledge_with_fourth(tmp_path)
    vignettes = tmp_path / "vignettes"
    shutil.copytree(REPO / "tests" / "vignettes", vignettes)
    shutil.copytree(FIXTURE / "vignettes" / "fictional-sprain", vignettes / "fictional-sprain")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "keuzewijs.cli",
            "validate",
            str(root),
            "--vignettes",
            str(vignettes),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "fictional-sprain: 2 rules (1 red flags), 1 estimates, 3 vignettes" in result.stdout
    listed = subprocess.run(
        [sys.executable, "-m", "keuzewijs.cli", "conditions", "--knowledge", str(root)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "fictional-sprain" in listed.stdout
