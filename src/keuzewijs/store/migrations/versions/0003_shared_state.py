"""Shared state of many workers: JWT replay cache and look-up counters (keuzewijs.store.shared).

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


def downgrade() -> None:
    op.drop_table("rate_windows")
    op.drop_index("ix_jti_seen_expires_at", table_name="jti_seen")
    op.drop_table("jti_seen")
