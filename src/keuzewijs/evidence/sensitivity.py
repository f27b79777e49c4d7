"""Leave-one-out sensitivity analysis: the pooled result with each study omitted in turn.

The k analyses are one batch of k rows (row i masks study i), so this costs one pooling.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from keuzewijs.errors import EvidenceError

from .effect_sizes import Measure
from .pooling import Method, check_options, row_result, run_batch
from .results import MetaResult, Study


def leave_one_out(
    studies: Sequence[Study],
    measure: Measure = "RR",
    method: Method = "REML",
    *,
    hksj: bool = False,
) -> list[tuple[Study, MetaResult]]:
    """(omitted study, result without it) for each study; needs at least 2 studies."""
    check_options(measure, method, hksj)
    if len(studies) < 2:
        raise EvidenceError("leave-one-out needs at least 2 studies")
    include = ~np.eye(len(studies), dtype=bool)
    res, es = run_batch(studies, measure, method, hksj, include)
    return [
        (s, row_result(res, i, studies, es, measure, include[i])) for i, s in enumerate(studies)
    ]
