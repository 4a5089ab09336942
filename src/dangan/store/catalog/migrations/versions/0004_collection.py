"""check reports, quarantine and matter rules

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26

The tables mirror `dangan.store.collection` (written out here: a migration is history and must not
change when the code does). Nothing here refers to 0003's tables.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _when(name: str, *, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "check_report",
        sa.Column("id", sa.String(26), primary_key=True),
        sa.Column("record_id", sa.String(26), nullable=True),
        sa.Column("quarantine_id", sa.String(26), nullable=True),
        sa.Column("stage", sa.String(8), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("report", sa.JSON(), nullable=False),
        sa.Column("scheme", sa.JSON(), nullable=False),
        sa.Column("actor", sa.String(64), nullable=True),
        _when("created_at"),
    )
    op.create_index("ix_check_report_record_id", "check_report", ["record_id"])
    op.create_index("ix_check_report_quarantine_id", "check_report", ["quarantine_id"])
    op.create_index("ix_check_report_created_at", "check_report", ["created_at"])
    op.create_table(
        "quarantine",
        sa.Column("id", sa.String(26), primary_key=True),
        sa.Column("source_system", sa.String(128), nullable=True),
        sa.Column("source_id", sa.String(128), nullable=True),
        sa.Column("origin", sa.Text(), nullable=False),
        sa.Column("department", sa.String(200), nullable=True),
        sa.Column("matter", sa.String(200), nullable=True),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("folder", sa.String(300), nullable=False),
        sa.Column("record_id", sa.String(26), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(64), nullable=True),
        _when("created_at"),
        _when("updated_at"),
        sa.Column("resolved_by", sa.String(64), nullable=True),
        _when("resolved_at", nullable=True),
    )
    op.create_index("ix_quarantine_source", "quarantine", ["source_system", "source_id"])
    op.create_index("ix_quarantine_department", "quarantine", ["department"])
    op.create_index("ix_quarantine_status", "quarantine", ["status"])
    op.create_index("ix_quarantine_created_at", "quarantine", ["created_at"])
    op.create_table(
        "matter_rule",
        sa.Column("matter", sa.String(200), primary_key=True),
        sa.Column("required", sa.JSON(), nullable=False),
        sa.Column("updated_by", sa.String(64), nullable=True),
        _when("updated_at"),
    )


def downgrade() -> None:
    op.drop_table("matter_rule")
    for name in ("created_at", "status", "department", "source"):
        op.drop_index(f"ix_quarantine_{name}", table_name="quarantine")
    op.drop_table("quarantine")
    for name in ("created_at", "quarantine_id", "record_id"):
        op.drop_index(f"ix_check_report_{name}", table_name="check_report")
    op.drop_table("check_report")
