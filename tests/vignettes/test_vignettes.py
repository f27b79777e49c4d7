"""Every vignette in tests/vignettes is a test: the patient situation must get the advice it
states."""

from __future__ import annotations

import pytest

from keuzewijs.packs.loader import get_library
from keuzewijs.validation.vignettes import load_vignettes, mismatches, run_vignette

from ..conftest import KNOWLEDGE

_LIB = get_library(KNOWLEDGE)
CASES = [(cid, v) for cid in _LIB.packs for v in load_vignettes(_LIB, cid)]


def test_there_are_enough_vignettes() -> None:
    per_condition = {cid: sum(1 for c, _ in CASES if c == cid) for cid in _LIB.packs}
    assert len(CASES) >= 45 + 60, per_condition  # 60+ partial profiles added by issue 9
    assert all(n >= 30 for n in per_condition.values()), per_condition


def test_every_pack_has_partial_profiles_with_provisional_advice() -> None:
    """Issue 9: advice must speak when answers are missing; each pack specifies it on >= 5 cases."""
    for condition in _LIB.packs:
        provisional = [v for c, v in CASES if c == condition and v.expect.provisional]
        assert len(provisional) >= 5, (condition, len(provisional))


@pytest.mark.parametrize(("condition", "vignette"), CASES, ids=[f"{c}/{v.id}" for c, v in CASES])
def test_vignette(condition, vignette) -> None:
    advice = run_vignette(_LIB, condition, vignette)
    assert mismatches(advice, vignette.expect) == []


def test_every_vignette_source_exists() -> None:
    for condition, vignette in CASES:
        assert vignette.source.id in _LIB.pack(condition).sources, (condition, vignette.id)


def test_every_pack_has_a_demo_vignette() -> None:
    for condition in _LIB.packs:
        assert any(v.demo for c, v in CASES if c == condition), condition
