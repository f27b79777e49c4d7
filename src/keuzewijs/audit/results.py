"""Indicator results: counts per group, the rate with its 95% Wilson interval, funnel limits."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


def wilson(
    numerator: int, denominator: int, level: float = 0.95
) -> tuple[float | None, float | None]:
    if denominator == 0:
        return None, None
    from scipy.stats import binomtest

    ci = binomtest(numerator, denominator).proportion_ci(confidence_level=level, method="wilson")
    return float(ci.low), float(ci.high)


def funnel_limits(p0: float, sizes: Any, level: float) -> tuple[Any, Any]:
    """Exact binomial control limits around the overall rate p0 (Spiegelhalter's funnel plot)."""
    import numpy as np
    from scipy.stats import binom

    n = np.asarray(sizes, dtype=float)
    tail = (1 - level) / 2
    return binom.ppf(tail, n, p0) / n, binom.ppf(1 - tail, n, p0) / n


@dataclass
class Row:
    indicator: str
    pack: str
    variant: str
    by: str  # overall, provider or period
    group: str
    eligible: int
    denominator: int
    numerator: int
    undetermined: int
    rate: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None

    def __post_init__(self) -> None:
        if self.denominator:
            self.rate = self.numerator / self.denominator
            self.ci_low, self.ci_high = wilson(self.numerator, self.denominator)


@dataclass
class ConceptSetCount:
    name: str
    persons: int
    events: int
    concepts: int | None  # concepts resolved in the CDM's vocabulary; None without vocabulary


@dataclass
class EligibilityWarning:
    """An indicator without one eligible patient, and the concept sets that decide eligibility."""

    indicator: str
    sets: list[tuple[str, str, int]]  # (role: index|after|required, concept set, persons matched)

    def text(self, t: dict[str, Any], lang: str) -> str:
        parts = "; ".join(
            f"{t[f'role.{role}'].get(lang)} '{name}' "
            + t["matches"].get(lang).format(n=f"{persons:,}")
            for role, name, persons in self.sets
        )
        return f"{t['no_eligible'].get(lang).format(indicator=self.indicator)}: {parts}"


@dataclass
class AuditResult:
    rows: list[Row] = field(default_factory=list)
    set_aside: list[dict[str, Any]] = field(default_factory=list)
    rows_read: dict[str, int] = field(default_factory=dict)
    concept_sets: list[ConceptSetCount] = field(default_factory=list)
    vocabulary: str = "none"  # none | no_ancestry | ancestry (texts: vocabulary.<value>)
    warnings: list[EligibilityWarning] = field(default_factory=list)
    backend: str = "duckdb"
    knowledge: dict[str, str] = field(default_factory=dict)

    def overall(self) -> list[Row]:
        return [r for r in self.rows if r.by == "overall"]

    def to_arrow(self):  # -> pa.Table
        import pyarrow as pa

        return pa.Table.from_pylist([r.__dict__ for r in self.rows])

    def write(self, stem: str) -> list[str]:
        import pyarrow.csv as pcsv
        import pyarrow.parquet as pq

        table = self.to_arrow()
        pq.write_table(table, f"{stem}.parquet")
        pcsv.write_csv(table, f"{stem}.csv")
        return [f"{stem}.csv", f"{stem}.parquet"]
