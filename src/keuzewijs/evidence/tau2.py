"""Between-study variance (tau²) estimators, vectorised over rows of (K, k) arrays.

Every function takes `yi`, `vi` and the fixed-effect weights `w0 = 1/vi` (0 for a study
that is not part of that row's meta-analysis) and returns one tau² per row.

- DerSimonian-Laird: closed form (method of moments), truncated at 0 (in batch.py).
- Paule-Mandel: the root of the generalised Q statistic, Q(tau²) = k - 1.
- REML: the root of the restricted-likelihood score, found by Fisher scoring (as metafor).

Why Newton-type iterations in NumPy rather than scipy.optimize per row: the batch path
pools thousands of analyses at once, and a Python-level root finder per row costs ~0.1-1
ms each, a thousand times the vectorised cost. So all rows take Newton/Fisher steps
together (only the rows still moving are recomputed). Fisher scoring for REML does not
always settle (it can oscillate; metafor then stops with "did not converge"): rows that
have not converged after `MAX_ITER` steps are solved by scipy's vectorised bracketed root
finder (`scipy.optimize.elementwise.find_root`, Chandrupatla's method; per-row `brentq` on
SciPy < 1.15) on a bracket where the score changes sign, which always converges.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import optimize

try:  # vectorised bracketed root finding, SciPy >= 1.15
    from scipy.optimize.elementwise import find_root
except ImportError:  # pragma: no cover - older SciPy: per-row brentq below
    find_root = None

from .effect_sizes import Float

# Most rows settle in under 10 steps; Fisher scoring that oscillates (slowly damped, or not
# at all) is handed to the bracketed solver rather than iterated for long.
MAX_ITER = 30
# Relative tolerance on tau²: far below metafor's default (1e-5 absolute), so the fixture,
# generated with metafor at threshold 1e-12, is matched to ~1e-9.
TOL = 1e-12

# f(tau2, y, v, w0) -> value per row; decreasing through the root we want.
RowFunction = Callable[[Float, Float, Float, Float], Float]


@dataclass(frozen=True)
class Tau2Fit:
    tau2: Float
    iterations: int  # Newton/Fisher steps taken by the slowest row (before any fallback)
    fallback_rows: int  # rows solved by the bracketed scipy fallback


def _moments(yi: Float, vi: Float, w0: Float, tau2: Float) -> tuple[Float, Float, Float]:
    """RE weights (0 outside the row), their sum and residuals from the weighted mean."""
    w = np.where(w0 > 0, 1.0 / (vi + tau2[:, None]), 0.0)
    sw = w.sum(axis=1)
    return w, sw, yi - ((w * yi).sum(axis=1) / sw)[:, None]


def q_excess(tau2: Float, yi: Float, vi: Float, w0: Float) -> Float:
    """Generalised Q minus its expectation (k - 1): decreasing in tau²."""
    w, _, r = _moments(yi, vi, w0, tau2)
    excess: Float = (w * r * r).sum(axis=1) - ((w0 > 0).sum(axis=1) - 1)
    return excess


def reml_score(tau2: Float, yi: Float, vi: Float, w0: Float) -> Float:
    """Twice the REML score: y'PPy - tr(P), with P = W - ww'/sum(w) (intercept-only)."""
    w, sw, r = _moments(yi, vi, w0, tau2)
    py = w * r
    score: Float = (py * py).sum(axis=1) - (sw - (w * w).sum(axis=1) / sw)
    return score


def _pm_step(tau2: Float, yi: Float, vi: Float, w0: Float) -> Float:
    # dQ/dtau² = -sum w²(y-mu)² (the mu term vanishes because sum w(y-mu) = 0).
    w, _, r = _moments(yi, vi, w0, tau2)
    f = (w * r * r).sum(axis=1) - ((w0 > 0).sum(axis=1) - 1)
    slope = (w * w * r * r).sum(axis=1)
    # slope = 0 only when all yi are equal: then Q = 0 <= k-1 and tau² stays 0.
    return np.where(slope > 0, f / np.where(slope > 0, slope, 1.0), 0.0)


def _fisher_step(tau2: Float, yi: Float, vi: Float, w0: Float) -> Float:
    # Fisher information of tau² (x2): tr(PP) = sum w² - 2 sum w³/sw + (sum w²/sw)².
    w, sw, r = _moments(yi, vi, w0, tau2)
    py = w * r
    s2 = (w * w).sum(axis=1)
    score = (py * py).sum(axis=1) - (sw - s2 / sw)
    info = s2 - 2 * (w * w * w).sum(axis=1) / sw + (s2 / sw) ** 2
    return np.where(info > 0, score / np.where(info > 0, info, 1.0), 0.0)


def _iterate(
    tau2: Float, step: RowFunction, yi: Float, vi: Float, w0: Float
) -> tuple[Float, np.ndarray, Float, Float, int]:
    """Newton-type steps, truncated at 0, recomputing only the rows still moving.

    Also returns, per row, the largest tau² seen with f > 0 and the smallest with f < 0
    (the sign of a step is the sign of f): a bracket for the rows that do not settle.
    """
    tau2 = tau2.copy()
    lo, hi = np.zeros(len(tau2)), np.full(len(tau2), np.inf)
    active = np.flatnonzero((w0 > 0).sum(axis=1) > 1)  # k = 1: tau² is 0 by definition
    it = 0
    for it in range(1, MAX_ITER + 1):  # noqa: B007 - the count is returned
        if active.size == 0:
            break
        t = tau2[active]
        d = step(t, yi[active], vi[active], w0[active])
        lo[active] = np.where(d > 0, np.maximum(lo[active], t), lo[active])
        hi[active] = np.where(d < 0, np.minimum(hi[active], t), hi[active])
        new = np.maximum(0.0, t + d)
        tau2[active] = new
        active = active[np.abs(new - t) > TOL * (1.0 + t)]
    return tau2, active, lo, hi, it


def _bracketed(
    f: RowFunction, rows: np.ndarray, yi: Float, vi: Float, w0: Float, lo: Float, hi: Float
) -> Float:
    """Root of f in [lo, hi] for `rows`; 0 where f(0) <= 0 (the estimate is on the boundary).

    `lo`/`hi` come from the iterates (f(lo) > 0 > f(hi)); where no iterate had f < 0 yet,
    the upper end is widened tenfold until f < 0.
    """
    y, v, w = yi[rows], vi[rows], w0[rows]
    lo, hi = lo[rows].copy(), hi[rows].copy()
    out = np.zeros(len(rows))
    pos = f(lo, y, v, w) > 0
    if not pos.any():
        return out
    y, v, w, lo, hi = y[pos], v[pos], w[pos], lo[pos], hi[pos]
    hi = np.where(np.isfinite(hi), hi, np.maximum(1.0, 10 * lo))
    for _ in range(30):
        up = f(hi, y, v, w) > 0
        if not up.any():
            break
        lo, hi = np.where(up, hi, lo), np.where(up, hi * 10, hi)

    def g(t: Float, i: Float) -> Float:
        # find_root evaluates only the rows still active: i says which ones.
        j = i.astype(int)
        return f(t, y[j], v[j], w[j])

    if find_root is not None:
        res = find_root(
            g,
            (lo, hi),
            args=(np.arange(len(y), dtype=float),),
            tolerances={"xatol": 1e-15, "xrtol": 1e-13},
        )
        out[pos] = res.x
    else:  # SciPy < 1.15: the same bracket, one brentq per row
        out[pos] = [
            optimize.brentq(
                lambda t, j=j: float(g(np.array([t]), np.array([j]))[0]),
                a,
                b,
                xtol=1e-15,
                rtol=1e-13,
            )
            for j, (a, b) in enumerate(zip(lo, hi, strict=False))
        ]
    return out


def _solve(
    f: RowFunction, step: RowFunction, start: Float, yi: Float, vi: Float, w0: Float
) -> Tau2Fit:
    tau2, stuck, lo, hi, it = _iterate(start, step, yi, vi, w0)
    if stuck.size:
        tau2[stuck] = _bracketed(f, stuck, yi, vi, w0, lo, hi)
    return Tau2Fit(tau2=tau2, iterations=it, fallback_rows=int(stuck.size))


def paule_mandel(yi: Float, vi: Float, w0: Float) -> Tau2Fit:
    """Newton on Q(tau²) - (k-1) from 0: Q is decreasing and convex, so the iterates rise
    monotonically to the root (DerSimonian & Kacker 2007). Rows with Q(0) <= k-1 stay at 0."""
    return _solve(q_excess, _pm_step, np.zeros(len(yi)), yi, vi, w0)


def reml(yi: Float, vi: Float, w0: Float, start: Float) -> Tau2Fit:
    """Fisher scoring (metafor's algorithm) from `start` (the DL estimate), truncated at 0.

    Each step is a handful of row sums: y'PPy, tr P and tr PP have closed forms for an
    intercept-only model, so no k x k matrix is formed.
    """
    fit = _solve(reml_score, _fisher_step, start, yi, vi, w0)
    tau2 = _global_reml(fit.tau2, yi, vi, w0)
    tau2, extra = _interior_maximum(tau2, yi, vi, w0)
    return Tau2Fit(tau2=tau2, iterations=fit.iterations, fallback_rows=fit.fallback_rows + extra)


GRID = np.geomspace(1e-3, 1e2, 16)  # tau² / median(vi): where a second mode is looked for


def _interior_maximum(tau2: Float, yi: Float, vi: Float, w0: Float) -> tuple[Float, int]:
    """Rows that end on the boundary (tau² = 0, score(0) <= 0) may still have a higher
    interior maximum: the likelihood can fall, rise and fall again. Scan the score on a
    grid of tau² relative to the row's median within-study variance; where it turns
    positive, solve on the bracket above and keep that root if its likelihood beats 0."""
    rows = np.flatnonzero((tau2 == 0) & ((w0 > 0).sum(axis=1) > 2))
    if rows.size == 0:
        return tau2, 0
    y, v, w = yi[rows], vi[rows], w0[rows]
    scale = np.nanmedian(np.where(w > 0, v, np.nan), axis=1)
    grid = scale[:, None] * GRID[None, :]
    n, g = grid.shape

    def rep(a: Float) -> Float:  # one row per (row, grid point)
        return np.repeat(a, g, axis=0)

    score = reml_score(grid.ravel(), rep(y), rep(v), rep(w)).reshape(n, g)
    up = score > 0
    has = up.any(axis=1)
    if not has.any():
        return tau2, 0
    first = np.argmax(up, axis=1)
    sel = np.flatnonzero(has)
    lo = grid[sel, first[sel]]
    sub = rows[sel]
    root = _bracketed(
        reml_score,
        sub,
        yi,
        vi,
        w0,
        _scatter(len(yi), sub, lo),
        _scatter(len(yi), sub, np.full(sel.size, np.inf)),
    )
    better = reml_loglik(root, yi[sub], vi[sub], w0[sub]) > reml_loglik(
        np.zeros(sub.size), yi[sub], vi[sub], w0[sub]
    )
    tau2 = tau2.copy()
    tau2[sub[better]] = root[better]
    return tau2, int(better.sum())


def _scatter(size: int, idx: np.ndarray, values: Float) -> Float:
    out = np.zeros(size)
    out[idx] = values
    return out


def reml_loglik(tau2: Float, yi: Float, vi: Float, w0: Float) -> Float:
    """Restricted log-likelihood up to a constant: -(sum log(v+t) + log sum w + Q(t)) / 2."""
    w, sw, r = _moments(yi, vi, w0, tau2)
    logv = np.where(w0 > 0, np.log(np.where(w0 > 0, vi + tau2[:, None], 1.0)), 0.0)
    loglik: Float = -0.5 * (logv.sum(axis=1) + np.log(sw) + (w * r * r).sum(axis=1))
    return loglik


def _global_reml(tau2: Float, yi: Float, vi: Float, w0: Float) -> Float:
    """The REML likelihood can have a local maximum at 0 besides an interior one, so a root
    of the score is not necessarily the maximum on [0, inf). Like metafor ("may have gotten
    stuck at a local maximum. Setting tau^2 = 0"), keep 0 where its likelihood is higher."""
    rows = np.flatnonzero(tau2 > 0)
    if rows.size == 0:
        return tau2
    y, v, w = yi[rows], vi[rows], w0[rows]
    better = reml_loglik(np.zeros(rows.size), y, v, w) > reml_loglik(tau2[rows], y, v, w)
    if better.any():
        tau2 = tau2.copy()
        tau2[rows[better]] = 0.0
    return tau2
