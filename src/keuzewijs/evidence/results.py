"""Result objects of a meta-analysis, and their JSON form.

Ratios (RR, OR) are pooled on the log scale; `estimate`/`ci` hold the log-scale numbers,
`effect`/`effect_ci` the back-transformed ones a reader expects to see.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from typing import Any

from .effect_sizes import Measure


def _num(x: float) -> float | None:
    """NaN (undefined) and +-inf become JSON null, not the non-standard NaN/Infinity tokens."""
    return None if x is None or not math.isfinite(x) else float(x)


def json_safe(obj: Any) -> Any:
    """The same JSON-like data with every NaN or infinite float as None (JSON null)."""
    if isinstance(obj, float):
        return _num(obj)
    if isinstance(obj, dict):
        return {k: json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [json_safe(v) for v in obj]
    return obj


def back_transform(measure: Measure, x: float) -> float:
    return math.exp(x) if measure in ("RR", "OR") and not math.isnan(x) else x


@dataclass(frozen=True)
class Study:
    """One study's 2x2 counts; `groups` holds the values of optional grouping columns."""

    name: str
    treatment_events: int
    treatment_total: int
    control_events: int
    control_total: int
    groups: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Heterogeneity:
    q: float
    df: int
    p_value: float
    tau2: float
    i2: float  # proportion 0..1 (metafor prints percent)
    h2: float

    @property
    def tau(self) -> float:
        return math.sqrt(self.tau2)


@dataclass(frozen=True)
class StudyResult:
    study: Study
    estimate: float  # log scale for ratios
    ci: tuple[float, float]
    weight: float  # percent of the total weight; 0 for an excluded study
    corrected: bool  # 0.5 added to every cell (a zero cell)
    excluded: str | None  # why the study is not in the pooled estimate


@dataclass(frozen=True)
class MetaResult:
    measure: Measure
    method: str  # FE, MH, DL, REML, PM
    hksj: bool
    description: str  # the method in words
    k: int
    estimate: float
    se: float
    ci: tuple[float, float]
    statistic: float
    p_value: float
    heterogeneity: Heterogeneity
    prediction_interval: tuple[float, float] | None
    studies: tuple[StudyResult, ...]
    notes: tuple[str, ...] = ()

    @property
    def effect(self) -> float:
        return back_transform(self.measure, self.estimate)

    @property
    def effect_ci(self) -> tuple[float, float]:
        return (back_transform(self.measure, self.ci[0]), back_transform(self.measure, self.ci[1]))

    @property
    def effect_pi(self) -> tuple[float, float] | None:
        pi = self.prediction_interval
        return (
            None
            if pi is None
            else (back_transform(self.measure, pi[0]), back_transform(self.measure, pi[1]))
        )

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["scale"] = "log" if self.measure in ("RR", "OR") else "identity"
        d["effect"], d["effect_ci"], d["effect_pi"] = self.effect, self.effect_ci, self.effect_pi
        d["heterogeneity"]["tau"] = self.heterogeneity.tau
        # ignored below: json_safe walks JSON-like data (Any) and returns the same shape
        return json_safe(d)  # type: ignore[no-any-return]

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)
