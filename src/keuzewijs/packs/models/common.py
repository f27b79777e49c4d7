"""Building blocks every pack file uses: strict models, bilingual texts, citations."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from ..conditions import Condition

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
    """A sentence of the decision aid (a pro, a con, a fact) with its sources.

    `when`/`unless` (the rule language of recommendations) say for whom it holds: it is shown
    unless `when` is false or `unless` is true, so an unanswered question never hides a text
    (a neck-fracture text for a trochanteric fracture, a natural-course figure counted from
    onset once that time has passed)."""

    text: Text
    when: Condition | None = None
    unless: Condition | None = None


class Fact(Statement):
    id: str = Field(pattern=ID_PATTERN)
