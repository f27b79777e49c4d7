"""rules.yaml: named definitions, implications, red flags and recommendations."""

from __future__ import annotations

from enum import StrEnum

from pydantic import ConfigDict, Field, model_validator

from ..conditions import Condition
from .common import ID_PATTERN, Cited, SourceRef, Strict, Text


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


class Urgency(StrEnum):
    """How soon to act on a red flag, most urgent first. The words each level must use (and the
    words of a slower level it must not use) are data: `urgency.<level>` in _common/ui.yaml."""

    call_112 = "call_112"
    call_now = "call_now"
    call_today = "call_today"
    next_weekday = "next_weekday"


class Severity(StrEnum):
    """What a missed red flag can cost: it sets the slowest urgency the flag may have."""

    life_threatening = "life_threatening"  # e.g. pulmonary embolism
    loss_of_function = "loss_of_function"  # permanent harm within hours, e.g. cauda equina
    complication = "complication"  # needs a doctor the same day, e.g. thrombosis, infection
    minor = "minor"  # needs a doctor, not today


URGENCY_ORDER: tuple[Urgency, ...] = tuple(Urgency)
SLOWEST_ALLOWED: dict[Severity, Urgency] = {
    Severity.life_threatening: Urgency.call_112,
    Severity.loss_of_function: Urgency.call_now,
    Severity.complication: Urgency.call_today,
    Severity.minor: Urgency.next_weekday,
}


class RedFlag(Rule):
    id: str = Field(pattern=ID_PATTERN)
    about: str = Field(description="the action or option it urges, from options.yaml")
    when: Condition
    unless: Condition | None = Field(
        None, description="exceptions that withdraw the red flag (rarely needed)"
    )
    message: Text
    action: Text
    severity: Severity = Field(description="what a missed flag can cost (issue 18)")
    urgency: Urgency = Field(
        description="how soon to act; at least as urgent as the severity demands, and the action "
        "text uses this level's words (ui.yaml `urgency.<level>`)"
    )

    @model_validator(mode="after")
    def _urgent_enough(self) -> RedFlag:
        slowest = SLOWEST_ALLOWED[self.severity]
        if URGENCY_ORDER.index(self.urgency) > URGENCY_ORDER.index(slowest):
            raise ValueError(
                f"urgency '{self.urgency}' is too slow for severity '{self.severity}' "
                f"(at most '{slowest}')"
            )
        return self


class Direction(StrEnum):
    for_ = "for"
    against = "against"
    consider = "consider"


class Strength(StrEnum):
    strong = "strong"
    conditional = "conditional"


class RecommendationRule(Rule):
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
    suspended_by: list[str] = Field(
        default_factory=list,
        description="red flags that make this advice unsafe: never shown while one of them is "
        "fired or still open (issue 18)",
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
    recommendations: list[RecommendationRule] = Field(default_factory=list)
    waiting_options: dict[str, list[str]] = Field(
        default_factory=dict,
        description="option id -> actions that option means waiting with (e.g. conservative: "
        "[surgery]); the option is hidden while a red flag urges one of them",
    )

    @property
    def rules(self) -> tuple[Rule, ...]:
        """Every red flag, then every recommendation: what code that treats both reads."""
        return (*self.red_flags, *self.recommendations)
