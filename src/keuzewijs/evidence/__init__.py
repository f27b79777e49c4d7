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
"""
