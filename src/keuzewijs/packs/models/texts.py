"""grid.yaml (the Option Grid) and clinician.yaml (referral lines): optional pack texts."""

from __future__ import annotations

from pydantic import Field

from .common import ID_PATTERN, Cited, Statement, Strict, Text

GRID_MAX_QUESTIONS = 6
GRID_MAX_WORDS = 25


class GridAnswer(Cited):
    """One option's answer to a patient's question: at most 25 words per language, sourced."""

    option: str
    text: Text


class GridQuestion(Strict):
    """A question patients ask (Option Grid), answered for every option side by side."""

    id: str = Field(pattern=ID_PATTERN)
    question: Text
    answers: list[GridAnswer] = Field(min_length=2)


class GridFile(Strict):
    """Optional grid.yaml: at most 6 frequently asked questions, the first screen of the
    comparison (issue 19; the anchor is the Option Grid format)."""

    choice: Statement = Field(description="the choice in one sentence, first on the page")
    questions: list[GridQuestion] = Field(min_length=1, max_length=GRID_MAX_QUESTIONS)


# ---------------------------------------------------------------- clinician lines (clinician.yaml)
class Referral(Cited):
    """What the clinician does when `rule` fires: a referral line in the clinician's voice."""

    rule: str
    text: Text


class ClinicianFile(Strict):
    """Optional clinician.yaml: lines for the clinician view only (issue 19)."""

    referrals: list[Referral] = Field(default_factory=list)
