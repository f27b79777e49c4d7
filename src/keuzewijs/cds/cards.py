"""Cards from engine output. Wording comes from the pack (via the Advice) and `cds.yaml`."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any, Protocol

from keuzewijs.engine.contract import Advice, SourceInfo
from keuzewijs.packs import Library, Pack
from keuzewijs.profile_link import profile_token
from keuzewijs.rules.interval import Interval

from .config import CdsFile, DischargeRule
from .mapping import Note
from .settings import CdsSettings
from .shapes import Card, CardSource, Coding, Link

# CDS Hooks 2.0.1, Card.summary: "One-sentence, <140-character summary message".
SUMMARY_MAX = 139
# Extension keys in reverse-domain-name notation (CDS Hooks 2.0.1, Extensions).
EXT = "nl.keuzewijs"


def clip(text: str, limit: int = SUMMARY_MAX) -> str:
    """The spec's 140-character summary: cut at a word, marked with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + "…"


class Citation(Protocol):
    """A citation: the engine's CitedSource or a pack's SourceRef."""

    @property
    def id(self) -> str: ...
    @property
    def locator(self) -> str: ...


class CardMaker:
    def __init__(
        self, cds: CdsFile, settings: CdsSettings, lang: str, library: Library | None = None
    ):
        self.cds, self.settings, self.lang, self.library = cds, settings, lang, library

    def t(self, key: str, **values: str) -> str:
        return self.cds.text(key, self.lang, **values)

    def url(self, template: str, condition: str, profile: dict[str, Any] | None = None) -> str:
        return template.format(
            base=self.settings.public_base_url.rstrip("/"),
            lang=self.lang,
            condition=condition,
            # Only stated values travel in the link; a range ("<60") is asked again on the page.
            profile=profile_token(
                {k: v for k, v in (profile or {}).items() if not isinstance(v, Interval)}
            ),
        )

    def extension(
        self,
        advice: Advice,
        notes: list[Note] | None = None,
        *,
        order: str | None = None,
        rule: str | None = None,
        rules: list[str] | None = None,
    ) -> dict[str, Any]:
        """The card's extension: which rule and order it concerns, the knowledge version, and
        the mapping trace (statements in the record that were not used, and why)."""
        ext: dict[str, Any] = {}
        if order:
            ext[f"{EXT}.order"] = order
        if rule:
            ext[f"{EXT}.rule"] = rule
        if rules:
            ext[f"{EXT}.rules"] = rules
        ext[f"{EXT}.knowledge-version"] = advice.knowledge_version
        if notes:
            ext[f"{EXT}.mapping-trace"] = [n.dump() for n in notes]
        return ext

    def not_used(self, advice: Advice, notes: list[Note]) -> str:
        """Markdown list of record statements not used (the mapping trace, readable)."""
        if not notes:
            return ""
        pack = self.library.packs.get(advice.condition) if self.library else None
        lines = []
        for n in notes:
            spec = pack.fields.get(n.field) if pack else None
            name = spec.label.get(self.lang) if spec else n.field
            why = self.t(f"trace.{n.reason}")
            where = f" ({n.resource})" if n.resource else ""
            lines.append(f"- {name}: {why}{where}")
        return f"**{self.t('trace.title')}**\n" + "\n".join(lines)

    def source(self, advice: Advice) -> CardSource:
        return CardSource(
            label=self.t("source.label", condition=advice.condition_name),
            url=self.url(self.settings.knowledge_page_url, advice.condition),
        )

    def cited(self, advice: Advice, refs: Iterable[Citation]) -> str:
        """A markdown list of the sources a rule cites, with locator and link."""
        by_id = {s.id: s for s in advice.sources}
        lines: list[str] = []
        seen: set[tuple[str, str]] = set()
        for ref in refs:
            info = by_id.get(ref.id)
            if info is None or (ref.id, ref.locator) in seen:
                continue
            seen.add((ref.id, ref.locator))
            title = f"[{info.citation}]({info.url})" if info.url else info.citation
            lines.append(f"- {title} — {ref.locator}")
        return f"**{self.t('sources')}**\n" + "\n".join(lines) if lines else ""

    def override_reasons(self) -> list[Coding]:
        reasons = self.cds.override_reasons
        return [
            Coding(system=reasons.system, code=r.code, display=r.display.get(self.lang))
            for r in reasons.reasons
        ]

    def card(
        self, advice: Advice, *, indicator: str, summary: str, detail: str, **extra: Any
    ) -> Card:
        return Card(
            uuid=str(uuid.uuid4()),
            summary=clip(summary),
            detail=detail,
            # ignored below: indicator is one of the Card's Literal values, chosen above
            indicator=indicator,  # type: ignore[arg-type]
            source=self.source(advice),
            **extra,
        )

    def urgent_cards(self, advice: Advice, notes: list[Note] | None = None) -> list[Card]:
        """A critical card per fired red flag, for the clinician: what the record shows and what
        to do, in the clinician's words; the pack's patient texts are quoted as what to tell the
        patient. Nothing elective goes beside them (issue 18): the decision aid is left out of
        the response and each urgent card links to it for after the urgent step (the page opens
        on the urgent step, the choices folded under 'later'). The mapping trace, which the
        decision-aid card would carry, goes on the urgent cards."""
        links = (
            [
                Link(
                    label=self.t("urgent.later_link"),
                    url=self.url(self.settings.decision_aid_url, advice.condition, advice.profile),
                    type="absolute",
                )
            ]
            if advice.later or advice.comparison_later
            else []
        )
        return [
            self.card(
                advice,
                indicator="critical",
                summary=self.fitting(
                    self.t("urgent.summary", why=u.why, condition=advice.condition_name),
                    self.t("urgent.summary_short", condition=advice.condition_name),
                ),
                detail="\n\n".join(
                    part
                    for part in (
                        f"**{self.t('urgent.why')}:** {u.why}",
                        f"**{self.t('urgent.patient')}:** {u.message} {u.action}",
                        self.cited(advice, u.sources),
                        self.not_used(advice, notes or []),
                    )
                    if part
                ),
                extension=self.extension(advice, notes, rule=u.id),
                **({"links": links} if links else {}),
            )
            for u in advice.urgent
        ]

    @staticmethod
    def fitting(full: str, short: str) -> str:
        """The full summary when it fits the spec's 140 characters, else the short one: a
        summary is a whole sentence, never cut."""
        return full if len(" ".join(full.split())) <= SUMMARY_MAX else short

    def field_label(self, advice: Advice, field: str, fallback: str) -> str:
        """A profile field as the clinician reads it (its label), not the patient's question."""
        pack = self.library.packs.get(advice.condition) if self.library else None
        spec = pack.fields.get(field) if pack else None
        label = spec.label.get(self.lang) if spec is not None and spec.label else None
        return label[:1].upper() + label[1:] if label else fallback

    def condition_cards(self, advice: Advice, notes: list[Note], living: bool) -> list[Card]:
        """patient-view's cards for one condition: the urgent cards, or else (for a living
        patient) the decision-aid card. Never both: elective advice and the option comparison
        are not put beside an urgent card."""
        if advice.urgent:
            return self.urgent_cards(advice, notes)
        return [self.decision_aid_card(advice, notes)] if living else []

    def decision_aid_card(self, advice: Advice, notes: list[Note] | None = None) -> Card:
        # after the treatment (the engine's phase) the card offers no choice, as the page does
        key = "after_treatment" if advice.phase == "after_treatment" else "decision_aid"
        detail = self.t(f"{key}.detail", condition=advice.condition_name)
        if key == "after_treatment" and advice.facts:
            detail += "\n" + "\n".join(f"- {f.text}" for f in advice.facts)
        if advice.needs:
            asks = "\n".join(
                f"- {self.field_label(advice, n.field, n.question)}" for n in advice.needs
            )
            detail += f"\n\n**{self.t('decision_aid.needs')}**\n{asks}"
        if notes:
            detail += "\n\n" + self.not_used(advice, notes)
        return self.card(
            advice,
            indicator="info",
            summary=self.t(f"{key}.summary", condition=advice.condition_name),
            detail=detail,
            links=[
                Link(
                    label=self.t(f"{key}.link"),
                    url=self.url(self.settings.decision_aid_url, advice.condition, advice.profile),
                    type="absolute",
                )
            ],
            extension=self.extension(advice, notes),
        )

    def discharge_card(self, advice: Advice, pack: Pack, rule: DischargeRule) -> Card:
        """The alarm signs to watch for at home, with their sources and the printable page."""
        lang = self.lang
        signs = [f for f in pack.rules.red_flags if f.about == rule.alarm_signs_about]
        lines = "\n".join(f"- {f.message.get(lang)} {f.action.get(lang)}" for f in signs)
        refs = [s for f in signs for s in f.sources]
        detail = "\n\n".join(
            p
            for p in (
                self.t("discharge.intro"),
                lines,
                self.cited(with_sources(advice, pack), refs),
            )
            if p
        )
        return self.card(
            advice,
            indicator="info",
            summary=self.t("discharge.summary", condition=advice.condition_name),
            detail=detail,
            links=[
                {
                    "label": self.t("discharge.link"),
                    "url": self.url(self.settings.print_url, rule.condition, advice.profile),
                    "type": "absolute",
                }
            ],
            extension={f"{EXT}.knowledge-version": advice.knowledge_version},
        )


def with_sources(advice: Advice, pack: Pack) -> Advice:
    """The advice's source list extended with the pack's sources, for citing alarm signs that did
    not fire."""
    known = {s.id for s in advice.sources}
    extra = [
        SourceInfo(
            id=s.id, citation=s.citation, url=s.url, kind=s.kind.value, verification=s.verification
        )
        for s in pack.sources_file.sources
        if s.id not in known
    ]
    return advice.model_copy(update={"sources": [*advice.sources, *extra]})
