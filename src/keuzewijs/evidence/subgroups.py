"""Subgroup analysis: a separate pooled result per subgroup and the test for subgroup
differences (Cochrane Handbook 10.11.3.1).

The test pools the subgroup estimates with a fixed-effect inverse-variance model
(weights 1/SE², SE from each subgroup's own model, with its own tau²) and refers Cochran's
Q of that model to chi² with G-1 df: exactly metafor's `rma(yi=est, sei=se, method="FE")`
on the subgroup results, and RevMan's "test for subgroup differences".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from keuzewijs.errors import EvidenceError

from . import batch
from .effect_sizes import Measure
from .pooling import Method, check_options, row_result, run_batch
from .results import MetaResult, Study, json_safe


@dataclass(frozen=True)
class SubgroupAnalysis:
    by: str
    subgroups: dict[str, MetaResult]
    q_between: float
    df: int
    p_value: float

    def to_dict(self) -> dict[str, object]:
        return {
            "by": self.by,
            "subgroups": {g: r.to_dict() for g, r in self.subgroups.items()},
            "test_for_subgroup_differences": json_safe(
                {"q": self.q_between, "df": self.df, "p_value": self.p_value}
            ),
        }


def subgroup_analysis(
    studies: Sequence[Study],
    by: str,
    measure: Measure = "RR",
    method: Method = "REML",
    *,
    hksj: bool = False,
) -> SubgroupAnalysis:
    check_options(measure, method, hksj)
    labels = [s.groups.get(by) for s in studies]
    if any(lab is None for lab in labels):
        raise EvidenceError(f"every study needs a value for the grouping column {by!r}")
    names = sorted(set(labels), key=labels.index)  # first-seen order, as in the data
    include = np.array([[lab == g for lab in labels] for g in names])
    res, es = run_batch(studies, measure, method, hksj, include)
    results = {}
    for r, g in enumerate(names):
        full = row_result(res, r, studies, es, measure, include[r])
        # Keep only this subgroup's study rows (the others are weight-0 "left out" rows).
        own = tuple(sr for sr, on in zip(full.studies, include[r], strict=False) if on)
        results[str(g)] = replace(full, studies=own)
    ok = np.isfinite(res.estimate) & np.isfinite(res.se)
    if ok.sum() < 2:
        q, df, p = float("nan"), 0, float("nan")
    else:
        between = batch.pool(res.estimate[ok][None, :], (res.se[ok] ** 2)[None, :], "FE")
        q, df, p = float(between.q[0]), int(between.q_df[0]), float(between.q_p[0])
    return SubgroupAnalysis(by=by, subgroups=results, q_between=q, df=df, p_value=p)
