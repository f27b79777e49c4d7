"""Absolute risks per subgroup come from that subgroup's own baseline, and the baseline says
whether it was observed or is an assumption (issue 10: Achilles re-rupture)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from keuzewijs.engine.advise import advise_pack
from keuzewijs.packs.models import Grading, RelativeEstimate


@pytest.mark.parametrize("rehab", [True, False, None])
def test_rerupture_after_surgery_is_lower_than_without_in_every_subgroup(library, rehab) -> None:
    pack = library.pack("achilles-tendon-rupture")
    profile = {"chronic_rupture": False}
    if rehab is not None:
        profile["functional_rehab_available"] = rehab
    advice = advise_pack(library, pack, profile, "en")
    risk = {o.id: next(e for e in o.outcomes if e.id == "rerupture") for o in advice.options}
    surgery, conservative = risk["surgery"], risk["conservative"]
    assert surgery.evidence_id == conservative.evidence_id  # one estimate, one subgroup
    assert surgery.risk_per_1000 < conservative.risk_per_1000
    assert conservative.risk_per_1000 == surgery.baseline.risk_per_1000


def test_subgroup_estimates_do_not_share_a_baseline(library) -> None:
    for pack in library.packs.values():
        seen: dict[tuple[str, str, str], dict[float, str]] = {}
        for est in pack.evidence.estimates:
            if not isinstance(est, RelativeEstimate) or est.baseline is None:
                continue
            key = (est.outcome, est.intervention, est.comparator)
            baselines = seen.setdefault(key, {})
            assert est.baseline.risk not in baselines, (
                f"{pack.id}: {est.id} reuses the baseline of {baselines.get(est.baseline.risk)}"
            )
            baselines[est.baseline.risk] = est.id
            if est.baseline.basis == "assumption":
                derivation = est.baseline.derivation.en.lower()
                assert "assumption" in derivation and "not observed" in derivation, est.id


def test_every_estimate_has_a_certainty_with_its_grader(library) -> None:
    for pack in library.packs.values():
        for est in pack.evidence.estimates:
            assert est.certainty is not None and est.grading is not None, (pack.id, est.id)


def test_grading_below_high_by_pack_authors_needs_reasons() -> None:
    with pytest.raises(ValidationError, match="needs `reasons`"):
        Grading(level="low", by="pack_authors")
    assert Grading(level="low", by="source").reasons == []
