"""record_embedding: one sentence vector per record, for semantic search and "more like this"

Empty after the upgrade: the background job (or `dangan embed`) fills it.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "record_embedding",
        sa.Column(
            "record_seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            sa.ForeignKey("record.seq", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("model", sa.String(length=64), nullable=False),
        sa.Column("dim", sa.Integer(), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=False),
        sa.Column("text_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_record_embedding_created_at", "record_embedding", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_record_embedding_created_at", table_name="record_embedding")
    op.drop_table("record_embedding")
