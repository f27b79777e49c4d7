"""Evidence engine: pooling of 2x2 study data and absolute effects the GRADE way.

Modules, one concept each:
  effect_sizes     per-study log RR / log OR / RD and variances; zero-cell policy
  tau2             DerSimonian-Laird, Paule-Mandel and REML tau², vectorised
  batch            inverse-variance pooling (FE/DL/REML/PM, HKSJ) of many analyses at once
  mantel_haenszel  MH fixed-effect pooling
  pooling          `meta_analysis`: one analysis as a rich result object
  sensitivity      leave-one-out
  subgroups        subgroup analysis and the test for subgroup differences
  csvdata          reading study CSVs (`read_studies`, `pool_csv`)
  plot             accessible SVG forest plots
  absolute         absolute effects (risk per 1000, RD, NNT) from a relative effect
Validated against metafor: see docs/evidence-validation.md.

The public face: what the layers above use is exported here; `keuzewijs.evidence.plot` is a
public module imported on its own (it loads matplotlib, only needed when there are studies to
plot). The other modules are internal (import-linter contract in pyproject.toml).
"""

from .absolute import (
    Verdict,
    absolute_effect,
    newcombe_difference,
    observed_proportion,
    verdict_of_difference,
    verdict_of_ratio,
)
from .csvdata import REQUIRED, read_studies
from .effect_sizes import MEASURES
from .pooling import METHODS, meta_analysis
from .results import MetaResult, back_transform
from .subgroups import subgroup_analysis

__all__ = [
    "MEASURES",
    "METHODS",
    "REQUIRED",
    "MetaResult",
    "Verdict",
    "absolute_effect",
    "back_transform",
    "meta_analysis",
    "newcombe_difference",
    "observed_proportion",
    "read_studies",
    "subgroup_analysis",
    "verdict_of_difference",
    "verdict_of_ratio",
]
