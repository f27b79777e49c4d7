"""Benchmark: K random-effects meta-analyses of 10 studies each, DL and REML.

    .venv/bin/python benchmarks/meta_vs_metafor/run.py [--k 10000] [--seed 20240611] [--skip-r]

Same data for every tool: K x 10 two-by-two tables drawn with a fixed seed, turned into
log odds ratios (yi, vi) once. Timed (best of several runs for the fast tools):
  keuzewijs   evidence.batch.pool on the (K, 10) arrays, full output (estimate, SE, CI,
              p, tau², Q and its p-value, I², H², 95% prediction interval, weights)
  floor       a bare vectorised NumPy computation of the same estimator and outputs
  statsmodels combine_effects(method_re="dl") in a Python loop (DL only: it has no REML)
  metafor     rma() in a loop in one R process (DL; REML with default control, as users run
              it; REML with threshold 1e-10 for the numerical comparison)
Needs R + metafor (scripts/setup-test-deps.sh) and statsmodels (pip install -e '.[bench]').
"""

from __future__ import annotations

import argparse
import csv
import subprocess
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from scipy import special

from keuzewijs.evidence import batch
from keuzewijs.evidence.effect_sizes import effect_sizes

HERE = Path(__file__).resolve().parent
STUDIES = 10


def simulate(k: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """K x 10 trials: log-uniform arm sizes 20-2000, control risk 5-40%, true log OR
    drawn around an analysis-level mean with analysis-specific tau in [0, 0.8]."""
    rng = np.random.default_rng(seed)
    shape = (k, STUDIES)
    n1 = np.round(np.exp(rng.uniform(np.log(20), np.log(2000), shape)))
    n2 = np.round(n1 * rng.uniform(0.8, 1.25, shape))
    p2 = rng.uniform(0.05, 0.40, (k, 1)) * rng.uniform(0.7, 1.3, shape)
    theta = rng.normal(-0.3, 0.3, (k, 1)) + rng.normal(0, 1, shape) * rng.uniform(0, 0.8, (k, 1))
    odds1 = p2 / (1 - p2) * np.exp(theta)
    p1 = odds1 / (1 + odds1)
    a, c = rng.binomial(n1.astype(int), p1), rng.binomial(n2.astype(int), np.clip(p2, 0, 1))
    es = effect_sizes("OR", a, n1, c, n2)
    return es.yi, es.vi


# ------------------------------------------------------------------ the floor
Z = special.ndtri(0.975)


def floor_outputs(
    y: np.ndarray, v: np.ndarray, t2: np.ndarray, q: np.ndarray, c: np.ndarray
) -> tuple[Any, ...]:
    k = y.shape[1]
    w = 1 / (v + t2[:, None])
    sw = w.sum(1)
    mu = (w * y).sum(1) / sw
    se = np.sqrt(1 / sw)
    typical = (k - 1) / c
    pi = special.stdtrit(k - 2, 0.975) * np.sqrt(se**2 + t2)
    return (
        mu,
        se,
        mu - Z * se,
        mu + Z * se,
        2 * special.ndtr(-np.abs(mu / se)),
        t2,
        q,
        special.chdtrc(k - 1, q),
        t2 / (t2 + typical),
        1 + t2 / typical,
        mu - pi,
        mu + pi,
        w / sw[:, None],
    )


def floor_dl(y: np.ndarray, v: np.ndarray) -> tuple[Any, ...]:
    w = 1 / v
    sw = w.sum(1)
    mu = (w * y).sum(1) / sw
    q = (w * (y - mu[:, None]) ** 2).sum(1)
    c = sw - (w * w).sum(1) / sw
    t2 = np.maximum(0, (q - (y.shape[1] - 1)) / c)
    return floor_outputs(y, v, t2, q, c)


def floor_reml(y: np.ndarray, v: np.ndarray) -> tuple[Any, ...]:
    """Bare Fisher scoring from the DL estimate, recomputing only rows still moving, at most
    100 steps; no bracketing, so rows whose scoring oscillates are left where they stop."""
    w0 = 1 / v
    sw0 = w0.sum(1)
    mu0 = (w0 * y).sum(1) / sw0
    q = (w0 * (y - mu0[:, None]) ** 2).sum(1)
    c = sw0 - (w0 * w0).sum(1) / sw0
    t2 = np.maximum(0, (q - (y.shape[1] - 1)) / c)
    active = np.arange(len(y))
    for _ in range(100):
        if active.size == 0:
            break
        ya, va, t = y[active], v[active], t2[active]
        w = 1 / (va + t[:, None])
        sw = w.sum(1)
        py = w * (ya - ((w * ya).sum(1) / sw)[:, None])
        s2 = (w * w).sum(1)
        step = ((py * py).sum(1) - (sw - s2 / sw)) / (s2 - 2 * (w**3).sum(1) / sw + (s2 / sw) ** 2)
        new = np.maximum(0, t + step)
        t2[active] = new
        active = active[np.abs(new - t) > 1e-12 * (1 + t)]
    return floor_outputs(y, v, t2, q, c)


# ------------------------------------------------------------------ timing helpers
def best_of(fn: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    best, out = float("inf"), None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def statsmodels_loop(y: np.ndarray, v: np.ndarray) -> tuple[float, np.ndarray, int]:
    from statsmodels.stats.meta_analysis import combine_effects

    out = np.empty((len(y), 4))
    # combine_effects takes sqrt of a negative RE variance when its DL tau² < 0: silence that.
    warnings.filterwarnings("ignore", category=RuntimeWarning, module="statsmodels")
    t0 = time.perf_counter()
    for j in range(len(y)):
        r = combine_effects(y[j], v[j], method_re="dl")
        mu, se = r.mean_effect_re, r.sd_eff_w_re
        out[j] = (mu, se, r.tau2, special.chdtrc(STUDIES - 1, r.q))
    elapsed = time.perf_counter() - t0
    return elapsed, out, int((out[:, 2] < 0).sum())


def run_metafor(y: np.ndarray, v: np.ndarray, tmp: Path) -> dict[str, Any]:
    data = tmp / "data.csv"
    with data.open("w", newline="") as fh:
        wr = csv.writer(fh)
        wr.writerow(["analysis", "yi", "vi"])
        for j in range(len(y)):
            for i in range(STUDIES):
                wr.writerow([j + 1, repr(float(y[j, i])), repr(float(v[j, i]))])
    subprocess.run(
        ["Rscript", str(HERE / "metafor_loop.R"), str(data), str(tmp / "mf")], check=True
    )
    res: dict[str, Any] = {}
    for name in ("DL", "REML", "REMLtight"):
        res[name] = np.genfromtxt(tmp / f"mf_{name}.csv", delimiter=",", skip_header=1)
    with (tmp / "mf_times.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    res["times"] = {r["run"]: float(r["seconds"]) for r in rows}
    res["version"] = rows[0]["metafor"]
    return res


def max_diff(ours: batch.BatchResult, mf: np.ndarray) -> tuple[float, str, float, float]:
    """Over fits metafor completed: the largest relative difference in estimate, SE, CI, Q
    and its p-value (and where), and the largest absolute difference in tau² and I² (%).

    tau² and I² get absolute differences: metafor stops iterating at an absolute change in
    tau² (1e-5 by default), so near tau² = 0 its relative error is large by design.
    """
    ok = ~np.isnan(mf[:, 0])
    cols = {
        "estimate": (ours.estimate, 0),
        "se": (ours.se, 1),
        "ci_lb": (ours.ci_lower, 2),
        "ci_ub": (ours.ci_upper, 3),
        "QE": (ours.q, 7),
        "QEp": (ours.q_p, 8),
    }
    worst, where = 0.0, ""
    for name, (arr, i) in cols.items():
        ref = mf[ok, i]
        d = np.abs(arr[ok] - ref) / np.maximum(np.abs(ref), 1e-300)
        if d.max() > worst:
            worst, where = float(d.max()), name
    return (
        worst,
        where,
        float(np.abs(ours.tau2[ok] - mf[ok, 4]).max()),
        float(np.abs(100 * ours.i2[ok] - mf[ok, 5]).max()),
    )


def _explain_worst(y: np.ndarray, v: np.ndarray, ours: batch.BatchResult, mf: np.ndarray) -> None:
    """Where REML tau² differs most, say which side has the higher restricted likelihood."""
    from keuzewijs.evidence.tau2 import reml_loglik

    ok = ~np.isnan(mf[:, 0])
    d = np.where(ok, np.abs(ours.tau2 - np.nan_to_num(mf[:, 4])), 0.0)
    for j in np.argsort(-d)[:3]:
        if d[j] < 1e-6:
            break
        yc, vj = y[j : j + 1] - y[j : j + 1, :1], v[j : j + 1]
        ll_ours = reml_loglik(ours.tau2[j : j + 1], yc, vj, 1 / vj)[0]
        ll_mf = reml_loglik(mf[j : j + 1, 4], yc, vj, 1 / vj)[0]
        print(
            f"  analysis {j + 1}: tau² keuzewijs {ours.tau2[j]:.6g} vs metafor {mf[j, 4]:.6g}; "
            f"REML log-likelihood {ll_ours:.6f} vs {ll_mf:.6f} "
            f"({'keuzewijs' if ll_ours > ll_mf else 'metafor'} higher)"
        )


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--k", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=20240611)
    ap.add_argument("--repeats", type=int, default=20)
    ap.add_argument("--skip-r", action="store_true", help="leave out metafor (no R needed)")
    args = ap.parse_args()
    y, v = simulate(args.k, args.seed)
    print(f"{args.k} meta-analyses x {STUDIES} studies (log OR), seed {args.seed}\n")

    t_dl, ours_dl = best_of(lambda: batch.pool(y, v, "DL"), args.repeats)
    t_reml, ours_reml = best_of(lambda: batch.pool(y, v, "REML"), args.repeats)
    f_dl, _ = best_of(lambda: floor_dl(y, v), args.repeats)
    f_reml, _ = best_of(lambda: floor_reml(y, v), args.repeats)
    t_sm, _, sm_negative = statsmodels_loop(y, v)

    mf: dict[str, Any] | None = None
    if not args.skip_r:
        with tempfile.TemporaryDirectory() as tmp:
            mf = run_metafor(y, v, Path(tmp))

    def ms(t: float) -> str:
        return f"{t * 1e3:10.2f} ms"

    print(f"{'':28}{'wall time':>13}   per fit")
    rows = [
        ("keuzewijs DL (batch)", t_dl),
        ("NumPy floor DL", f_dl),
        ("statsmodels DL (loop)", t_sm),
        ("keuzewijs REML (batch)", t_reml),
        ("NumPy floor REML", f_reml),
    ]
    if mf:
        rows += [
            ("metafor DL (loop)", mf["times"]["DL"]),
            ("metafor REML (loop)", mf["times"]["REML"]),
            ("metafor REML tight (loop)", mf["times"]["REMLtight"]),
        ]
    for name, t in rows:
        print(f"{name:28}{ms(t)}   {t / args.k * 1e6:8.2f} µs")
    print("\nratios (higher = keuzewijs faster)")
    if mf:
        print(
            f"  DL   metafor / keuzewijs      {mf['times']['DL'] / t_dl:10.0f}x   (target >= 1000x)"
        )
    print(f"  DL   statsmodels / keuzewijs  {t_sm / t_dl:10.0f}x   (target >= 50x)")
    if mf:
        print(
            f"  REML metafor / keuzewijs      {mf['times']['REML'] / t_reml:10.0f}x   (target >= "
            f"200x)"
        )
    print(f"  DL   keuzewijs / NumPy floor  {t_dl / f_dl:10.2f}x   (target <= 2x)")
    print(f"  REML keuzewijs / NumPy floor  {t_reml / f_reml:10.2f}x   (target <= 2x)")

    print("\nconvergence")
    print(
        f"  keuzewijs REML: all {args.k} converged; {ours_reml.fallback_rows} needed the bracketed "
        "fallback (scipy.optimize.elementwise.find_root) after Fisher scoring"
    )
    if mf:
        for name in ("REML", "REMLtight"):
            failed = int(np.isnan(mf[name][:, 0]).sum())
            print(
                f"  metafor {name:9}: {failed} of {args.k} fits failed "
                f"({'default control' if name == 'REML' else 'threshold 1e-10, maxiter 1000'})"
            )
        print(f"  metafor DL      : {int(np.isnan(mf['DL'][:, 0]).sum())} failed")
    print(
        f"  statsmodels DL  : tau² < 0 in {sm_negative} of {args.k} fits (not floored at 0; "
        "speed comparison only)"
    )

    if mf:
        print(f"\ndifferences from metafor {mf['version']} (over fits metafor completed)")
        print(
            f"  {'':32} {'max rel. diff':>14} {'(in)':10} {'max |Δtau²|':>12} {'max |ΔI²| %':>12}"
        )
        for label, ours, ref in (
            ("DL", ours_dl, mf["DL"]),
            ("REML (metafor default control)", ours_reml, mf["REML"]),
            ("REML (metafor threshold 1e-10)", ours_reml, mf["REMLtight"]),
        ):
            d, where, dt, di = max_diff(ours, ref)
            print(f"  {label:32} {d:14.2e} {'(' + where + ')':10} {dt:12.2e} {di:12.2e}")
        _explain_worst(y, v, ours_reml, mf["REMLtight"])
        print(
            "  (prediction intervals differ on purpose: keuzewijs t(k-2), metafor z; "
            "see docs/evidence-validation.md)"
        )
        failed = np.isnan(mf["REML"][:, 0])
        if failed.any():
            print(
                f"  on the {int(failed.sum())} fits metafor's default REML failed, keuzewijs tau² "
                f"ranges "
                f"{ours_reml.tau2[failed].min():.3g}..{ours_reml.tau2[failed].max():.3g}; "
                f"compared with metafor threshold 1e-10 where that converged:"
            )
            tight_ok = failed & ~np.isnan(mf["REMLtight"][:, 0])
            if tight_ok.any():
                dd = np.abs(ours_reml.tau2[tight_ok] - mf["REMLtight"][tight_ok, 4])
                print(f"    {int(tight_ok.sum())} fits, max |tau² diff| {dd.max():.2e}")


if __name__ == "__main__":
    main()
