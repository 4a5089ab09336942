"""handover (移交): batches a department hands to the archive, and their records

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26

The tables mirror `dangan.store.handover` (written out here: a migration is history and must not
change when the code does).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def _when(name: str, *, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "handover_batch",
        sa.Column("id", sa.String(26), primary_key=True),
        sa.Column("department", sa.String(200), nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("carrier", sa.String(100), nullable=False),
        sa.Column("record_count", sa.Integer(), nullable=False),
        sa.Column("file_count", sa.Integer(), nullable=False),
        sa.Column("total_bytes", sa.BigInteger(), nullable=False),
        sa.Column("first_code", sa.String(120), nullable=True),
        sa.Column("last_code", sa.String(120), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(64), nullable=False),
        _when("created_at", nullable=False),
        sa.Column("submitted_by", sa.String(64), nullable=True),
        _when("submitted_at"),
        sa.Column("check_passed", sa.Boolean(), nullable=True),
        sa.Column("check_summary", sa.JSON(), nullable=True),
        sa.Column("checked_by", sa.String(64), nullable=True),
        _when("checked_at"),
        sa.Column("resolved_by", sa.String(64), nullable=True),
        _when("resolved_at"),
        sa.Column("reasons", sa.Text(), nullable=True),
    )
    op.create_index("ix_handover_batch_department", "handover_batch", ["department"])
    op.create_index("ix_handover_batch_status", "handover_batch", ["status"])
    op.create_index("ix_handover_batch_created_at", "handover_batch", ["created_at"])
    op.create_table(
        "handover_item",
        sa.Column(
            "batch_id",
            sa.String(26),
            sa.ForeignKey("handover_batch.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("record_id", sa.String(26), primary_key=True),
        sa.Column("open_record_id", sa.String(26), nullable=True, unique=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("archival_code", sa.String(120), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("retention", sa.String(8), nullable=False),
        sa.Column("security_level", sa.String(8), nullable=False),
        sa.Column("file_count", sa.Integer(), nullable=False),
        sa.Column("total_bytes", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_handover_item_record_id", "handover_item", ["record_id"])


def downgrade() -> None:
    op.drop_index("ix_handover_item_record_id", table_name="handover_item")
    op.drop_table("handover_item")
    op.drop_index("ix_handover_batch_created_at", table_name="handover_batch")
    op.drop_index("ix_handover_batch_status", table_name="handover_batch")
    op.drop_index("ix_handover_batch_department", table_name="handover_batch")
    op.drop_table("handover_batch")
