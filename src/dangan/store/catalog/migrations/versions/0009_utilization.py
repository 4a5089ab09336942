"""utilization requests and time-limited grants (利用申请)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26

The tables mirror `dangan.store.utilization` (written out here: a migration is history and must not
change when the code does).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def _when(name: str, *, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "utilization_request",
        sa.Column("id", sa.String(26), primary_key=True),
        sa.Column("requester", sa.String(64), nullable=False),
        sa.Column("requester_role", sa.String(16), nullable=False),
        sa.Column("requester_department", sa.String(200), nullable=True),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("scope", sa.String(8), nullable=False),
        sa.Column("unmask", sa.Boolean(), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("codes", sa.JSON(), nullable=False),
        sa.Column("criteria", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        _when("created_at", nullable=False),
        sa.Column("decided_by", sa.String(64), nullable=True),
        _when("decided_at"),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("granted_scope", sa.String(8), nullable=True),
        sa.Column("granted_unmask", sa.Boolean(), nullable=True),
        _when("expires_at"),
        sa.Column("expiry_logged", sa.Boolean(), nullable=False),
        sa.Column("revoked_by", sa.String(64), nullable=True),
        _when("revoked_at"),
        sa.Column("revoke_reason", sa.Text(), nullable=True),
    )
    op.create_index("ix_utilization_request_requester", "utilization_request", ["requester"])
    op.create_index("ix_utilization_request_status", "utilization_request", ["status"])
    op.create_index("ix_utilization_request_created_at", "utilization_request", ["created_at"])
    op.create_index("ix_utilization_request_expires_at", "utilization_request", ["expires_at"])
    op.create_table(
        "utilization_item",
        sa.Column(
            "request_id",
            sa.String(26),
            sa.ForeignKey("utilization_request.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("record_id", sa.String(26), primary_key=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("archival_code", sa.String(120), nullable=False),
        _when("first_used_at"),
    )
    op.create_index("ix_utilization_item_record_id", "utilization_item", ["record_id"])


def downgrade() -> None:
    op.drop_index("ix_utilization_item_record_id", table_name="utilization_item")
    op.drop_table("utilization_item")
    for column in ("expires_at", "created_at", "status", "requester"):
        op.drop_index(f"ix_utilization_request_{column}", table_name="utilization_request")
    op.drop_table("utilization_request")
