"""Absolute effects from a relative effect and a baseline risk (GRADE summary-of-findings).

GRADE applies the relative effect and its confidence limits to an assumed
control-group (baseline) risk: for a risk ratio, risk = baseline x RR, and the
interval is baseline x the RR's limits. The baseline is treated as known; the
interval therefore reflects uncertainty in the relative effect only (this is
the interval GRADEpro shows). Every number the decision engine shows comes from here.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from statistics import NormalDist
from typing import Literal

from keuzewijs.errors import EvidenceError

RatioMeasure = Literal["RR", "OR"]


@dataclass(frozen=True)
class AbsoluteEffect:
    baseline_risk: float
    risk: float
    risk_ci: tuple[float, float]
    method: str
    # Which uncertainty the interval shows: "relative effect only" (GRADE default, the
    # baseline treated as known) or "relative effect and baseline risk" (Newcombe & Bender).
    interval: str = "relative effect only"
    baseline_source: str | None = None  # "pack", "control arms" or "user"

    @property
    def risk_difference(self) -> float:
        return self.risk - self.baseline_risk

    @property
    def risk_difference_ci(self) -> tuple[float, float]:
        return (self.risk_ci[0] - self.baseline_risk, self.risk_ci[1] - self.baseline_risk)

    def per_1000(self) -> int:
        return round(self.risk * 1000)

    def ci_per_1000(self) -> tuple[int, int]:
        return (round(self.risk_ci[0] * 1000), round(self.risk_ci[1] * 1000))

    @property
    def nnt(self) -> float | None:
        """Number needed to treat (benefit) or harm: 1 / |risk difference|; None when no
        difference."""
        rd = self.risk_difference
        return None if rd == 0 else 1 / abs(rd)

    @property
    def nnt_label(self) -> str | None:
        """NNT when the intervention lowers the risk (benefit for a harmful outcome), NNH when
        it raises it. Which direction is a benefit depends on the outcome; the caller knows."""
        rd = self.risk_difference
        return None if rd == 0 else "NNT" if rd < 0 else "NNH"


def risk_from_relative(baseline: float, measure: RatioMeasure, ratio: float) -> float:
    """The intervention-group risk implied by a baseline risk and a ratio."""
    if not 0 < baseline < 1:
        raise EvidenceError(f"baseline risk must be between 0 and 1 (got {baseline})")
    if ratio <= 0:
        raise EvidenceError(f"a ratio must be positive (got {ratio})")
    if measure == "RR":
        return min(baseline * ratio, 1.0)
    odds = ratio * baseline / (1 - baseline)
    return odds / (1 + odds)


def absolute_effect(
    baseline: float, measure: RatioMeasure, estimate: float, ci: tuple[float, float]
) -> AbsoluteEffect:
    lo, hi = sorted(risk_from_relative(baseline, measure, r) for r in ci)
    return AbsoluteEffect(
        baseline_risk=baseline,
        risk=risk_from_relative(baseline, measure, estimate),
        risk_ci=(lo, hi),
        method=(
            f"GRADE: baseline risk x {measure} and its 95% confidence limits"
            if measure == "RR"
            else (
                "GRADE: baseline odds x OR (and its 95% confidence limits), "
                "converted back to a risk"
            )
        ),
    )


_Z95 = NormalDist().inv_cdf(0.975)


def wilson_interval(events: int, total: int, z: float = _Z95) -> tuple[float, float]:
    """Wilson score interval (Newcombe 1998, method 3).

    Written here rather than taken from scipy.stats.binomtest: importing scipy.stats would be
    most of the CLI's cold-start budget (figures in benchmarks/README.md). The unit tests check
    this function against scipy's implementation and against Newcombe's published example.
    """
    p = events / total
    denom = 1 + z * z / total
    centre = (p + z * z / (2 * total)) / denom
    half = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


@dataclass(frozen=True)
class Proportion:
    risk: float
    ci: tuple[float, float] | None
    method: str

    def per_1000(self) -> int:
        return round(self.risk * 1000)

    def ci_per_1000(self) -> tuple[int, int] | None:
        return None if self.ci is None else (round(self.ci[0] * 1000), round(self.ci[1] * 1000))


def observed_proportion(
    events: int | None, total: int | None, proportion: float | None
) -> Proportion:
    """An observed risk; with counts, a 95% Wilson score interval."""
    if events is not None and total is not None:
        return Proportion(
            risk=events / total,
            ci=wilson_interval(events, total),
            method=f"observed {events}/{total}; 95% Wilson score interval",
        )
    if proportion is None or math.isnan(proportion):
        raise EvidenceError("need events and total, or a proportion")
    return Proportion(
        risk=proportion, ci=None, method="reported proportion; no counts, so no interval"
    )


# ---------------------------------------------------------------- baseline uncertainty
_Link = Callable[[float], float]
_LINKS: dict[str, tuple[_Link, _Link]] = {
    "RR": (math.log, math.exp),
    "OR": (lambda p: math.log(p / (1 - p)), lambda x: 1 / (1 + math.exp(-x))),
}


def absolute_effect_uncertain_baseline(
    baseline: Proportion,
    measure: RatioMeasure,
    estimate: float,
    ci: tuple[float, float],
    *,
    source: str | None = None,
) -> AbsoluteEffect:
    """Intervention risk whose interval carries the baseline risk's own uncertainty too.

    Newcombe & Bender (Evid Based Med 2014;19:6-8): when the baseline risk and the relative
    effect come from independent sources, combine their intervals by MOVER ("square and
    add" the distances from each estimate to its limits). On the scale where the effects
    add (log risk for RR, logit for OR), with b = baseline, r = log ratio:
        lower = (b + r) - sqrt((b - b_lo)² + (r - r_lo)²)
        upper = (b + r) + sqrt((b_hi - b)² + (r_hi - r)²)
    `baseline` needs an interval (e.g. the Wilson interval of observed_proportion). The
    risk difference interval shown by AbsoluteEffect subtracts the baseline point estimate.
    """
    if baseline.ci is None:
        raise EvidenceError(
            "the baseline risk has no interval; use absolute_effect (baseline treated as known)"
        )
    to, back = _LINKS[measure]
    p0 = baseline.risk
    lo0, hi0 = (min(max(x, 1e-12), 1 - 1e-12) for x in baseline.ci)  # Wilson limits may be 0 or 1
    b, b_lo, b_hi = to(p0), to(lo0), to(hi0)
    r, r_lo, r_hi = math.log(estimate), math.log(min(ci)), math.log(max(ci))
    centre = b + r
    lower = centre - math.sqrt((b - b_lo) ** 2 + (r - r_lo) ** 2)
    upper = centre + math.sqrt((b_hi - b) ** 2 + (r_hi - r) ** 2)
    cap = (lambda x: min(back(x), 1.0)) if measure == "RR" else back
    return AbsoluteEffect(
        baseline_risk=p0,
        risk=risk_from_relative(p0, measure, estimate),
        risk_ci=(cap(lower), cap(upper)),
        method=(
            f"Newcombe & Bender 2014: baseline risk x {measure}; 95% interval combines the "
            f"{measure}'s confidence limits and the baseline's ({baseline.method}) by MOVER on the "
            f"{'log' if measure == 'RR' else 'logit'} scale"
        ),
        interval="relative effect and baseline risk",
        baseline_source=source,
    )


def baseline_from_control_arms(control_events: list[int], control_totals: list[int]) -> Proportion:
    """Baseline risk from the pooled control arms of the studies (events / participants,
    95% Wilson interval). GRADE prefers an external baseline (a registry, a cohort, the
    knowledge pack) when it describes the patients better; this is the fallback."""
    events, total = sum(control_events), sum(control_totals)
    if total <= 0:
        raise EvidenceError("the control arms have no participants")
    return Proportion(
        risk=events / total,
        ci=wilson_interval(events, total),
        method=f"pooled control arms {events}/{total}; 95% Wilson score interval",
    )


# ---------------------------------------------------------------- difference of two arms
def newcombe_difference(first: Proportion, second: Proportion) -> tuple[float, float] | None:
    """95% interval of the risk difference first - second of two independent observed arms,
    Newcombe's hybrid score method (Stat Med 1998;17:873-90, method 10): the Wilson limits of each
    arm combined by "square and add". None when an arm has no counts (so no interval)."""
    if first.ci is None or second.ci is None:
        return None
    p1, (l1, u1) = first.risk, first.ci
    p2, (l2, u2) = second.risk, second.ci
    d = p1 - p2
    return (
        d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2),
        d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2),
    )


Verdict = Literal["fewer", "more", "little_or_no_difference", "no_interval"]


def verdict_of_ratio(estimate: float, ci: tuple[float, float]) -> Verdict:
    """The intervention against its comparator: 'fewer'/'more' only when the ratio's interval
    excludes 1 (no effect); an interval that touches or crosses 1 is little or no difference."""
    lo, hi = min(ci), max(ci)
    if lo <= 1 <= hi:
        return "little_or_no_difference"
    return "fewer" if estimate < 1 else "more"


def verdict_of_difference(difference: float, ci: tuple[float, float] | None) -> Verdict:
    """As verdict_of_ratio, for a risk difference (first - second) and its interval."""
    if ci is None:
        return "no_interval"
    lo, hi = min(ci), max(ci)
    if lo <= 0 <= hi:
        return "little_or_no_difference"
    return "fewer" if difference < 0 else "more"
