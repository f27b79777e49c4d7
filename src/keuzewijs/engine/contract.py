"""The Advice JSON contract: what every consumer (CLI, web, CDS Hooks, FHIR) receives.

Changing a field name here is a breaking change of the public API: raise CONTRACT_VERSION.

2.0 (issue 9): `Advice.contract_version`; a recommendation has `status` (applies | provisional),
`unless` (its exceptions as text) and `unless_open` (the open exceptions that would withdraw it);
`about` may be the pack's decision id (advice about the choice as a whole); the trace has
implications, each rule's status and what suppressed it.
"""

from __future__ import annotations

from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field

CONTRACT_VERSION = "2.0"

_FIELDS: dict[type, tuple[tuple[tuple[str, Any], ...], tuple[tuple[str, Any], ...]]] = {}


class Out(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    @classmethod
    def make(cls, **values: Any) -> Self:
        """Build without re-validation: the engine fills these from knowledge the loader already
        validated. Measured per advise() on varied profiles (2026-12-02): hip fracture 0.38 ms with
        this, 0.53 ms validating, 0.67 ms with pydantic's `model_construct` (pure Python, slower
        than validation in pydantic-core); Achilles 0.105 / 0.142 / 0.155 ms. It does what
        `model_construct` does for these plain models: an omitted field takes its default or
        calls its default factory (a test compares with validated construction), no aliases, no
        private attributes, fields in declaration order (the JSON keeps that order).
        tests/integration/test_properties.py re-validates advice (a JSON round trip through this
        schema) and compares it with the original."""
        obj = cls.__new__(cls)
        fields = _FIELDS.get(cls)
        if fields is None:  # (name, default) in declaration order, as the JSON keeps it
            fields = _FIELDS[cls] = (
                tuple((n, f.default) for n, f in cls.model_fields.items()),
                tuple(
                    (n, f.default_factory) for n, f in cls.model_fields.items() if f.default_factory
                ),
            )
        plain, factories = fields
        data = {n: values.get(n, default) for n, default in plain}
        for name, factory in factories:
            if name not in values:
                data[name] = factory()
        object.__setattr__(obj, "__dict__", data)
        object.__setattr__(obj, "__pydantic_fields_set__", set(values))
        object.__setattr__(obj, "__pydantic_extra__", None)
        object.__setattr__(obj, "__pydantic_private__", None)
        return obj


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
    needs: list[Need]
    trace: list[TraceEntry]
    sources: list[SourceInfo]
    profile: dict[str, Any]
