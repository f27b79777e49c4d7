"""The stored-decision table. No name or other direct identifier is ever stored.

The key is the SHA-256 of the patient's code, not the code itself: a copy of the
database does not hand out working codes.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, DateTime, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Decision(Base):
    __tablename__ = "decisions"

    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    condition: Mapped[str] = mapped_column(String(100), index=True)
    knowledge_version: Mapped[str] = mapped_column(String(200))
    lang: Mapped[str] = mapped_column(String(5))
    profile: Mapped[dict[str, Any]] = mapped_column(JSON)
    advice: Mapped[dict[str, Any]] = mapped_column(JSON)
    weights: Mapped[dict[str, Any]] = mapped_column(JSON)
    chosen_option: Mapped[str | None] = mapped_column(String(100), nullable=True)
    # {"sure": {"item": true|false}, "statements": {"id": "yes"|"no"}}: only what the patient set
    answers: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
