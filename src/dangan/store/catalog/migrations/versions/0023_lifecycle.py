"""lifecycle: retention, appraisal and disposal, legal holds

Adds `record.lifecycle_status` (NULL while a record lives) and the tables of `store.catalog._lifecycle`.
Nothing to fill: existing records stay live, with their catalogued retention.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column("record", sa.Column("lifecycle_status", sa.String(length=8), nullable=True))
    op.create_index("ix_record_lifecycle_status", "record", ["lifecycle_status"])
    op.create_table(
        "disposal_batch",
        sa.Column("id", sa.String(length=26), primary_key=True),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("chain", sa.JSON(), nullable=False),
        sa.Column("proposed_by", sa.String(length=64), nullable=False),
        sa.Column("proposed_at", _TS, nullable=False),
        sa.Column("appraised_on", sa.Date(), nullable=False),
        sa.Column("rejected_by", sa.String(length=64), nullable=True),
        sa.Column("rejection_reason", sa.Text(), nullable=True),
        sa.Column("witnesses", sa.JSON(), nullable=True),
        sa.Column("executed_by", sa.String(length=64), nullable=True),
        sa.Column("executed_at", _TS, nullable=True),
    )
    op.create_index("ix_disposal_batch_status", "disposal_batch", ["status"])
    op.create_index("ix_disposal_batch_proposed_at", "disposal_batch", ["proposed_at"])
    op.create_table(
        "disposal_item",
        sa.Column(
            "batch_id",
            sa.String(length=26),
            sa.ForeignKey("disposal_batch.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("record_id", sa.String(length=26), primary_key=True),
        sa.Column("open_record_id", sa.String(length=26), nullable=True, unique=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("decision", sa.String(length=4), nullable=False),
        sa.Column("new_retention", sa.String(length=8), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("archival_code", sa.String(length=120), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("retention", sa.String(length=8), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("state", sa.String(length=8), nullable=True),
        sa.Column("destroyed_at", _TS, nullable=True),
    )
    op.create_index("ix_disposal_item_record_id", "disposal_item", ["record_id"])
    op.create_table(
        "disposal_approval",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "batch_id",
            sa.String(length=26),
            sa.ForeignKey("disposal_batch.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("decision", sa.String(length=4), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("at", _TS, nullable=False),
    )
    op.create_index("ix_disposal_approval_batch_id", "disposal_approval", ["batch_id"])
    op.create_table(
        "legal_hold",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("record_id", sa.String(length=26), nullable=False),
        sa.Column("active_record_id", sa.String(length=26), nullable=True, unique=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("placed_by", sa.String(length=64), nullable=False),
        sa.Column("placed_at", _TS, nullable=False),
        sa.Column("removed_by", sa.String(length=64), nullable=True),
        sa.Column("removed_at", _TS, nullable=True),
        sa.Column("removal_reason", sa.Text(), nullable=True),
    )
    op.create_index("ix_legal_hold_record_id", "legal_hold", ["record_id"])
    op.create_table(
        "retention_review",
        sa.Column("record_id", sa.String(length=26), primary_key=True),
        sa.Column("retention", sa.String(length=8), nullable=False),
        sa.Column("counted_from", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("batch_id", sa.String(length=26), nullable=False),
        sa.Column("at", _TS, nullable=False),
    )
    op.create_table(
        "disposal_register",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True
        ),
        sa.Column("record_id", sa.String(length=26), nullable=False, unique=True),
        sa.Column("archival_code", sa.String(length=120), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("department", sa.String(length=200), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("retention", sa.String(length=8), nullable=False),
        sa.Column("years_kept", sa.Integer(), nullable=False),
        sa.Column("file_count", sa.Integer(), nullable=False),
        sa.Column("page_count", sa.Integer(), nullable=True),
        sa.Column("total_bytes", sa.BigInteger(), nullable=False),
        sa.Column("batch_id", sa.String(length=26), nullable=False),
        sa.Column("approvals", sa.JSON(), nullable=False),
        sa.Column("witnesses", sa.JSON(), nullable=False),
        sa.Column("executed_by", sa.String(length=64), nullable=False),
        sa.Column("destroyed_at", _TS, nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
    )
    op.create_index("ix_disposal_register_batch_id", "disposal_register", ["batch_id"])
    op.create_index("ix_disposal_register_destroyed_at", "disposal_register", ["destroyed_at"])


def downgrade() -> None:
    for table in ("disposal_register", "retention_review", "legal_hold", "disposal_approval", "disposal_item",
                  "disposal_batch"):  # fmt: skip
        op.drop_table(table)
    op.drop_index("ix_record_lifecycle_status", table_name="record")
    with op.batch_alter_table("record") as batch:
        batch.drop_column("lifecycle_status")
