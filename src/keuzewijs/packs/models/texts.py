"""grid.yaml (the Option Grid, optional) and clinician.yaml (the clinician's lines per rule and
referral lines)."""

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


class ClinicianText(Strict):
    """The rule's advice or alarm in the clinician's voice and clinical terms. It rewords the
    rule for the clinician and adds no fact: the rule's own sources back it."""

    rule: str
    text: Text


class ClinicianFile(Strict):
    """clinician.yaml: lines for the clinician view only (issue 19). Every rule of the pack has
    one text (`keuzewijs validate` reports a rule without one); referrals only where a source
    states one."""

    texts: list[ClinicianText] = Field(default_factory=list)
    referrals: list[Referral] = Field(default_factory=list)

    def text_for(self, rule: str) -> Text | None:
        """The clinician's text of `rule`, or None when the pack has none."""
        return next((c.text for c in self.texts if c.rule == rule), None)
