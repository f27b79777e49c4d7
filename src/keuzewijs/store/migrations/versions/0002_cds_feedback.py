"""CDS Hooks feedback table (keuzewijs.cds.feedback).

Revision ID: 0002_cds_feedback
Revises: 0001_decisions
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_cds_feedback"
down_revision = "0001_decisions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cds_feedback",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("service_id", sa.String(100), nullable=False),
        sa.Column("card_uuid", sa.String(36), nullable=False),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("override_reason_system", sa.String(300), nullable=True),
        sa.Column("override_reason_code", sa.String(100), nullable=True),
        sa.Column("user_comment", sa.Text(), nullable=True),
        sa.Column("accepted_suggestions", sa.JSON(), nullable=False),
        sa.Column("offered_reasons", sa.JSON(), nullable=True),
        sa.Column("rule", sa.String(100), nullable=True),
        sa.Column("order_ref", sa.String(200), nullable=True),
        sa.Column("outcome_timestamp", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_cds_feedback_card_uuid", "cds_feedback", ["card_uuid"])


def downgrade() -> None:
    op.drop_index("ix_cds_feedback_card_uuid", table_name="cds_feedback")
    op.drop_table("cds_feedback")
