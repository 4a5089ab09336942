"""record_file: SM3 digest and encryption flag of each stored object

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("record_file") as batch:
        batch.add_column(sa.Column("sm3", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("encrypted", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_index("ix_record_file_verified_at", ["verified_at"])


def downgrade() -> None:
    with op.batch_alter_table("record_file") as batch:
        batch.drop_index("ix_record_file_verified_at")
        batch.drop_column("verified_at")
        batch.drop_column("encrypted")
        batch.drop_column("sm3")
