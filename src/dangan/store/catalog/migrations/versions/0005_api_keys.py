"""API keys of business systems

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_key",
        sa.Column("id", sa.String(length=32), primary_key=True),
        sa.Column("secret_sha256", sa.String(length=64), nullable=False),
        sa.Column("system", sa.String(length=128), nullable=False),
        sa.Column("department", sa.String(length=200), nullable=False),
        sa.Column("matters", sa.JSON(), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by", sa.String(length=64), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_api_key_system", "api_key", ["system"])


def downgrade() -> None:
    op.drop_index("ix_api_key_system", table_name="api_key")
    op.drop_table("api_key")
