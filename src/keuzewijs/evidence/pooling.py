"""Meta-analysis of one set of 2x2 studies: the public entry point `meta_analysis`.

All arithmetic happens in the batch modules (a single analysis is a batch of one), so a
single analysis, leave-one-out and subgroups share one validated implementation.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np

from keuzewijs.errors import EvidenceError

from . import batch
from .batch import BatchResult
from .effect_sizes import MEASURES, EffectSizes, Measure, effect_sizes
from .mantel_haenszel import pool_mh
from .results import Heterogeneity, MetaResult, Study, StudyResult

Method = Literal["FE", "MH", "DL", "REML", "PM"]
METHODS: tuple[Method, ...] = ("FE", "MH", "DL", "REML", "PM")
_Z = 1.959963984540054

_DESCRIPTIONS = {
    "FE": "fixed effect, inverse variance",
    "MH": "fixed effect, Mantel-Haenszel",
    "DL": "random effects, DerSimonian-Laird tau²",
    "REML": "random effects, REML tau²",
    "PM": "random effects, Paule-Mandel tau²",
}


def describe(method: str, hksj: bool) -> str:
    text = _DESCRIPTIONS[method]
    if hksj:
        text += "; Hartung-Knapp-Sidik-Jonkman CI (t, k-1 df)"
    else:
        text += "; Wald CI (normal)"
    if method not in ("FE", "MH"):
        text += "; 95% prediction interval t(k-2)"
    return text


def check_options(measure: str, method: str, hksj: bool) -> None:
    if measure not in MEASURES:
        raise EvidenceError(f"measure must be one of {', '.join(MEASURES)} (got {measure!r})")
    if method not in METHODS:
        raise EvidenceError(f"method must be one of {', '.join(METHODS)} (got {method!r})")
    if hksj and method == "MH":
        raise EvidenceError(
            "the Hartung-Knapp adjustment applies to inverse-variance methods, not MH"
        )


def counts(studies: Sequence[Study]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    arr = np.array(
        [
            (s.treatment_events, s.treatment_total, s.control_events, s.control_total)
            for s in studies
        ],
        dtype=np.float64,
    ).reshape(-1, 4)
    return arr[:, 0], arr[:, 1], arr[:, 2], arr[:, 3]


def run_batch(
    studies: Sequence[Study], measure: Measure, method: Method, hksj: bool, include: np.ndarray
) -> tuple[BatchResult, EffectSizes]:
    """Pool each row of the (K, k) `include` mask over the same studies."""
    a, n1, c, n2 = counts(studies)
    es = effect_sizes(measure, a, n1, c, n2)
    if method == "MH":
        rows = include.shape[0]
        tile = [np.broadcast_to(x, (rows, len(x))) for x in (a, n1, c, n2)]
        return pool_mh(measure, *tile, include=include), es
    inc = include & es.usable[None, :]
    return batch.pool(es.yi[None, :], es.vi[None, :], method, hksj=hksj, include=inc), es


def _f(x: np.floating | float) -> float:
    return float(x)


def row_result(
    res: BatchResult,
    r: int,
    studies: Sequence[Study],
    es: EffectSizes,
    measure: Measure,
    include: np.ndarray | None = None,
) -> MetaResult:
    """Row `r` of a batch as a MetaResult (studies outside the row get weight 0)."""
    inc = np.ones(len(studies), dtype=bool) if include is None else include
    rows = []
    for i, s in enumerate(studies):
        half = _Z * float(np.sqrt(es.vi[i]))
        reason = None
        if not inc[i]:
            reason = "left out of this analysis"
        elif not es.usable[i] and res.method != "MH":
            reason = "double-zero study: no information about a ratio"
        usable = es.usable[i]
        rows.append(
            StudyResult(
                study=s,
                estimate=float(es.yi[i]) if usable else float("nan"),
                ci=(float(es.yi[i]) - half, float(es.yi[i]) + half)
                if usable
                else (float("nan"),) * 2,
                weight=float(res.weights[r, i]) if inc[i] else 0.0,
                corrected=bool(es.corrected[i]),
                excluded=reason,
            )
        )
    notes = []
    if es.corrected[inc].any():
        notes.append(
            "0.5 added to every cell of studies with a zero cell (per-study effects"
            + ("" if res.method == "MH" else " and pooling")
            + ")"
        )
    if (~es.usable[inc]).any():
        notes.append(
            "double-zero studies left out of the per-study effects and Q"
            + (
                "; the MH estimate uses them as they are"
                if res.method == "MH"
                else " and the pooled estimate"
            )
        )
    if res.fallback_rows:
        notes.append("tau² found by the bracketed root finder after Fisher scoring/Newton stalled")
    k = int(res.k[r])
    pi = (_f(res.pi_lower[r]), _f(res.pi_upper[r]))
    return MetaResult(
        measure=measure,
        method=res.method,
        hksj=res.hksj,
        description=describe(res.method, res.hksj),
        k=k,
        estimate=_f(res.estimate[r]),
        se=_f(res.se[r]),
        ci=(_f(res.ci_lower[r]), _f(res.ci_upper[r])),
        statistic=_f(res.statistic[r]),
        p_value=_f(res.p_value[r]),
        heterogeneity=Heterogeneity(
            q=_f(res.q[r]),
            df=int(res.q_df[r]),
            p_value=_f(res.q_p[r]),
            tau2=_f(res.tau2[r]),
            i2=_f(res.i2[r]),
            h2=_f(res.h2[r]),
        ),
        prediction_interval=None if np.isnan(pi[0]) else pi,
        studies=tuple(rows),
        notes=tuple(notes),
    )


def meta_analysis(
    studies: Sequence[Study],
    measure: Measure = "RR",
    method: Method = "REML",
    *,
    hksj: bool = False,
) -> MetaResult:
    """Pool 2x2 studies. Methods: FE (inverse variance), MH, DL, REML, PM; `hksj` for HKSJ."""
    check_options(measure, method, hksj)
    if not studies:
        raise EvidenceError("a meta-analysis needs at least one study")
    include = np.ones((1, len(studies)), dtype=bool)
    res, es = run_batch(studies, measure, method, hksj, include)
    if res.k[0] == 0:
        raise EvidenceError("no study carries information about this measure (all double-zero)")
    return row_result(res, 0, studies, es, measure)
