"""Stored decisions table.

Revision ID: 0001_decisions
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_decisions"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "decisions",
        sa.Column("code_hash", sa.String(64), primary_key=True),
        sa.Column("condition", sa.String(100), nullable=False),
        sa.Column("knowledge_version", sa.String(200), nullable=False),
        sa.Column("lang", sa.String(5), nullable=False),
        sa.Column("profile", sa.JSON(), nullable=False),
        sa.Column("advice", sa.JSON(), nullable=False),
        sa.Column("weights", sa.JSON(), nullable=False),
        sa.Column("chosen_option", sa.String(100), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_decisions_condition", "decisions", ["condition"])


def downgrade() -> None:
    op.drop_index("ix_decisions_condition", table_name="decisions")
    op.drop_table("decisions")
