"""CDS Hooks feedback in the database: accept/override per card, with the override reasons the
card offered. The table is `cds_feedback` (Alembic revision 0002_cds_feedback of keuzewijs.store).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, DateTime, Engine, Integer, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column, sessionmaker

from keuzewijs.store.models import Base
from keuzewijs.store.rows import as_dict, to_row

from .store import FeedbackRow


class CdsFeedback(Base):
    __tablename__ = "cds_feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    service_id: Mapped[str] = mapped_column(String(100))
    card_uuid: Mapped[str] = mapped_column(String(36), index=True)
    outcome: Mapped[str] = mapped_column(String(20))
    override_reason_system: Mapped[str | None] = mapped_column(String(300), nullable=True)
    override_reason_code: Mapped[str | None] = mapped_column(String(100), nullable=True)
    user_comment: Mapped[str | None] = mapped_column(Text, nullable=True)
    accepted_suggestions: Mapped[list[str]] = mapped_column(JSON)
    offered_reasons: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)
    rule: Mapped[str | None] = mapped_column(String(100), nullable=True)
    order_ref: Mapped[str | None] = mapped_column(String(200), nullable=True)
    outcome_timestamp: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    received_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class SqlFeedbackStore:
    def __init__(self, engine: Engine):
        self.sessions = sessionmaker(engine, expire_on_commit=False)

    def save(self, rows: list[FeedbackRow]) -> None:
        now = dt.datetime.now(dt.UTC)
        with self.sessions.begin() as session:
            session.add_all(
                to_row(
                    CdsFeedback,
                    r,
                    outcome_timestamp=dt.datetime.fromisoformat(
                        r.outcome_timestamp.replace("Z", "+00:00")
                    ),
                    received_at=now,
                )
                for r in rows
            )

    def all(self) -> list[dict[str, Any]]:
        with self.sessions() as session:
            rows = session.scalars(select(CdsFeedback).order_by(CdsFeedback.id))
            return [as_dict(row) for row in rows]
