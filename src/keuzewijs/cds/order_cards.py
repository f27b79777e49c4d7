"""Cards about a draft order: against it (with a suggestion to delete it), provisional (against
it unless an open exception holds), for information, or undetermined (the questions to answer)."""

from __future__ import annotations

import uuid
from typing import Any

from keuzewijs.engine.contract import Advice

from .cards import EXT, SUMMARY_MAX, CardMaker
from .mapping import Note
from .shapes import Action, Card, Suggestion


class OrderCards(CardMaker):
    def against_card(
        self, advice: Advice, rec: Any, ref: str | None, label: str, notes: list[Note]
    ) -> Card:
        detail = self.rule_detail(advice, rec)
        extra: dict[str, Any] = {}
        if ref:  # deleting needs a reference (CDS Hooks 2.0 Action.resourceId, a string)
            suggestion = Suggestion(
                label=self.t("order.against.suggestion", order=label),
                uuid=str(uuid.uuid4()),
                isRecommended=True,
                actions=[
                    Action(
                        type="delete",
                        description=self.t("order.against.suggestion", order=label),
                        resourceId=ref,
                    )
                ],
            )
            extra = {"suggestions": [suggestion], "selectionBehavior": "at-most-one"}
        return self.card(
            advice,
            indicator="warning",
            summary=rec.text,
            detail=detail,
            overrideReasons=self.override_reasons(),
            extension=self.extension(advice, notes, order=ref, rule=rec.id),
            **extra,
        )

    def provisional_card(
        self,
        advice: Advice,
        rec: Any,
        ref: str | None,
        assumed: str | None,
        notes: list[Note],
    ) -> Card:
        """A recommendation against the order that applies unless an unanswered exception holds:
        the advice, the exception, the questions to check, and the rating that assumption gives.
        No rating is sent on the order (systemActions), as the PAMA guide asks when undecided."""
        checks = "\n".join(f"- {o.question}" for o in rec.unless_open)
        detail = "\n\n".join(
            p
            for p in (
                self.rule_detail(advice, rec),
                f"**{self.t('order.provisional.check')}**\n{checks}" if checks else "",
                self.t("order.provisional.rating", rating=assumed or "-"),
                self.not_used(advice, notes),
            )
            if p
        )
        summary = self.provisional_summary(rec)
        ext = self.extension(advice, notes, order=ref, rule=rec.id)
        ext[f"{EXT}.status"] = "provisional"
        if assumed:
            ext[f"{EXT}.assumed-rating"] = assumed
        return self.card(
            advice,
            indicator="warning",
            summary=summary,
            detail=detail,
            overrideReasons=self.override_reasons(),
            extension=ext,
        )

    def provisional_summary(self, rec: Any) -> str:
        """'Not now, unless ...' in the spec's 140 characters as a whole sentence: the exception
        in full when it fits, else a pointer to the questions in the detail (never cut mid-way)."""
        text = rec.text.rstrip(".")
        if rec.unless:
            full = f"{text} — {rec.unless}."
            if len(full) <= SUMMARY_MAX:
                return full
            return self.t("order.provisional.summary", text=text)
        return rec.text

    def inform_card(self, advice: Advice, rec: Any, ref: str | None, notes: list[Note]) -> Card:
        return self.card(
            advice,
            indicator="info",
            summary=rec.text,
            detail=self.rule_detail(advice, rec),
            extension=self.extension(advice, notes, order=ref, rule=rec.id),
        )

    def rule_detail(self, advice: Advice, rec: Any) -> str:
        return "\n\n".join(
            p
            for p in (
                rec.text,
                f"**{self.t('order.why')}:** {rec.why}",
                f"**{self.t('order.applies_because')}:** {rec.applies_because}",
                f"**{rec.unless[:1].upper()}{rec.unless[1:]}.**" if rec.unless else "",
                self.cited(advice, rec.sources),
            )
            if p
        )

    def undetermined_card(
        self,
        advice: Advice,
        rules: list[str],
        ref: str | None,
        label: str,
        notes: list[Note],
    ) -> Card:
        questions = [n.question for n in advice.needs if set(n.affects) & set(rules)]
        detail = self.t("order.undetermined.detail") + "\n" + "\n".join(f"- {q}" for q in questions)
        return self.card(
            advice,
            indicator="info",
            summary=self.t("order.undetermined.summary", order=label),
            detail=detail,
            links=[
                {
                    "label": self.t("decision_aid.link"),
                    "url": self.url(
                        self.settings.decision_aid_url, advice.condition, advice.profile
                    ),
                    "type": "absolute",
                }
            ],
            extension=self.extension(advice, notes, order=ref, rules=rules),
        )
