"""Stored decisions: the advice snapshot compressed (advice_z), an index on created_at for the
retention purge.

The snapshot is what the decision page renders again, exactly as the patient saw it (the
knowledge may have changed since), so it is kept whole, as zlib-compressed JSON: about 5x
smaller (figures in docs/web.md). Rows saved before keep their JSON `advice` until purged.

Revision ID: 0005_bounded_decisions
Revises: 0004_decision_answers
Create Date: 2026-12-06
"""

from __future__ import annotations

import json
import zlib

import sqlalchemy as sa
from alembic import op

revision = "0005_bounded_decisions"
down_revision = "0004_decision_answers"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("decisions") as batch:
        batch.add_column(sa.Column("advice_z", sa.LargeBinary(), nullable=True))
        batch.alter_column("advice", existing_type=sa.JSON(), nullable=True)
    op.create_index("ix_decisions_created_at", "decisions", ["created_at"])
    table = sa.table(
        "decisions",
        sa.column("code_hash", sa.String),
        sa.column("advice", sa.JSON),
        sa.column("advice_z", sa.LargeBinary),
    )
    conn = op.get_bind()
    rows = conn.execute(sa.select(table.c.code_hash, table.c.advice)).all()
    for code_hash, advice in rows:
        if advice is None:
            continue
        packed = zlib.compress(json.dumps(advice, separators=(",", ":")).encode())
        conn.execute(
            table.update()
            .where(table.c.code_hash == code_hash)
            .values(advice_z=packed, advice=sa.null())
        )


def downgrade() -> None:
    op.drop_index("ix_decisions_created_at", table_name="decisions")
    with op.batch_alter_table("decisions") as batch:
        batch.drop_column("advice_z")
