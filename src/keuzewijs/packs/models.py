"""Pydantic models of a knowledge pack: the schema every data file is validated against.

One pack = one folder `knowledge/<condition-id>/` with the files
  pack.yaml      what the condition is, the decision, facts, production date, update policy
  profile.yaml   the fields a patient profile may have (the pack's controlled vocabulary)
  options.yaml   treatment options and actions (ids used by rules and evidence)
  outcomes.yaml  outcomes that evidence gives numbers for
  evidence.yaml  effect estimates (relative, with baseline) and observed proportions
  rules.yaml     named definitions, red flags and recommendations (conditions as data)
  sources.yaml   bibliography; every fact cites `{id, locator}` into it
Every model forbids unknown keys, so a typo in a data file is an error, not a silent default.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .conditions import Condition, DurationUnit

ID_PATTERN = r"^[a-z0-9][a-z0-9_.\-]*$"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(Strict):
    """A text in both languages. Patient texts are Dutch at B1 level plus English."""

    nl: str = Field(min_length=1)
    en: str = Field(min_length=1)

    def get(self, lang: str) -> str:
        return self.nl if lang == "nl" else self.en


class SourceRef(Strict):
    """Where a fact comes from: a source id of sources.yaml and a page/section/table locator."""

    id: str
    locator: str = Field(min_length=1)


class Cited(Strict):
    sources: list[SourceRef] = Field(min_length=1)


class Statement(Cited):
    """A sentence of the decision aid (a pro, a con, a fact) with its sources."""

    text: Text


class Fact(Statement):
    id: str = Field(pattern=ID_PATTERN)


# ---------------------------------------------------------------- sources
class SourceKind(StrEnum):
    systematic_review = "systematic_review"
    narrative_review = "narrative_review"  # a review its authors call narrative (no pooling)
    guideline = "guideline"
    trial = "trial"
    cohort = "cohort"
    registry = "registry"
    recommendation_list = "recommendation_list"
    patient_information = "patient_information"


class Source(Strict):
    id: str = Field(pattern=ID_PATTERN)
    kind: SourceKind
    citation: str = Field(min_length=1)
    year: int | None = None
    url: str | None = None
    seed: str | None = Field(
        None, description="file name in shared/seeds when the source is a seed"
    )
    verification: Literal["verbatim", "secondary"] = Field(
        "verbatim",
        description="verbatim: the figures were seen in the primary source; "
        "secondary: only in a secondary source (shown to clinicians as such)",
    )
    note: str | None = None


class SourcesFile(Strict):
    sources: list[Source] = Field(min_length=1)


# ---------------------------------------------------------------- pack meta
class PackMeta(Strict):
    id: str = Field(pattern=ID_PATTERN)
    version: str = Field(pattern=r"^\d+\.\d+\.\d+$")
    produced: dt.date
    review_due: dt.date
    update_policy: Text
    funding: Text
    name: Text
    summary: Text = Field(description="one line for the start page")
    description: Statement = Field(description="what this condition is, in plain words")
    decision: Statement = Field(description="the decision the patient and clinician face")
    facts: list[Fact] = Field(default_factory=list)
    disclaimer: Text | None = None
    # 'About this aid' (IPDAS): who wrote it and any conflicts of interest; funding is above.
    authors: Text | None = None
    conflicts_of_interest: Text | None = None
    after_treatment: AfterTreatment | None = Field(
        None, description="the phase after the treatment: recovery and alarm signs, no choices"
    )
    values_statements: list[ValueStatement] = Field(
        default_factory=list, description="'afwegen' statements a patient can agree with"
    )


class AfterTreatment(Strict):
    """When `field` (a boolean profile field) is true, the decision is behind the patient: the
    page shows these facts (recovery) and the values of `alarm_field` (alarm signs), not options."""

    field: str
    facts: list[str] = Field(min_length=1, description="ids of pack facts about recovery")
    alarm_field: str | None = Field(None, description="a set field whose values are alarm signs")
    actions: list[str] = Field(
        default_factory=list, description="actions still shown after the treatment (empty: all)"
    )


class ValueStatement(Strict):
    """A thuisarts-style 'afwegen' statement ("Ik wil geen operatie als het niet hoeft") and the
    options it points towards; the patient says whether it fits them.

    `leans_to` is a list because a wish can point to a group: "Ik wil weer kunnen lopen" fits
    every operation alike, against not operating. That the ids are options of this pack, and
    that a statement leaves at least one option out (else it tells nothing), is checked with the
    pack's other cross-references (`packs.integrity`)."""

    id: str = Field(pattern=ID_PATTERN)
    text: Text
    leans_to: list[Annotated[str, Field(pattern=ID_PATTERN)]] = Field(
        min_length=1, description="option ids from options.yaml (kind: option)"
    )

    @model_validator(mode="after")
    def _no_repeats(self) -> ValueStatement:
        repeated = sorted({o for o in self.leans_to if self.leans_to.count(o) > 1})
        if repeated:
            raise ValueError(f"leans_to names {', '.join(repeated)} more than once")
        return self


# ---------------------------------------------------------------- profile
class FieldType(StrEnum):
    integer = "integer"
    number = "number"
    boolean = "boolean"
    enum = "enum"
    set = "set"  # several values of a controlled list, e.g. symptoms
    duration = "duration"  # a time span in `unit`, e.g. weeks since onset


class EnumValue(Strict):
    id: str = Field(pattern=ID_PATTERN)
    label: Text
    help: Text | None = None


class ProfileField(Strict):
    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    type: FieldType
    label: Text = Field(description="noun phrase used when a rule is rendered as text")
    label_false: Text | None = Field(
        None, description="phrase for `is_false` when 'no <label>' reads badly"
    )
    question: Text = Field(description="how the decision aid asks for it")
    help: Text | None = None
    unit: DurationUnit | Literal["years"] | None = None
    minimum: float | None = None
    maximum: float | None = None
    values: list[EnumValue] | None = None
    sources: list[SourceRef] = Field(default_factory=list)
    asked_of: Literal["patient", "clinician"] = Field(
        "patient", description="clinician: asked in the clinician part of the form or from the EHR"
    )
    show_if: ShowIf | None = Field(None, description="a follow-up question: asked only when ...")

    @model_validator(mode="after")
    def _type_needs(self) -> ProfileField:
        if self.type in (FieldType.enum, FieldType.set) and not self.values:
            raise ValueError(f"field '{self.name}' of type {self.type} needs `values`")
        if self.type not in (FieldType.enum, FieldType.set) and self.values:
            raise ValueError(f"field '{self.name}' of type {self.type} cannot have `values`")
        if self.type == FieldType.duration and self.unit is None:
            raise ValueError(f"duration field '{self.name}' needs a `unit`")
        return self

    def value_ids(self) -> list[str]:
        return [v.id for v in self.values or []]


class ShowIf(Strict):
    """Progressive disclosure: the field is asked only when `field` has one of `values`
    ('true'/'false' for a boolean, value ids for an enum or a set)."""

    field: str
    values: list[str] = Field(min_length=1)


class ProfileSchema(Strict):
    fields: list[ProfileField] = Field(min_length=1)


# ---------------------------------------------------------------- options and outcomes
class Option(Strict):
    id: str = Field(pattern=ID_PATTERN)
    kind: Literal["option", "action"] = Field(
        description="option: a treatment to choose between; action: something done or not (a scan, "
        "a call)"
    )
    name: Text
    what_happens: Statement
    pros: list[Statement] = Field(default_factory=list)
    cons: list[Statement] = Field(default_factory=list)
    recovery: Statement | None = None
    living_with: Statement | None = Field(
        None, description="what living with the consequences is like"
    )
    applies_when: Condition | None = Field(
        None, description="when this option is open to the patient at all"
    )


class OptionsFile(Strict):
    options: list[Option] = Field(min_length=1)


class Outcome(Strict):
    id: str = Field(pattern=ID_PATTERN)
    name: Text
    kind: Literal["harm", "benefit"] = Field(
        description="is a higher risk worse (harm) or better (benefit)"
    )
    description: Text | None = None
    timeframe: Text


class OutcomesFile(Strict):
    outcomes: list[Outcome] = Field(min_length=1)


# ---------------------------------------------------------------- evidence
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

    @model_validator(mode="after")
    def _counts_or_proportion(self) -> ProportionEstimate:
        has_counts = self.events is not None and self.total is not None
        if not has_counts and self.proportion is None:
            raise ValueError("give `events` and `total`, or `proportion`")
        # ignored below: has_counts: both are set
        if has_counts and self.events > self.total:  # type: ignore[operator]
            raise ValueError(f"events ({self.events}) cannot exceed total ({self.total})")
        return self


Estimate = RelativeEstimate | ProportionEstimate


class EvidenceFile(Strict):
    estimates: list[RelativeEstimate | ProportionEstimate] = Field(default_factory=list)


# ---------------------------------------------------------------- rules
class Definition(Strict):
    """A named condition, referred to by `{ref: name}` so it is written once."""

    label: Text
    when: Condition


class Rule(Cited):
    """What red flags and recommendations share (and what code that treats both may read)."""

    id: str
    about: str
    when: Condition | None
    unless: Condition | None


class RedFlag(Rule):
    id: str = Field(pattern=ID_PATTERN)
    about: str = Field(description="the action or option it urges, from options.yaml")
    when: Condition
    unless: Condition | None = Field(
        None, description="exceptions that withdraw the red flag (rarely needed)"
    )
    message: Text
    action: Text


class Direction(StrEnum):
    for_ = "for"
    against = "against"
    consider = "consider"


class Strength(StrEnum):
    strong = "strong"
    conditional = "conditional"


class Recommendation(Rule):
    """Advice with its exceptions, as guidelines write it: 'do not operate in the first 6 weeks,
    unless ...'. Shown as *applies* when `when` is true and `unless` false, as *provisional*
    (with the open exceptions as questions) when `when` is true and `unless` unknown; not shown
    when `when` is false or unknown, or `unless` is true."""

    id: str = Field(pattern=ID_PATTERN)
    about: str = Field(
        description="an option or action of options.yaml, or the pack's `decision.id` for advice "
        "about the choice as a whole"
    )
    direction: Direction
    strength: Strength = Strength.conditional
    priority: int = Field(50, ge=0, le=100, description="higher is shown first")
    when: Condition | None = Field(None, description="the situation; absent: always")
    unless: Condition | None = Field(
        None, description="the exceptions that withdraw it; unknown makes it provisional"
    )
    overrides: list[str] = Field(
        default_factory=list,
        description="less specific rules this one replaces when both are shown",
    )
    delays: list[str] = Field(
        default_factory=list,
        description="actions this advice leans to waiting with ('conservative first', 'take your "
        "time'): hidden while a red flag urges one of them, as 'against' advice is",
    )
    text: Text
    why: Text


class Decision(Strict):
    """The choice as a whole, for advice that is about no single option ('talk it through')."""

    id: str = Field(pattern=ID_PATTERN)
    label: Text


class Implied(Strict):
    field: str
    value: bool | int | float | str


class Implication(Strict):
    """What one answer implies for another, applied before evaluation to a field left unanswered
    (an answer given is never overwritten). Needs its ground: a source or the logical reason."""

    id: str = Field(pattern=ID_PATTERN)
    if_: Condition = Field(alias="if")
    then: Implied
    ground: Text = Field(description="why it follows: the logical ground, in words")
    sources: list[SourceRef] = Field(default_factory=list)

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class RulesFile(Strict):
    decision: Decision | None = None
    definitions: dict[str, Definition] = Field(default_factory=dict)
    implications: list[Implication] = Field(default_factory=list)
    red_flags: list[RedFlag] = Field(default_factory=list)
    recommendations: list[Recommendation] = Field(default_factory=list)
    waiting_options: dict[str, list[str]] = Field(
        default_factory=dict,
        description="option id -> actions that option means waiting with (e.g. conservative: "
        "[surgery]); the option is hidden while a red flag urges one of them",
    )

    @property
    def rules(self) -> tuple[Rule, ...]:
        """Every red flag, then every recommendation: what code that treats both reads."""
        return (*self.red_flags, *self.recommendations)


# ---------------------------------------------------------------- common texts and sites
class UiTexts(Strict):
    """Interface wording shared by all packs (headings, disclaimer): data, not code."""

    texts: dict[str, Text]


class Site(Strict):
    """Hospital-specific facts: site configuration, not clinical knowledge."""

    id: str = Field(pattern=ID_PATTERN)
    name: str
    country: str
    surgery_locations: list[str] = Field(default_factory=list)
    follow_up_locations: list[str] = Field(default_factory=list)
    departments: list[str] = Field(default_factory=list)
    contact: Text
    costs: Text | None = None
    ombudsman_url: str | None = None
    phones: list[Phone] = Field(
        default_factory=list, description="numbers an urgent page shows, in this order"
    )
    conditions: list[str] = Field(default_factory=list, description="packs this site offers")
    sources: list[SourceRef] = Field(default_factory=list)
    source_citation: str | None = None


class Phone(Strict):
    """A number to call (site configuration): 112, the GP out-of-hours service, the emergency
    department, the care team. `source` says where the number was taken from."""

    kind: Literal["emergency", "gp_out_of_hours", "emergency_department", "care_team"]
    label: Text
    number: str = Field(pattern=r"^[0-9 +()-]{3,20}$")
    when: Text | None = None
    source: str = Field(min_length=1)
