"""The Advice JSON contract: what every consumer (CLI, web, CDS Hooks, FHIR) receives.

Changing a field name here is a breaking change of the public API.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict


class Out(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    @classmethod
    def make(cls, **values: Any) -> Any:
        """Build without re-validation. The engine fills these from knowledge the loader already
        validated; validating ~190 output objects per advice cost a fifth of advise()'s time.
        tests/integration/test_properties.py re-validates every vignette's advice (JSON round
        trip through this schema) so a wrong type still fails a test, not a client."""
        return cls.model_construct(**values)


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


class ToCheck(Out):
    """A red flag the profile cannot rule out yet: ask about it now."""

    id: str
    message: str
    action: str
    needs: list[str]


class Recommendation(Out):
    id: str
    about: str
    direction: Literal["for", "against", "consider"]
    strength: Literal["strong", "conditional"]
    text: str
    why: str
    applies_because: str
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


class OutcomeEffect(Out):
    id: str
    name: str
    kind: Literal["harm", "benefit"]
    risk_per_1000: int | None
    ci_per_1000: tuple[int, int] | None
    relative_effect: RelativeEffect | None
    certainty: str | None
    certainty_note: str | None = None
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


class Need(Out):
    field: str
    question: str
    affects: list[str]


class TraceEntry(Out):
    rule: str
    kind: Literal["red_flag", "recommendation", "option", "estimate"]
    fired: bool | None
    condition: str
    used: dict[str, Any]
    missing: list[str]
    suppressed_by: str | None = None


class SourceInfo(Out):
    id: str
    citation: str
    url: str | None
    kind: str
    verification: str


class Advice(Out):
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
    needs: list[Need]
    trace: list[TraceEntry]
    sources: list[SourceInfo]
    profile: dict[str, Any]
