"""Indicators are read before the Pack is built and checked with the pack's other
cross-references: problems, not an exception from the middle of loading."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from keuzewijs.errors import KnowledgeError
from keuzewijs.packs.integrity import check_indicators
from keuzewijs.packs.loader import load_pack
from tests.conftest import KNOWLEDGE


def _copy(tmp_path: Path, condition: str) -> Path:
    root = tmp_path / condition
    shutil.copytree(KNOWLEDGE / condition, root)
    return root


def test_the_pack_is_built_with_its_indicators(library) -> None:
    pack = library.pack("hip-fracture")
    assert [i.id for i in pack.indicators] == ["hip-surgery-after-day-1"]
    assert check_indicators(pack, pack.indicators, "indicators.yaml") == []


def test_every_dangling_reference_is_a_problem_with_its_path(library) -> None:
    pack = library.pack("hip-fracture")
    good = pack.indicators[0]
    bad = good.model_copy(update={"rule": "no-such-rule"})
    problems = check_indicators(pack, [good, bad], "indicators.yaml")
    assert [p.path for p in problems] == ["indicators.yaml: indicators[1].rule"]
    assert problems[0].message.startswith("unknown rule 'no-such-rule'; known: ")


def test_loading_a_pack_with_a_broken_indicator_names_file_and_field(tmp_path: Path) -> None:
    root = _copy(tmp_path, "hip-fracture")
    path = root / "indicators.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "rule: surgery-later-than-guideline", "rule: surgery-someday"
        ),
        encoding="utf-8",
    )
    with pytest.raises(KnowledgeError) as info:
        load_pack(root)
    assert info.value.path == f"{path}: indicators[0].rule"
    assert "unknown rule 'surgery-someday'" in info.value.message
