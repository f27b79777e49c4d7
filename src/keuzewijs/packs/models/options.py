"""options.yaml and outcomes.yaml: treatment options, actions and outcomes."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ..conditions import Condition
from .common import ID_PATTERN, Statement, Strict, Text


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
