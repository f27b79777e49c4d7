"""Save, read and delete stored decisions by code. The code is shown once; only its hash is
stored.

Bounded: a daily quota for the whole service (`admit`, counted in the database so it holds
across workers and machines), and a retention period after which decisions are deleted (`purge`,
run by `keuzewijs decisions purge`, at start-up, and now and then on a save).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import random
import secrets
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import CursorResult, delete
from sqlalchemy.orm import Session, sessionmaker

from keuzewijs.errors import BadCode as BadCode
from keuzewijs.errors import DecisionNotFound as DecisionNotFound
from keuzewijs.errors import TooManyRequests

from .models import DecisionRow

CODE_BYTES = 20  # 160 bits: unguessable even at many look-ups per second for centuries
_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567"


def new_code() -> str:
    raw = base64.b32encode(secrets.token_bytes(CODE_BYTES)).decode().lower()
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def normalise_code(code: str) -> str:
    """Accept the code with or without dashes/spaces, any case; raise BadCode otherwise."""
    plain = "".join(ch for ch in code.lower() if ch not in "- ")
    if len(plain) != CODE_BYTES * 8 // 5 or any(ch not in _ALPHABET for ch in plain):
        raise BadCode(
            f"must be {CODE_BYTES * 8 // 5} letters a-z and digits 2-7 (dashes optional)",
            path="code",
        )
    return "-".join(plain[i : i + 4] for i in range(0, len(plain), 4))


def code_hash(code: str) -> str:
    return hashlib.sha256(normalise_code(code).encode()).hexdigest()


@dataclass(frozen=True)
class StoredDecision:
    code: str
    condition: str
    knowledge_version: str
    lang: str
    profile: dict[str, Any]
    advice: dict[str, Any]
    weights: dict[str, Any]
    chosen_option: str | None
    created_at: dt.datetime
    updated_at: dt.datetime
    answers: dict[str, Any] | None = None  # SURE test, 'afwegen' statements (web pages)


def _out(code: str, row: DecisionRow) -> StoredDecision:
    def aware(value: dt.datetime) -> dt.datetime:  # SQLite drops the zone; we always store UTC
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)

    return StoredDecision(
        code=normalise_code(code),
        condition=row.condition,
        knowledge_version=row.knowledge_version,
        lang=row.lang,
        profile=row.profile,
        advice=unpack_advice(row),
        weights=row.weights,
        chosen_option=row.chosen_option,
        created_at=aware(row.created_at),
        updated_at=aware(row.updated_at),
        answers=row.answers,
    )


def pack_advice(advice: dict[str, Any]) -> bytes:
    return zlib.compress(json.dumps(advice, separators=(",", ":")).encode(), 6)


def unpack_advice(row: DecisionRow) -> dict[str, Any]:
    if row.advice_z is not None:
        return json.loads(zlib.decompress(row.advice_z))  # type: ignore[no-any-return]
    return row.advice or {}


PURGE_EVERY = 200  # on average, one retention purge per this many saves


class DecisionStore:
    """`admit`: called before each save; None to go ahead, else seconds until the quota allows
    one (raises TooManyRequests). `retention_days`: how long a decision is kept."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        admit: Callable[[], int | None] | None = None,
        retention_days: int | None = None,
    ):
        self.sessions = sessions
        self.admit = admit
        self.retention_days = retention_days

    def save(
        self,
        *,
        condition: str,
        knowledge_version: str,
        lang: str,
        profile: dict[str, Any],
        advice: dict[str, Any],
        weights: dict[str, Any],
        chosen_option: str | None,
        answers: dict[str, Any] | None = None,
    ) -> StoredDecision:
        if self.admit is not None and (wait := self.admit()) is not None:
            raise TooManyRequests(
                "the service has stored as many decisions as it may today; try again later",
                retry_after=wait,
            )
        if self.retention_days is not None and random.random() < 1 / PURGE_EVERY:
            self.purge()
        code = new_code()
        now = dt.datetime.now(dt.UTC)
        row = DecisionRow(
            code_hash=code_hash(code),
            condition=condition,
            knowledge_version=knowledge_version,
            lang=lang,
            profile=profile,
            advice=None,
            advice_z=pack_advice(advice),
            weights=weights,
            chosen_option=chosen_option,
            answers=answers,
            created_at=now,
            updated_at=now,
        )
        with self.sessions.begin() as session:
            session.add(row)
        return _out(code, row)

    def get(self, code: str) -> StoredDecision:
        key = code_hash(code)
        with self.sessions() as session:
            row = session.get(DecisionRow, key)
            if row is None:
                raise DecisionNotFound("no stored decision has this code", path="code")
            return _out(code, row)

    def delete(self, code: str) -> None:
        """Erase the decision with this code (the patient's right to erasure); DecisionNotFound
        when there is none (also when it was deleted before)."""
        key = code_hash(code)
        with self.sessions.begin() as session:
            result = session.execute(delete(DecisionRow).where(DecisionRow.code_hash == key))
            gone = cast(CursorResult[Any], result).rowcount
        if not gone:
            raise DecisionNotFound("no stored decision has this code", path="code")

    def purge(self, now: dt.datetime | None = None) -> int:
        """Delete the decisions older than the retention period; how many were deleted."""
        if self.retention_days is None:
            return 0
        before = (now or dt.datetime.now(dt.UTC)) - dt.timedelta(days=self.retention_days)
        with self.sessions.begin() as session:
            result = session.execute(delete(DecisionRow).where(DecisionRow.created_at < before))
        return int(cast(CursorResult[Any], result).rowcount or 0)
