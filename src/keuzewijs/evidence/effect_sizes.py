"""Per-study effect sizes from 2x2 tables: log risk ratio, log odds ratio, risk difference.

Vectorised over arrays of any shape (a batch of meta-analyses is shape (K, k)).

Zero cells. A study with a zero in any of its four cells gets 0.5 added to all four
cells ("only0", the convention of RevMan and of metafor's `escalc(add=1/2, to="only0")`);
without it the log ratio or its variance is infinite. The correction is applied to the
effect and its variance for all three measures, as metafor does.

Double-zero studies (no events in either arm, or only events in both arms) carry no
information about a ratio: for RR and OR they are excluded from inverse-variance pooling
(metafor's `drop00=TRUE`; Cochrane Handbook 10.4.4.2). A risk difference of 0 is
informative, so for RD they are kept (with the correction). The Mantel-Haenszel pooled
estimate needs no correction and uses every table as it is (see mantel_haenszel.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from keuzewijs.errors import EvidenceError

Measure = Literal["RR", "OR", "RD"]
MEASURES: tuple[Measure, ...] = ("RR", "OR", "RD")
CONTINUITY = 0.5

Float = NDArray[np.float64]
Bool = NDArray[np.bool_]


@dataclass(frozen=True)
class EffectSizes:
    """Per-study effects `yi` (log scale for RR/OR) and sampling variances `vi`.

    `usable` is False for a study that the inverse-variance analysis leaves out
    (a double-zero study for RR/OR); its yi/vi are set to 0/1 so that arithmetic on
    the whole array stays finite, and every consumer weights it 0.
    """

    yi: Float
    vi: Float
    corrected: Bool
    double_zero: Bool
    usable: Bool


def double_zero(a: Float, n1: Float, c: Float, n2: Float) -> Bool:
    """No events in both arms, or only events in both arms (metafor's `drop00` rule)."""
    both: Bool = ((a == 0) & (c == 0)) | ((a == n1) & (c == n2))
    return both


def effect_sizes(
    measure: Measure, a: ArrayLike, n1: ArrayLike, c: ArrayLike, n2: ArrayLike
) -> EffectSizes:
    """Effects and variances; a = treatment events, n1 = treatment total, c/n2 for control."""
    if measure not in MEASURES:
        raise EvidenceError(f"measure must be one of {', '.join(MEASURES)} (got {measure!r})")
    a_, n1_, c_, n2_ = (np.asarray(x, dtype=np.float64) for x in (a, n1, c, n2))
    b_, d_ = n1_ - a_, n2_ - c_
    zero = (a_ == 0) | (b_ == 0) | (c_ == 0) | (d_ == 0)
    dz = double_zero(a_, n1_, c_, n2_)
    usable = ~dz if measure != "RD" else np.ones_like(dz)
    add = np.where(zero, CONTINUITY, 0.0)
    a_, b_, c_, d_ = a_ + add, b_ + add, c_ + add, d_ + add
    # Double-zero RR/OR studies still have zero cells after this only if a total is 0;
    # they are masked below, so make their cells harmless first (no divide-by-zero warnings).
    n1c, n2c = a_ + b_, c_ + d_
    p1, p2 = a_ / n1c, c_ / n2c
    if measure == "RR":
        yi = np.log(p1) - np.log(p2)
        vi = 1 / a_ - 1 / n1c + 1 / c_ - 1 / n2c
    elif measure == "OR":
        yi = np.log(a_ / b_) - np.log(c_ / d_)
        vi = 1 / a_ + 1 / b_ + 1 / c_ + 1 / d_
    else:
        yi = p1 - p2
        # metafor's default vtype "LS": the large-sample variance with the (corrected) proportions.
        vi = p1 * (1 - p1) / n1c + p2 * (1 - p2) / n2c
    yi = np.where(usable, yi, 0.0)
    vi = np.where(usable, vi, 1.0)
    return EffectSizes(yi=yi, vi=vi, corrected=zero & usable, double_zero=dz, usable=usable)
