"""The Advice JSON contract: what every consumer (CLI, web, CDS Hooks, FHIR) receives.

Changing a field name here is a breaking change of the public API: raise CONTRACT_VERSION.

2.0 (issue 9): `Advice.contract_version`; a recommendation has `status` (applies | provisional),
`unless` (its exceptions as text) and `unless_open` (the open exceptions that would withdraw it);
`about` may be the pack's decision id (advice about the choice as a whole); the trace has
implications, each rule's status and what suppressed it.

2.1 (issue 10, additions only): an outcome says who graded its certainty (`certainty_by`:
source | pack_authors) and why (`certainty_reasons`, the GRADE reasons for each step down); a
baseline says whether it was `observed` or is an `assumption`, and for which `subgroup`.

2.2 (issue 17, additions only): `Advice.phase` (choice | after_treatment: after the treatment
the choice is made, so `options` is empty and advice about the options is left out, in every
presenter alike); `Advice.facts` (the pack's facts that apply to this patient in this phase);
`Advice.comparisons` (GRADE summary-of-findings rows: one outcome, two options, one population
and time frame, absolute risks per 1000 for both arms and the verdict); an outcome carries the
row's `verdict` (fewer | more | little_or_no_difference | no_interval) and its plain
`verdict_text`, which presenters show instead of any 'fewer'/'more' of their own; single-option
numbers are an option's `figures`, not its `outcomes`; an option says whether it is
`advised_against` and, when provisional, which questions `decided_by` it.

2.3 (issue 18, additions only): an urgent item and a to-check item carry the flag's `urgency`
(call_112 | call_now | call_today | next_weekday); a to-check item has a `kind` (red_flag, or
contradiction: two answers that cannot both be true); under a fired red flag the elective
recommendations move to `later`, and `comparison_later` says that the option comparison is for
after the urgent step (every presenter folds it).
"""

from __future__ import annotations

from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field

from keuzewijs.evidence import Verdict  # the verdicts evidence/absolute.py gives, one definition

CONTRACT_VERSION = "2.3"


class Out(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    @classmethod
    def make(cls, **values: Any) -> Self:
        """Build one, validated: pydantic's own construction (pydantic-core), which checks every
        value. Already built parts (a list of `CitedSource`, say) are taken as they are, not
        validated again (`revalidate_instances` is 'never'). The validator is called directly,
        as `model_validate` does, without the Python layers of `cls(**values)` around it. The
        alternatives and their cost per advise() are in benchmarks/README.md."""
        made: Self = cls.__pydantic_validator__.validate_python(values)
        return made


class CitedSource(Out):
    id: str
    locator: str


class CitedText(Out):
    text: str
    sources: list[CitedSource]


class Urgent(Out):
    id: str
    about: str
    message: str
    action: str
    why: str
    sources: list[CitedSource]
    urgency: str | None = None  # the flag's level: call_112 | call_now | call_today | next_weekday


class ToCheck(Out):
    """A red flag the profile cannot rule out yet, or two answers that contradict each other:
    ask about it now."""

    id: str
    message: str
    action: str
    needs: list[str]
    kind: Literal["red_flag", "contradiction"] = "red_flag"
    urgency: str | None = None  # a red flag's level (see Urgent)


class OpenException(Out):
    """An unanswered exception of a provisional recommendation: the answer 'yes' withdraws it."""

    field: str
    question: str


class Recommendation(Out):
    id: str
    about: str  # an option or action id, or the pack's decision id (the choice as a whole)
    direction: Literal["for", "against", "consider"]
    strength: Literal["strong", "conditional"]
    # The defaults only serve advice stored before contract 2.0 (it showed applying rules only);
    # the engine always fills these fields.
    status: Literal["applies", "provisional"] = Field(
        "applies",
        description="applies: every exception known to be absent; provisional: an exception "
        "is unanswered (see unless_open)",
    )
    text: str
    why: str
    applies_because: str
    unless: str | None = Field(
        None, description="the exceptions as text, 'tenzij ...' / 'unless ...'; null: none"
    )
    unless_open: list[OpenException] = Field(
        default_factory=list,
        description="the unanswered exceptions that would withdraw it; empty when it applies",
    )
    sources: list[CitedSource]


class RelativeEffect(Out):
    measure: Literal["RR", "OR", "HR"]
    estimate: float
    ci: tuple[float, float]
    versus: str
    i2: float | None = None
    p_value: str | None = None


class BaselineInfo(Out):
    risk_per_1000: int
    derivation: str
    sources: list[CitedSource]
    basis: Literal["observed", "assumption"] | None = None  # never shown as observed unless so
    subgroup: str | None = None  # the patients this baseline describes


class OutcomeEffect(Out):
    id: str
    name: str
    kind: Literal["harm", "benefit"]
    risk_per_1000: int | None
    ci_per_1000: tuple[int, int] | None
    relative_effect: RelativeEffect | None
    certainty: str | None  # GRADE level: high | moderate | low | very_low
    certainty_note: str | None = None
    certainty_by: Literal["source", "pack_authors"] | None = None  # who graded it
    certainty_reasons: list[str] | None = None  # GRADE reasons for each step down
    timeframe: str
    role: Literal["intervention", "comparator", "observed"]
    method: str
    baseline: BaselineInfo | None = None
    evidence_id: str
    studies: int | None = None
    randomised_studies: int | None = None
    patients: int | None = None
    design: str | None = None
    note: str | None = None
    sources: list[CitedSource]
    # 2.2: the comparison row this arm belongs to (None for a single-option figure)
    versus: str | None = Field(None, description="the option id of the row's other arm")
    population: str | None = None
    verdict: Verdict | None = Field(
        None,
        description="this option against `versus`: fewer/more only when the interval of the "
        "difference excludes no effect",
    )
    verdict_text: str | None = None


class ComparisonRow(Out):
    """One GRADE summary-of-findings row: one outcome, two options, one population and one time
    frame; absolute risks per 1000 for both arms (null with a relative effect only) and the
    verdict every presenter shows."""

    outcome: str
    name: str
    kind: Literal["harm", "benefit"]
    intervention: str
    comparator: str
    population: str | None
    timeframe: str
    intervention_per_1000: int | None
    intervention_ci_per_1000: tuple[int, int] | None
    comparator_per_1000: int | None
    comparator_ci_per_1000: tuple[int, int] | None
    difference_per_1000: int | None
    difference_ci_per_1000: tuple[int, int] | None
    relative_effect: RelativeEffect | None
    baseline: BaselineInfo | None
    verdict: Verdict
    verdict_text: str
    certainty: str | None
    certainty_reasons: list[str] | None = None
    method: str
    evidence_ids: list[str]
    sources: list[CitedSource]


class FactText(Out):
    id: str
    text: str
    sources: list[CitedSource]


class OptionAdvice(Out):
    id: str
    kind: Literal["option", "action"]
    name: str
    what_happens: CitedText
    pros: list[CitedText]
    cons: list[CitedText]
    recovery: CitedText | None
    living_with: CitedText | None
    applicable: bool | None
    outcomes: list[OutcomeEffect]
    figures: list[OutcomeEffect] = Field(
        default_factory=list,
        description="numbers for this option alone (no comparison): part of its description",
    )
    advised_against: bool = False
    decided_by: list[OpenException] = Field(
        default_factory=list, description="while provisional: the questions that decide it"
    )


class Need(Out):
    field: str
    question: str
    affects: list[str]


class TraceEntry(Out):
    """One evaluation. `fired` is the rule's three-valued verdict `when and not unless` (what the
    FHIRPath and audit translations compute); `status` says whether a recommendation is shown as
    applying or provisional; `implied` is what an implication added to the profile."""

    rule: str
    kind: Literal["implication", "red_flag", "recommendation", "option", "estimate"]
    fired: bool | None
    condition: str
    used: dict[str, Any]
    missing: list[str]
    suppressed_by: str | None = None
    status: Literal["applies", "provisional"] | None = None
    implied: dict[str, Any] | None = None


class SourceInfo(Out):
    id: str
    citation: str
    url: str | None
    kind: str
    verification: str


class Advice(Out):
    contract_version: str = Field(
        "1.0",
        description=f"'{CONTRACT_VERSION}' from this engine; absent in advice stored before 2.0",
    )
    condition: str
    condition_name: str
    knowledge_version: str
    lang: Literal["nl", "en"]
    disclaimer: str
    urgent: list[Urgent]
    to_check: list[ToCheck]
    recommendations: list[Recommendation]
    options: list[OptionAdvice]
    actions: list[OptionAdvice]
    later: list[Recommendation] = Field(
        default_factory=list,
        description="with a fired red flag: the elective advice, for after the urgent step",
    )
    comparison_later: bool = Field(
        False,
        description="a red flag fired: the option comparison is for after the urgent step",
    )
    needs: list[Need]
    trace: list[TraceEntry]
    sources: list[SourceInfo]
    profile: dict[str, Any]
    phase: Literal["choice", "after_treatment"] = "choice"
    facts: list[FactText] = Field(default_factory=list)
    comparisons: list[ComparisonRow] = Field(default_factory=list)
