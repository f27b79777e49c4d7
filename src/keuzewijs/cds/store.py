"""Where feedback goes, and the cards issued recently (to know which override reasons a card
offered).

`MemoryFeedbackStore` keeps feedback in memory (tests, or a deployment without a database);
the SQL store lives in `keuzewijs.cds.feedback`.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class IssuedCard:
    service_id: str
    rule: str | None
    order: str | None
    offered_reasons: tuple[str, ...]


@dataclass
class FeedbackRow:
    service_id: str
    card_uuid: str
    outcome: str
    override_reason_system: str | None
    override_reason_code: str | None
    user_comment: str | None
    accepted_suggestions: list[str]
    offered_reasons: list[str] | None
    rule: str | None
    order_ref: str | None
    outcome_timestamp: str
    extra: dict[str, Any] = field(default_factory=dict)


class FeedbackStore(Protocol):
    def save(self, rows: list[FeedbackRow]) -> None: ...


class MemoryFeedbackStore:
    def __init__(self) -> None:
        self.rows: list[FeedbackRow] = []

    def save(self, rows: list[FeedbackRow]) -> None:
        self.rows.extend(rows)


class IssuedCards:
    """A bounded memory of issued cards: uuid -> what it offered."""

    def __init__(self, capacity: int = 50_000) -> None:
        self.capacity = capacity
        self._cards: OrderedDict[str, IssuedCard] = OrderedDict()

    def add(self, card_uuid: str, card: IssuedCard) -> None:
        self._cards[card_uuid] = card
        while len(self._cards) > self.capacity:
            self._cards.popitem(last=False)

    def get(self, card_uuid: str) -> IssuedCard | None:
        return self._cards.get(card_uuid)
