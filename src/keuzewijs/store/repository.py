"""Save and read stored decisions by code. The code is shown once; only its hash is stored."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from keuzewijs.errors import BadCode as BadCode
from keuzewijs.errors import DecisionNotFound as DecisionNotFound

from .models import DecisionRow
from .rows import from_row

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
    return from_row(StoredDecision, row, code=normalise_code(code))


class DecisionStore:
    def __init__(self, sessions: sessionmaker[Session]):
        self.sessions = sessions

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
        code = new_code()
        now = dt.datetime.now(dt.UTC)
        row = DecisionRow(
            code_hash=code_hash(code),
            condition=condition,
            knowledge_version=knowledge_version,
            lang=lang,
            profile=profile,
            advice=advice,
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
