"""search_log and search_click: what people searched for and opened, pseudonymously, to rank by

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    big = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    op.create_table(
        "search_log",
        sa.Column("id", big, primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("meaning", sa.String(length=400), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("user_key", sa.String(length=32), nullable=False),
        sa.Column("shown", sa.JSON(), nullable=False),
    )
    op.create_index("ix_search_log_at", "search_log", ["at"])
    op.create_index("ix_search_log_meaning", "search_log", ["meaning"])
    op.create_table(
        "search_click",
        sa.Column("id", big, primary_key=True, autoincrement=True),
        sa.Column("log_id", big, sa.ForeignKey("search_log.id", ondelete="CASCADE"), nullable=False),
        sa.Column("record_seq", sa.BigInteger(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_search_click_log_id", "search_click", ["log_id"])


def downgrade() -> None:
    op.drop_table("search_click")
    op.drop_table("search_log")
