"""Between-study variance (tau²) estimators, vectorised over rows of (K, k) arrays.

Every function takes `yi`, `vi` and the fixed-effect weights `w0 = 1/vi` (0 for a study
that is not part of that row's meta-analysis) and returns one tau² per row.

- DerSimonian-Laird: closed form (method of moments), truncated at 0.
- Paule-Mandel: the root of the generalised Q statistic Q(tau²) = k - 1.
- REML: the root of the restricted-likelihood score, found by Fisher scoring.

Why iterate in NumPy and not call scipy.optimize per row: the batch path pools thousands
of analyses at once, and a Python-level root finder per row costs ~100 µs each (the whole
point of the batch is to be ~1000x faster than a per-analysis loop). Both iterations
below are Newton-type steps computed for all rows at once; rows that fail to converge
within `MAX_ITER` (rare, e.g. oscillating Fisher scoring) are handed to
`scipy.optimize.brentq` on a bracket, one by one, so the result never depends on an
unconverged iterate.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq

from .effect_sizes import Float

MAX_ITER = 100
# Relative tolerance on tau²: far below metafor's default (1e-5 absolute) so the fixture,
# generated with metafor at threshold 1e-12, is matched to ~1e-9.
TOL = 1e-12
Bool = np.ndarray
NDArrayInt = np.ndarray


@dataclass(frozen=True)
class Tau2Fit:
    tau2: Float
    converged: Bool
    iterations: int
    fallback_rows: int  # rows solved by the bracketed scipy fallback


def _wmean(w: Float, y: Float) -> Float:
    return (w * y).sum(axis=1) / w.sum(axis=1)


def dersimonian_laird(yi: Float, vi: Float, w0: Float) -> Float:
    sw = w0.sum(axis=1)
    mu = (w0 * yi).sum(axis=1) / sw
    q = (w0 * (yi - mu[:, None]) ** 2).sum(axis=1)
    k = (w0 > 0).sum(axis=1)
    c = sw - (w0 * w0).sum(axis=1) / sw
    # k = 1 gives c = 0 and Q = 0: tau² is 0 by definition there, not 0/0.
    safe_c = np.where(c > 0, c, 1.0)
    return np.where(c > 0, np.maximum(0.0, (q - (k - 1)) / safe_c), 0.0)


def _weights(vi: Float, w0: Float, tau2: Float) -> Float:
    # Studies outside the row keep weight 0 whatever tau² is.
    return np.where(w0 > 0, 1.0 / (vi + tau2[:, None]), 0.0)


def _generalised_q(yi: Float, vi: Float, w0: Float, tau2: Float) -> Float:
    w = _weights(vi, w0, tau2)
    mu = _wmean(w, yi)
    return (w * (yi - mu[:, None]) ** 2).sum(axis=1)


def _reml_score(yi: Float, vi: Float, w0: Float, tau2: Float) -> Float:
    """Twice the REML score: y'PPy - tr(P), with P = W - ww'/sum(w) (intercept-only model)."""
    w = _weights(vi, w0, tau2)
    sw = w.sum(axis=1)
    mu = (w * yi).sum(axis=1) / sw
    py = w * (yi - mu[:, None])
    return (py * py).sum(axis=1) - (sw - (w * w).sum(axis=1) / sw)


def _newton(
    tau2: Float, step: Callable[[Float], Float], k: NDArrayInt
) -> tuple[Float, Bool, int]:
    active = k > 1
    converged = ~active
    it = 0
    for it in range(1, MAX_ITER + 1):
        delta = step(tau2)
        new = np.maximum(0.0, tau2 + delta)
        done = np.abs(new - tau2) <= TOL * (1.0 + tau2)
        tau2 = np.where(active, new, tau2)
        converged |= active & done
        if converged.all():
            break
    return tau2, converged, it



def _fallback(
    tau2: Float, converged: Bool, f: Callable[[Float, Float, Float, Float], Float],
    yi: Float, vi: Float, w0: Float,
) -> tuple[Float, int]:
    """Bracketed root (scipy brentq) for rows Newton/Fisher scoring did not settle.

    f is decreasing at the root we want; if f(0) <= 0 the estimate is on the boundary (0).
    """
    rows = np.flatnonzero(~converged)
    for r in rows:
        y, v, w = yi[r : r + 1], vi[r : r + 1], w0[r : r + 1]

        def g(t: float) -> float:
            return float(f(y, v, w, np.array([t]))[0])

        if g(0.0) <= 0:
            tau2[r] = 0.0
        else:
            hi = max(1.0, float(np.var(y[w > 0])) * 10)
            while g(hi) > 0:
                hi *= 10
            tau2[r] = brentq(g, 0.0, hi, xtol=1e-14, rtol=1e-14, maxiter=500)
    return tau2, len(rows)


def paule_mandel(yi: Float, vi: Float, w0: Float) -> Tau2Fit:
    """Newton on Q(tau²) - (k-1): started at 0 it rises monotonically to the root.

    Q(tau²) is decreasing and convex, so from below each Newton step stays below the root
    (DerSimonian & Kacker 2007). dQ/dtau² = -sum w²(y-mu)² (the mu term vanishes because
    sum w(y-mu) = 0). Rows with Q(0) <= k-1 stay at 0, the boundary.
    """
    k = (w0 > 0).sum(axis=1)

    def step(t: Float) -> Float:
        w = _weights(vi, w0, t)
        mu = _wmean(w, yi)
        r2 = (yi - mu[:, None]) ** 2
        f = (w * r2).sum(axis=1) - (k - 1)
        slope = (w * w * r2).sum(axis=1)
        # slope is 0 only when all yi are equal; then Q = 0 <= k-1 and we stay at 0.
        return np.where(slope > 0, f / np.where(slope > 0, slope, 1.0), 0.0)

    tau2, converged, it = _newton(np.zeros(len(k)), step, k)
    tau2, n_fb = _fallback(
        tau2, converged, lambda y, v, w, t: _generalised_q(y, v, w, t) - ((w > 0).sum(1) - 1),
        yi, vi, w0,
    )
    return Tau2Fit(tau2=tau2, converged=np.ones(len(k), dtype=bool), iterations=it, fallback_rows=n_fb)


def reml(yi: Float, vi: Float, w0: Float) -> Tau2Fit:
    """Fisher scoring, as metafor does, started at the DL estimate; truncated at 0.

    Update: tau² += (y'PPy - tr P) / tr(PP), all three in closed form for an intercept-only
    model, so one step is a handful of row sums (no k x k matrices).
    """
    k = (w0 > 0).sum(axis=1)

    def step(t: Float) -> Float:
        w = _weights(vi, w0, t)
        sw = w.sum(axis=1)
        mu = (w * yi).sum(axis=1) / sw
        py = w * (yi - mu[:, None])
        s2 = (w * w).sum(axis=1)
        score = (py * py).sum(axis=1) - (sw - s2 / sw)
        info = s2 - 2 * (w * w * w).sum(axis=1) / sw + (s2 / sw) ** 2
        return np.where(info > 0, score / np.where(info > 0, info, 1.0), 0.0)

    tau2, converged, it = _newton(dersimonian_laird(yi, vi, w0), step, k)
    tau2, n_fb = _fallback(tau2, converged, _reml_score, yi, vi, w0)
    return Tau2Fit(tau2=tau2, converged=np.ones(len(k), dtype=bool), iterations=it, fallback_rows=n_fb)
