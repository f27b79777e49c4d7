"""evidence.yaml: effect estimates (relative with baseline, proportions), study data."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import Field, model_validator

from ..conditions import Condition
from .common import ID_PATTERN, Cited, Strict, Text


class Certainty(StrEnum):
    high = "high"
    moderate = "moderate"
    low = "low"
    very_low = "very_low"


class Baseline(Cited):
    """The control-group risk a relative effect is applied to (GRADE summary-of-findings).

    `basis` says how the number was obtained: `observed` (an event rate seen in the control
    arms or in a cohort of the same subgroup) or `assumption` (computed from other published
    figures, e.g. RD / (1 - RR); the derivation must then say which figures and why)."""

    risk: float = Field(gt=0, lt=1)
    basis: Literal["observed", "assumption"] = Field(
        "assumption",
        description="observed control-group rate, or a documented assumption (the default: "
        "a baseline is never taken as observed unless an author says so and cites it)",
    )
    subgroup: Text | None = Field(
        None, description="the patients this baseline describes, when not the whole review"
    )
    derivation: Text = Field(description="how the number was obtained or computed")
    why_outside: Text | None = Field(
        None,
        description="why an overall baseline lies outside the range of its subgroup baselines "
        "(`keuzewijs validate` asks for it)",
    )


class CertaintyBy(StrEnum):
    source = "source"  # graded by the publication or guideline the estimate comes from
    pack_authors = "pack_authors"  # GRADE assessment by the authors of this pack


class Grading(Strict):
    """How sure we are of an estimate (GRADE): the level, who graded it and why.

    `reasons` are the GRADE domains that lowered (or raised) the level, each in plain words;
    a level below high graded by the pack's authors needs at least one reason."""

    level: Certainty
    by: CertaintyBy
    reasons: list[Text] = Field(default_factory=list)

    @model_validator(mode="after")
    def _reasons_for_downgrade(self) -> Grading:
        if (
            self.by == CertaintyBy.pack_authors
            and self.level != Certainty.high
            and not self.reasons
        ):
            raise ValueError("a GRADE level below high by the pack's authors needs `reasons`")
        return self


class _EstimateBase(Cited):
    id: str = Field(pattern=ID_PATTERN)
    outcome: str
    applies_when: Condition | None = Field(
        None,
        description="patient subgroup this estimate is for; the first applicable estimate wins",
    )
    unless: Condition | None = Field(
        None,
        description="who the estimate does not hold for (e.g. a natural course counted from "
        "onset, once that time has passed); unknown passes the estimate over, as for "
        "`applies_when`",
    )
    population: Text | None = Field(
        None, description="the patients the figure was measured in, as a comparison row shows it"
    )
    timeframe_missing: Text | None = Field(
        None,
        description="why the time frame states no duration (the sources give no follow-up "
        "length); `keuzewijs validate` asks for it",
    )
    timeframe: Text | None = None
    certainty: Certainty | None = None
    certainty_note: Text | None = None
    grading: Grading | None = Field(
        None,
        description="GRADE level, who graded it (source or pack authors) and the reasons; "
        "sets `certainty` when that is absent",
    )
    design: Text | None = None
    studies: int | None = Field(None, ge=1)
    randomised_studies: int | None = Field(None, ge=0)
    patients: int | None = Field(None, ge=1)
    note: Text | None = None

    @model_validator(mode="after")
    def _certainty_from_grading(self) -> _EstimateBase:
        if self.grading is not None:
            if self.certainty is not None and self.certainty != self.grading.level:
                raise ValueError(
                    f"certainty {self.certainty} differs from grading.level {self.grading.level}"
                )
            object.__setattr__(self, "certainty", self.grading.level)
        return self


class StudyData(Cited):
    """Study-level 2x2 data beside the pack: the estimate is pooled from it at load time.

    The estimate's own `estimate`/`ci`/`i2` are then the *published* summary (kept for the
    comparison `keuzewijs validate` reports); the engine shows the computed values.
    """

    file: str = Field(
        pattern=r"^[A-Za-z0-9_./-]+\.csv$", description="CSV relative to the pack folder"
    )
    card: str = Field(
        pattern=r"^[A-Za-z0-9_./-]+\.ya?ml$", description="provenance card of the CSV"
    )
    method: Literal["FE", "MH", "DL", "REML", "PM"] = Field(
        description="the pooling method the publication used"
    )
    hksj: bool = False
    decimals: int = Field(
        2,
        ge=0,
        le=6,
        description="decimals of the published estimate and CI (the rounding allowed)",
    )
    accepted_gap: Text | None = Field(
        None,
        description="why computed and published numbers differ beyond rounding (e.g. a trial added "
        "since)",
    )


class StudyColumn(Strict):
    name: str
    meaning: Text


class StudyCard(Cited):
    """Provenance card of a study-level CSV: where the numbers come from and what each column
    means."""

    title: Text
    table: str = Field(
        min_length=1, description="table/figure of the source the rows were taken from"
    )
    columns: list[StudyColumn] = Field(min_length=5)
    notes: Text | None = None


class Pooled(Strict):
    """How keuzewijs computed an estimate from study-level data, and the published numbers it
    replaced (set by the loader, never by authors). The full result (tau², Q, prediction
    interval, weights) is `Pack.study_results[estimate id]`."""

    description: str
    k: int
    patients: int
    published_estimate: float
    published_ci: tuple[float, float]
    published_i2: float | None


class RelativeEstimate(_EstimateBase):
    kind: Literal["relative"]
    intervention: str
    comparator: str
    measure: Literal["RR", "OR", "HR"]
    estimate: float = Field(gt=0)
    ci: tuple[float, float]
    i2: float | None = Field(None, ge=0, le=100)
    p_value: str | None = None
    baseline: Baseline | None = Field(
        None, description="needed to show absolute risks (not for HR)"
    )
    study_data: StudyData | None = None
    pooled: Pooled | None = Field(
        None, description="filled in by the loader when study_data is present"
    )

    @model_validator(mode="after")
    def _ci_brackets(self) -> RelativeEstimate:
        lo, hi = self.ci
        if not (0 < lo <= self.estimate <= hi):
            raise ValueError(f"ci {self.ci} must bracket the estimate {self.estimate}")
        if self.measure == "HR" and self.baseline is not None:
            raise ValueError("a hazard ratio has no baseline risk here: give a proportion instead")
        if self.study_data is not None and self.measure == "HR":
            raise ValueError("study_data holds 2x2 counts: it gives RR or OR, not HR")
        return self

    @model_validator(mode="before")
    @classmethod
    def _pooled_is_computed(cls, data: object) -> object:
        # the loader sets `pooled` with model_copy (no validation); an author never writes it
        if isinstance(data, dict) and "pooled" in data:
            raise ValueError(
                "`pooled` is computed by the loader from `study_data`; do not write it by hand"
            )
        return data


class ProportionEstimate(_EstimateBase):
    """An observed risk in one arm or cohort (events/total), e.g. from a registry or trial arm."""

    kind: Literal["proportion"]
    option: str
    events: int | None = Field(None, ge=0)
    total: int | None = Field(None, ge=1)
    proportion: float | None = Field(None, ge=0, le=1)
    compared_with: str | None = Field(
        None,
        description="the id of the proportion estimate of the other arm of the same study and "
        "population: the two form one comparison row; without it the figure belongs to the "
        "option's description, not to the comparison table",
    )

    @model_validator(mode="after")
    def _counts_or_proportion(self) -> ProportionEstimate:
        has_counts = self.events is not None and self.total is not None
        if not has_counts and self.proportion is None:
            raise ValueError("give `events` and `total`, or `proportion`")
        if has_counts and self.events > self.total:  # type: ignore[operator]
            raise ValueError(f"events ({self.events}) cannot exceed total ({self.total})")
        return self


Estimate = RelativeEstimate | ProportionEstimate


class EvidenceFile(Strict):
    estimates: list[RelativeEstimate | ProportionEstimate] = Field(default_factory=list)
