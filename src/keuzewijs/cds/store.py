"""Where feedback goes, and the cards issued recently (which override reasons a card offered).

`MemoryFeedbackStore` and `IssuedCards` keep them in process memory (tests, a bare router);
the web app uses the database for both (`keuzewijs.cds.feedback.SqlFeedbackStore`,
`SqlIssuedCards` here), so feedback sent to any worker or machine finds the card another one
issued.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import Engine, bindparam, text

from keuzewijs.store.db import bookkeeping


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

    blocking = False  # memory: no thread needed

    def __init__(self, capacity: int = 50_000) -> None:
        self.capacity = capacity
        self._cards: OrderedDict[str, IssuedCard] = OrderedDict()

    def add(self, card_uuid: str, card: IssuedCard) -> None:
        self._cards[card_uuid] = card
        while len(self._cards) > self.capacity:
            self._cards.popitem(last=False)

    def get(self, card_uuid: str) -> IssuedCard | None:
        return self._cards.get(card_uuid)

    def add_all(self, cards: list[tuple[str, IssuedCard]]) -> None:
        for card_uuid, card in cards:
            self.add(card_uuid, card)

    def get_many(self, card_uuids: list[str]) -> dict[str, IssuedCard]:
        return {u: c for u in card_uuids if (c := self._cards.get(u)) is not None}


class IssuedCardStore(Protocol):
    blocking: bool

    def add_all(self, cards: list[tuple[str, IssuedCard]]) -> None: ...

    def get_many(self, card_uuids: list[str]) -> dict[str, IssuedCard]: ...


KEEP_CARDS_DAYS = 30  # feedback on a card comes within the consultation; a month is ample
_ADD_CARD_SQL = (
    "INSERT INTO cds_issued_cards (card_uuid, service_id, rule, order_ref, offered_reasons, "
    "issued_at) VALUES (:uuid, :service, :rule, :order_ref, :reasons, :at) "
    "ON CONFLICT (card_uuid) DO NOTHING"
)
_SWEEP_CARDS_SQL = "DELETE FROM cds_issued_cards WHERE issued_at < :before"


class SqlIssuedCards:
    """Issued cards in the database (table cds_issued_cards), kept KEEP_CARDS_DAYS."""

    blocking = True  # callers run it in a thread

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def add_all(self, cards: list[tuple[str, IssuedCard]]) -> None:
        if not cards:
            return
        now = dt.datetime.now(dt.UTC)
        rows = [
            {
                "uuid": card_uuid,
                "service": card.service_id,
                "rule": card.rule,
                "order_ref": card.order,
                "reasons": "\t".join(card.offered_reasons),
                "at": now,
            }
            for card_uuid, card in cards
        ]
        sweep = random.random() < 1 / 500
        before = {"before": now - dt.timedelta(days=KEEP_CARDS_DAYS)}
        with bookkeeping(self.engine) as cursor:  # every hook call
            cursor.executemany(_ADD_CARD_SQL, rows)
            if sweep:
                cursor.execute(_SWEEP_CARDS_SQL, before)

    def get_many(self, card_uuids: list[str]) -> dict[str, IssuedCard]:
        if not card_uuids:
            return {}
        query = text(
            "SELECT card_uuid, service_id, rule, order_ref, offered_reasons "
            "FROM cds_issued_cards WHERE card_uuid IN :uuids"
        ).bindparams(bindparam("uuids", expanding=True))
        with self.engine.connect() as conn:
            found = conn.execute(query, {"uuids": card_uuids}).all()
        return {
            row.card_uuid: IssuedCard(
                row.service_id,
                row.rule,
                row.order_ref,
                tuple(row.offered_reasons.split("\t")) if row.offered_reasons else (),
            )
            for row in found
        }
