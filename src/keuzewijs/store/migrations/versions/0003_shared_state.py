"""Shared state of many workers: JWT replay cache, look-up counters (keuzewijs.store.shared)
and the cards the CDS service issued (keuzewijs.cds.store.SqlIssuedCards).

Revision ID: 0003_shared_state
Revises: 0002_cds_feedback
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_shared_state"
down_revision = "0002_cds_feedback"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "jti_seen",
        sa.Column("iss", sa.String(300), primary_key=True),
        sa.Column("jti", sa.String(200), primary_key=True),
        sa.Column("expires_at", sa.Float(), nullable=False),
    )
    op.create_index("ix_jti_seen_expires_at", "jti_seen", ["expires_at"])
    op.create_table(
        "rate_windows",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("minute", sa.BigInteger(), primary_key=True),
        sa.Column("hits", sa.Integer(), nullable=False),
    )
    op.create_table(
        "cds_issued_cards",
        sa.Column("card_uuid", sa.String(36), primary_key=True),
        sa.Column("service_id", sa.String(100), nullable=False),
        sa.Column("rule", sa.String(200), nullable=True),
        sa.Column("order_ref", sa.String(200), nullable=True),
        sa.Column("offered_reasons", sa.Text(), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_cds_issued_cards_issued_at", "cds_issued_cards", ["issued_at"])


def downgrade() -> None:
    op.drop_index("ix_cds_issued_cards_issued_at", table_name="cds_issued_cards")
    op.drop_table("cds_issued_cards")
    op.drop_table("rate_windows")
    op.drop_index("ix_jti_seen_expires_at", table_name="jti_seen")
    op.drop_table("jti_seen")
