"""Stored decisions keep the patient's other answers: the SURE test and the 'afwegen' statements.

Revision ID: 0004_decision_answers
Revises: 0003_shared_state
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_decision_answers"
down_revision = "0003_shared_state"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("decisions") as batch:
        batch.add_column(sa.Column("answers", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("decisions") as batch:
        batch.drop_column("answers")
