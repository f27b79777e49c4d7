"""Inverse-variance pooling of many meta-analyses at once (rows of (K, k) arrays).

This is the one implementation of fixed-effect and random-effects pooling: a single
meta-analysis, a leave-one-out series and a set of subgroups are all just batches, so
every path shares the numbers validated against metafor.

Conventions (metafor's, so the fixture compares like with like):
- Wald-type CI with the normal quantile; with Hartung-Knapp(-Sidik-Jonkman) the standard
  error is rescaled by sqrt(sum w (y-mu)² / (k-1)) and the t(k-1) quantile is used
  (metafor `test="knha"`, no ad-hoc truncation of the scale factor at 1).
- Q is always the fixed-effect Cochran's Q on k-1 df. I² and H² come from Q for the fixed
  effect model, and from tau² and the "typical" within-study variance for random effects
  (Higgins & Thompson 2002), which equals the Q-based form for DerSimonian-Laird.
- The 95% prediction interval uses t(k-2) (Higgins, Thompson & Spiegelhalter 2009;
  Cochrane Handbook 10.10.4.3), so it needs k >= 3. metafor's `predict()` uses z here;
  see docs/evidence-validation.md.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike
from scipy import special

from keuzewijs.errors import EvidenceError

from . import tau2 as tau2_estimators
from .effect_sizes import Bool, Float

IVMethod = Literal["FE", "DL", "REML", "PM"]
IV_METHODS: tuple[IVMethod, ...] = ("FE", "DL", "REML", "PM")
LEVEL = 0.95


@dataclass(frozen=True)
class BatchResult:
    """One entry per meta-analysis (row). NaN where a quantity is undefined (e.g. k < 3 for
    the prediction interval)."""

    method: str
    hksj: bool
    k: np.ndarray
    estimate: Float
    se: Float
    ci_lower: Float
    ci_upper: Float
    statistic: Float
    p_value: Float
    tau2: Float
    q: Float
    q_df: np.ndarray
    q_p: Float
    i2: Float
    h2: Float
    pi_lower: Float
    pi_upper: Float
    weights: Float  # per-study weights in percent, shape (K, k)
    fallback_rows: int = 0


def divide_where_positive(num: Float, den: Float) -> Float:
    """num/den where den > 0, NaN elsewhere, without a divide-by-zero warning."""
    ok = den > 0
    return np.where(ok, num / np.where(ok, den, 1.0), np.nan)


def _blank(res: BatchResult, rows: np.ndarray) -> BatchResult:
    """Results of `rows` set to undefined (k = 0, weights 0)."""
    out = {}
    for f in fields(res):
        val = getattr(res, f.name)
        if isinstance(val, np.ndarray):
            val = val.copy()
            if f.name == "k" or f.name == "q_df":
                val[rows] = 0
            elif f.name == "weights":
                val[rows] = 0.0
            else:
                val[rows] = np.nan
        out[f.name] = val
    return BatchResult(**out)


def _quantile_t(df: np.ndarray, p: float) -> Float:
    """t quantiles per row, computed once per distinct df (stdtrit is the costly call)."""
    lo, hi = int(df.min()), int(df.max())
    if lo == hi:
        return np.full(len(df), special.stdtrit(max(lo, 1), p) if lo > 0 else np.nan)
    values, inverse = np.unique(df, return_inverse=True)
    q = np.where(values > 0, special.stdtrit(np.maximum(values, 1), p), np.nan)
    return q[inverse]


def pool(
    yi: ArrayLike,
    vi: ArrayLike,
    method: IVMethod = "REML",
    *,
    hksj: bool = False,
    include: ArrayLike | None = None,
) -> BatchResult:
    """Pool each row of `yi`/`vi` (shape (K, k)); `include` (bool, (K, k)) masks studies out."""
    if method not in IV_METHODS:
        raise EvidenceError(f"method must be one of {', '.join(IV_METHODS)} (got {method!r})")
    y = np.atleast_2d(np.asarray(yi, dtype=np.float64))
    v = np.atleast_2d(np.asarray(vi, dtype=np.float64))
    full = include is None  # every study in every row: the fast path of the batch
    if full:
        w0 = 1.0 / v
        k = np.full(len(y), y.shape[1])
        ref = y[:, :1]
    else:
        inc = np.atleast_2d(np.asarray(include, dtype=bool))
        # e.g. one row of studies with one mask row per leave-one-out analysis
        y, v, inc = np.broadcast_arrays(y, v, inc)
        # Excluded cells may hold placeholders (or garbage): neutralise before dividing.
        y = np.where(inc, y, 0.0)
        w0 = np.where(inc, 1.0 / np.where(inc, v, 1.0), 0.0)
        k = inc.sum(axis=1)
        empty = k == 0
        if empty.any():
            # A row with no study (e.g. a subgroup of double-zero studies) is computed on a
            # dummy study so that nothing divides by zero, and blanked afterwards.
            inc = inc.copy()
            inc[empty, 0] = True
            return _blank(pool(y, np.where(inc, v, 1.0), method, hksj=hksj, include=inc), empty)
        ref = np.take_along_axis(y, np.argmax(inc, axis=1)[:, None], axis=1)
    # Work on y minus one included study's value: identical studies then give residuals of
    # exactly 0 (not 1e-17), so Q, tau² and the HKSJ scale are exactly 0, as in metafor.
    # Every estimator depends on residuals only, so the shift changes nothing else.
    yc = y - ref
    df = k - 1

    sw0 = w0.sum(axis=1)
    r0 = yc - ((w0 * yc).sum(axis=1) / sw0)[:, None]
    q = (w0 * r0 * r0).sum(axis=1)
    c = sw0 - (w0 * w0).sum(axis=1) / sw0
    safe_c = np.where(c > 0, c, 1.0)

    fallback = 0
    t2 = np.zeros(len(k))
    if method != "FE":
        # DerSimonian-Laird; also the starting value of REML's Fisher scoring.
        t2 = np.where(c > 0, np.maximum(0.0, (q - df) / safe_c), 0.0)
    if method in ("REML", "PM"):
        fit = (
            tau2_estimators.reml(yc, v, w0, t2)
            if method == "REML"
            else tau2_estimators.paule_mandel(yc, v, w0)
        )
        t2, fallback = fit.tau2, fit.fallback_rows

    if not t2.any():
        w, sw = w0, sw0
    else:
        w = 1.0 / (v + t2[:, None]) if full else np.where(w0 > 0, 1.0 / (v + t2[:, None]), 0.0)
        sw = w.sum(axis=1)
    muc = (w * yc).sum(axis=1) / sw
    mu = ref[:, 0] + muc
    se = np.sqrt(1.0 / sw)

    z = special.ndtri(0.5 + LEVEL / 2)
    crit: np.ndarray | np.float64  # per row (HKSJ: t quantiles) or one normal quantile
    if hksj:
        # With one study there is no residual to rescale by (0 df): like metafor, fall
        # back to the Wald interval for those rows instead of returning nothing.
        multi = df > 0
        r = yc - muc[:, None]
        s2 = (w * r * r).sum(axis=1) / np.maximum(df, 1)
        se = np.where(multi, np.sqrt(s2 / sw), se)
        crit = np.where(multi, _quantile_t(df, 0.5 + LEVEL / 2), z)
        # Identical studies give s2 = 0 and a zero-width HKSJ interval (a known pathology of
        # HKSJ, kept to match metafor's knha): the statistic is then infinite and p = 0.
        stat = np.where(se > 0, divide_where_positive(mu, se), np.sign(mu) * np.inf)
        pval = np.where(
            multi,
            2 * special.stdtr(np.maximum(df, 1), -np.abs(stat)),
            2 * special.ndtr(-np.abs(stat)),
        )
    else:
        crit = z
        stat = mu / se
        pval = 2 * special.ndtr(-np.abs(stat))

    # metafor: Q-test p-value 1 when k = 1 (no heterogeneity can be observed).
    q_p = (
        special.chdtrc(df, q)
        if full and df[0] > 0
        else np.where(df > 0, special.chdtrc(np.maximum(df, 1), q), 1.0)
    )
    if method == "FE":
        i2 = np.where(q > 0, np.maximum(0.0, (q - df) / np.where(q > 0, q, 1.0)), 0.0)
        h2 = np.where(df > 0, q / np.maximum(df, 1), 1.0)
    else:
        # Higgins & Thompson: I² = tau² / (tau² + s²), s² the "typical" within-study variance.
        typical = df / safe_c
        i2 = np.where(c > 0, t2 / np.where(c > 0, t2 + typical, 1.0), 0.0)
        h2 = np.where(c > 0, 1.0 + t2 / np.where(c > 0, typical, 1.0), 1.0)

    if method == "FE":  # a prediction interval would only repeat the CI
        pi_lo = pi_hi = np.full(len(k), np.nan)
    else:
        half = _quantile_t(k - 2, 0.5 + LEVEL / 2) * np.sqrt(se * se + t2)
        pi_lo, pi_hi = mu - half, mu + half
    return BatchResult(
        method=method,
        hksj=hksj,
        k=k,
        estimate=mu,
        se=se,
        ci_lower=mu - crit * se,
        ci_upper=mu + crit * se,
        statistic=stat,
        p_value=pval,
        tau2=t2,
        q=q,
        q_df=df,
        q_p=q_p,
        i2=i2,
        h2=h2,
        pi_lower=pi_lo,
        pi_upper=pi_hi,
        weights=w * (100 / sw)[:, None],
        fallback_rows=fallback,
    )


__all__ = ["IV_METHODS", "BatchResult", "Bool", "IVMethod", "divide_where_positive", "pool"]
