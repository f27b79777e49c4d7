"""Cards from engine output. Wording comes from the pack (via the Advice) and `cds.yaml`."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any, Protocol

from keuzewijs.engine.contract import Advice
from keuzewijs.profile_link import profile_token

from .config import CdsFile
from .hooks import Card, Coding, Link, Source
from .settings import CdsSettings

SUMMARY_MAX = 140


def clip(text: str, limit: int = SUMMARY_MAX) -> str:
    """The spec's 140-character summary: cut at a word, marked with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + "…"


class Ref(Protocol):
    """A citation: the engine's CitedSource or a pack's SourceRef."""

    @property
    def id(self) -> str: ...
    @property
    def locator(self) -> str: ...


class CardMaker:
    def __init__(self, cds: CdsFile, settings: CdsSettings, lang: str):
        self.cds, self.settings, self.lang = cds, settings, lang

    def t(self, key: str, **values: str) -> str:
        return self.cds.text(key, self.lang, **values)

    def url(self, template: str, condition: str, profile: dict[str, Any] | None = None) -> str:
        return template.format(
            base=self.settings.public_base_url.rstrip("/"),
            lang=self.lang,
            condition=condition,
            profile=profile_token(profile or {}),
        )

    def source(self, advice: Advice) -> Source:
        return Source(
            label=self.t("source.label", condition=advice.condition_name),
            url=self.url(self.settings.knowledge_page_url, advice.condition),
        )

    def cited(self, advice: Advice, refs: Iterable[Ref]) -> str:
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
            indicator=indicator,  # type: ignore[arg-type]
            source=self.source(advice),
            **extra,
        )

    def urgent_cards(self, advice: Advice) -> list[Card]:
        return [
            self.card(
                advice,
                indicator="critical",
                summary=u.message,
                detail="\n\n".join(
                    part
                    for part in (
                        u.message,
                        f"**{self.t('urgent.action')}:** {u.action}",
                        f"**{self.t('urgent.why')}:** {u.why}",
                        self.cited(advice, u.sources),
                    )
                    if part
                ),
                extension={
                    "keuzewijs-rule": u.id,
                    "keuzewijs-knowledge-version": advice.knowledge_version,
                },
            )
            for u in advice.urgent
        ]

    def decision_aid_card(self, advice: Advice) -> Card:
        detail = self.t("decision_aid.detail", condition=advice.condition_name)
        if advice.needs:
            asks = "\n".join(f"- {n.question}" for n in advice.needs)
            detail += f"\n\n**{self.t('decision_aid.needs')}**\n{asks}"
        return self.card(
            advice,
            indicator="info",
            summary=self.t("decision_aid.summary", condition=advice.condition_name),
            detail=detail,
            links=[
                Link(
                    label=self.t("decision_aid.link"),
                    url=self.url(self.settings.decision_aid_url, advice.condition, advice.profile),
                    type="absolute",
                )
            ],
            extension={"keuzewijs-knowledge-version": advice.knowledge_version},
        )
