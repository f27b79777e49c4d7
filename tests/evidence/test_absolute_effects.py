"""Absolute effects: the GRADE summary-of-findings numbers and the Newcombe-Bender interval.

Expected values are worked by hand from the published formulas (no metafor equivalent):
GRADE applies the RR's limits to the baseline risk; Newcombe & Bender add the baseline's
Wilson interval by MOVER on the log scale.
"""

from __future__ import annotations

import math

import pytest

from keuzewijs.evidence.absolute import (
    absolute_effect,
    absolute_effect_uncertain_baseline,
    baseline_from_control_arms,
    observed_proportion,
)


def test_grade_risk_per_1000_with_known_baseline() -> None:
    eff = absolute_effect(0.20, "RR", 0.50, (0.40, 0.60))
    assert eff.per_1000() == 100
    assert eff.ci_per_1000() == (80, 120)
    assert eff.risk_difference == pytest.approx(-0.10)
    assert eff.nnt == pytest.approx(10.0)
    assert eff.nnt_label == "NNT"
    assert eff.interval == "relative effect only"


def test_odds_ratio_goes_through_the_odds() -> None:
    # baseline odds 0.25, x 2 = 0.5 -> risk 1/3
    eff = absolute_effect(0.20, "OR", 2.0, (1.5, 3.0))
    assert eff.risk == pytest.approx(1 / 3)
    assert eff.ci_per_1000() == (273, 429)  # odds 0.375 -> 0.2727, odds 0.75 -> 0.4286
    assert eff.nnt_label == "NNH"


def test_newcombe_bender_interval_adds_the_baseline_uncertainty() -> None:
    base = observed_proportion(40, 200, None)  # 20%, Wilson 95% CI
    lo0, hi0 = base.ci  # type: ignore[misc]
    eff = absolute_effect_uncertain_baseline(base, "RR", 0.5, (0.4, 0.6), source="user")
    r, rl, rh = math.log(0.5), math.log(0.4), math.log(0.6)
    b, bl, bh = math.log(0.2), math.log(lo0), math.log(hi0)
    want_lo = math.exp(b + r - math.sqrt((b - bl) ** 2 + (r - rl) ** 2))
    want_hi = math.exp(b + r + math.sqrt((bh - b) ** 2 + (rh - r) ** 2))
    assert eff.risk_ci == pytest.approx((want_lo, want_hi), rel=1e-12)
    fixed = absolute_effect(0.2, "RR", 0.5, (0.4, 0.6))
    assert eff.risk_ci[0] < fixed.risk_ci[0] and eff.risk_ci[1] > fixed.risk_ci[1]
    assert eff.interval == "relative effect and baseline risk"
    assert "Newcombe & Bender" in eff.method


def test_baseline_from_control_arms() -> None:
    base = baseline_from_control_arms([11, 29, 11], [139, 303, 220])
    assert base.risk == pytest.approx(51 / 662)
    assert base.ci is not None and base.ci[0] < base.risk < base.ci[1]


def test_uncertain_baseline_needs_an_interval() -> None:
    with pytest.raises(ValueError, match="no interval"):
        absolute_effect_uncertain_baseline(
            observed_proportion(None, None, 0.2), "RR", 0.5, (0.4, 0.6)
        )
