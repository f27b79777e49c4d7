"""Mantel-Haenszel fixed-effect pooling of 2x2 tables, vectorised over rows.

MH needs no continuity correction: it pools raw counts, which is why it is preferred for
sparse data (Cochrane Handbook 10.4.4.1). Double-zero tables contribute nothing to a
ratio and, correctly, still count towards a pooled risk difference. Variances:
- OR: Robins, Breslow & Greenland (1986);
- RR: Greenland & Robins (1985);
- RD: Sato, Greenland & Robins (1989), consistent in both sparse and large strata.
All three exactly as metafor's `rma.mh`. Cochran's Q, I² and H² use the per-study
inverse-variance effects (with continuity correction) around the MH estimate, as
metafor and RevMan do.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy import special

from .batch import LEVEL, BatchResult, divide_where_positive
from .effect_sizes import Measure, effect_sizes


def _sum(x: np.ndarray) -> np.ndarray:
    total: np.ndarray = x.sum(axis=1)
    return total


def pool_mh(
    measure: Measure,
    a: ArrayLike,
    n1: ArrayLike,
    c: ArrayLike,
    n2: ArrayLike,
    *,
    include: ArrayLike | None = None,
) -> BatchResult:
    a_, n1_, c_, n2_ = (np.atleast_2d(np.asarray(x, dtype=np.float64)) for x in (a, n1, c, n2))
    inc = (
        np.ones_like(a_, dtype=bool)
        if include is None
        else np.atleast_2d(np.asarray(include, bool))
    )
    # Excluded studies become empty tables (all cells 0) with N = 1 to keep divisions finite.
    a_, c_ = np.where(inc, a_, 0.0), np.where(inc, c_, 0.0)
    n1_, n2_ = np.where(inc, n1_, 0.0), np.where(inc, n2_, 0.0)
    b_, d_ = n1_ - a_, n2_ - c_
    n = np.where(inc, n1_ + n2_, 1.0)

    if measure == "OR":
        r, s = a_ * d_ / n, b_ * c_ / n
        pp, qq = (a_ + d_) / n, (b_ + c_) / n
        big_r, big_s = _sum(r), _sum(s)
        ok = (big_r > 0) & (big_s > 0)
        rs = np.where(ok, big_r, 1.0), np.where(ok, big_s, 1.0)
        est = np.where(ok, np.log(rs[0] / rs[1]), np.nan)
        var = 0.5 * (
            _sum(pp * r) / rs[0] ** 2
            + _sum(pp * s + qq * r) / (rs[0] * rs[1])
            + _sum(qq * s) / rs[1] ** 2
        )
        wt = b_ * c_ / n
    elif measure == "RR":
        big_r, big_s = _sum(a_ * n2_ / n), _sum(c_ * n1_ / n)
        ok = (_sum(a_) > 0) & (_sum(c_) > 0)
        rs = np.where(ok, big_r, 1.0), np.where(ok, big_s, 1.0)
        est = np.where(ok, np.log(rs[0] / rs[1]), np.nan)
        var = _sum(n1_ * n2_ * (a_ + c_) / n**2 - a_ * c_ / n) / (rs[0] * rs[1])
        wt = c_ * n1_ / n
    else:
        denom = _sum(n1_ * n2_ / n)
        ok = denom > 0
        est = _sum(a_ * n2_ / n - c_ * n1_ / n) / denom
        var = (
            est
            * _sum(
                c_ * (n1_ / n) ** 2 - a_ * (n2_ / n) ** 2 + (n1_ / n) * (n2_ / n) * (n2_ - n1_) / 2
            )
            + _sum(a_ * (n2_ - c_) / n + c_ * (n1_ - a_) / n) / 2
        ) / denom**2
        wt = n1_ * n2_ / n
    var = np.where(ok, var, np.nan)
    se = np.sqrt(var)
    z = special.ndtri(0.5 + LEVEL / 2)

    es = effect_sizes(measure, a_, np.where(inc, n1_, 1.0), c_, np.where(inc, n2_, 1.0))
    use = inc & es.usable
    w0 = np.where(use, 1.0 / es.vi, 0.0)
    k = use.sum(axis=1)
    df = k - 1
    q = np.where(ok, _sum(w0 * (es.yi - np.where(ok, est, 0.0)[:, None]) ** 2), np.nan)
    i2 = np.where(df > 0, np.maximum(0.0, divide_where_positive(q - df, q)), 0.0)
    h2 = np.where(df > 0, divide_where_positive(q, df.astype(np.float64)), 1.0)
    stat = divide_where_positive(est, se)
    nan = np.full(len(k), np.nan)
    sw = _sum(wt)
    return BatchResult(
        method="MH",
        hksj=False,
        k=k,
        estimate=est,
        se=se,
        ci_lower=est - z * se,
        ci_upper=est + z * se,
        statistic=stat,
        p_value=2 * special.ndtr(-np.abs(stat)),
        tau2=np.zeros(len(k)),
        q=q,
        q_df=df,
        q_p=np.where(df > 0, special.chdtrc(np.maximum(df, 1), q), 1.0),
        i2=np.where(q > 0, i2, 0.0),
        h2=h2,
        pi_lower=nan,
        pi_upper=nan,
        weights=100 * wt / np.where(sw > 0, sw, 1.0)[:, None],
    )
