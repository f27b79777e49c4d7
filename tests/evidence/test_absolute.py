"""Absolute effects, checked against the published figures they must reproduce.

Minerva 2020;19(3) p. 35 reports for Ochen 2019 both a risk ratio and a risk difference:
re-rupture RR 0.43 with RD 1.6%, complications RR 2.76 with RD 3.3%. The pack derives the
baseline from them; applying the RR to that baseline must give back the published RD.
"""

from __future__ import annotations

import pytest

from keuzewijs.evidence.absolute import (
    absolute_effect,
    observed_proportion,
    risk_from_relative,
    wilson_interval,
)


def test_rerupture_reproduces_published_risk_difference() -> None:
    effect = absolute_effect(0.0281, "RR", 0.43, (0.31, 0.60))
    assert effect.risk_difference == pytest.approx(-0.016, abs=0.0005)
    assert effect.per_1000() == 12
    assert effect.ci_per_1000() == (9, 17)


def test_complications_reproduce_published_risk_difference() -> None:
    effect = absolute_effect(0.0188, "RR", 2.76, (1.84, 4.13))
    assert effect.risk_difference == pytest.approx(0.033, abs=0.0005)
    assert effect.nnt == pytest.approx(1 / 0.0331, rel=0.01)


def test_odds_ratio_conversion_matches_cochrane_handbook_formula() -> None:
    # Cochrane Handbook 15.4.4: risk = OR*ACR / (1 - ACR + OR*ACR); ACR 0.2, OR 2 -> 0.3333
    assert risk_from_relative(0.2, "OR", 2.0) == pytest.approx(1 / 3)


def test_wilson_interval_matches_reference() -> None:
    # Newcombe 1998, Table I example: 81/263 -> Wilson 0.2553 to 0.3662
    prop = observed_proportion(81, 263, None)
    assert prop.ci == pytest.approx((0.2553, 0.3662), abs=5e-5)


@pytest.mark.parametrize("bad", [0, 1, -0.1])
def test_baseline_must_be_a_probability(bad) -> None:
    with pytest.raises(ValueError, match="baseline"):
        risk_from_relative(bad, "RR", 0.5)


@pytest.mark.parametrize(
    ("events", "total"), [(0, 10), (1, 1), (19, 412), (57, 718), (62, 142), (500, 1000)]
)
def test_wilson_interval_equals_scipy(events, total) -> None:
    from scipy.stats import binomtest

    reference = binomtest(events, total).proportion_ci(confidence_level=0.95, method="wilson")
    assert wilson_interval(events, total) == pytest.approx(
        (reference.low, reference.high), rel=1e-12, abs=1e-15
    )


def test_early_rehab_subgroup_reproduces_soroceanu_risk_difference() -> None:
    # own baseline: Soroceanu 2012 RD 1.7% with early range of motion / (1 - Zhou RR 0.60)
    effect = absolute_effect(0.0425, "RR", 0.60, (0.26, 1.37))
    assert effect.risk_difference == pytest.approx(-0.017, abs=0.0005)
    assert (effect.per_1000(), round(effect.baseline_risk * 1000)) == (26, 42)


def test_no_early_rehab_subgroup_gives_the_rct_risk_difference() -> None:
    # own baseline: midpoint 6% of the RCT meta-analyses' 5-7% RD / (1 - Cochrane RR 0.41)
    effect = absolute_effect(0.1017, "RR", 0.41, (0.21, 0.77))
    assert 0.05 <= -effect.risk_difference <= 0.07
    assert (effect.per_1000(), round(effect.baseline_risk * 1000)) == (42, 102)
