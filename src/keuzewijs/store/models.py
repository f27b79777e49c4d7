"""The stored-decision table. No name or other direct identifier is ever stored.

The key is the SHA-256 of the patient's code, not the code itself: a copy of the
database does not hand out working codes.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, Float, Integer, LargeBinary, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class DecisionRow(Base):
    __tablename__ = "decisions"

    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    condition: Mapped[str] = mapped_column(String(100), index=True)
    knowledge_version: Mapped[str] = mapped_column(String(200))
    lang: Mapped[str] = mapped_column(String(5))
    profile: Mapped[dict[str, Any]] = mapped_column(JSON)
    # The advice as shown, zlib-compressed JSON (advice_z); `advice` only in rows saved before
    # migration 0005 (JSON), read the same way.
    advice: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True), nullable=True)
    advice_z: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    weights: Mapped[dict[str, Any]] = mapped_column(JSON)
    chosen_option: Mapped[str | None] = mapped_column(String(100), nullable=True)
    # {"sure": {"item": true|false}, "statements": {"id": "yes"|"no"}}: only what the patient set
    answers: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class JtiSeen(Base):
    """CDS JWT ids already used, until their token expires (keuzewijs.store.shared)."""

    __tablename__ = "jti_seen"

    iss: Mapped[str] = mapped_column(String(300), primary_key=True)
    jti: Mapped[str] = mapped_column(String(200), primary_key=True)
    expires_at: Mapped[float] = mapped_column(Float, index=True)


class RateWindow(Base):
    """Hits per key (e.g. 'lookup:<client address>') and one-minute window."""

    __tablename__ = "rate_windows"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    minute: Mapped[int] = mapped_column(BigInteger, primary_key=True)  # epoch seconds // 60
    hits: Mapped[int] = mapped_column(Integer)


class CdsIssuedCard(Base):
    """Cards the CDS service issued: which override reasons each offered (keuzewijs.cds.store)."""

    __tablename__ = "cds_issued_cards"

    card_uuid: Mapped[str] = mapped_column(String(36), primary_key=True)
    service_id: Mapped[str] = mapped_column(String(100))
    rule: Mapped[str | None] = mapped_column(String(200), nullable=True)
    order_ref: Mapped[str | None] = mapped_column(String(200), nullable=True)
    offered_reasons: Mapped[str] = mapped_column(Text)  # tab-separated reason codes
    issued_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)
