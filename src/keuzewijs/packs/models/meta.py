"""pack.yaml: what the condition is, the decision, facts, 'afwegen' statements."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import Field, model_validator

from .common import ID_PATTERN, Fact, Statement, Strict, Text


class PackMeta(Strict):
    id: str = Field(pattern=ID_PATTERN)
    version: str = Field(pattern=r"^[0-9]+\.[0-9]+\.[0-9]+$")
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
