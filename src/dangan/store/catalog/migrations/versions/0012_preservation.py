"""file formats (PRONOM) and preservation copies

record_file gains its PRONOM format (puid, name, version). Existing rows are left NULL here: reading
every stored object inside a migration would make the upgrade as slow as the archive is large and
would need the master key; `dangan preserve` identifies them (and ingest sets them for new files).

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("record_file") as batch:
        batch.add_column(sa.Column("format_puid", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("format_name", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("format_version", sa.String(length=100), nullable=True))
        batch.create_index("ix_record_file_format_puid", ["format_puid"])
    op.create_table(
        "preservation_copy",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "record_file_id",
            sa.Integer(),
            sa.ForeignKey("record_file.id", ondelete="CASCADE"),
            nullable=False,
            unique=True,
        ),
        sa.Column("record_id", sa.String(length=26), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("target", sa.String(length=40), nullable=False),
        sa.Column("path", sa.String(length=1024), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("sm3", sa.String(length=64), nullable=True),
        sa.Column("size", sa.BigInteger(), nullable=True),
        sa.Column("media_type", sa.String(length=100), nullable=True),
        sa.Column("encrypted", sa.Boolean(), nullable=False),
        sa.Column("format_puid", sa.String(length=40), nullable=True),
        sa.Column("format_name", sa.String(length=200), nullable=True),
        sa.Column("format_version", sa.String(length=100), nullable=True),
        sa.Column("error", sa.String(length=1000), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_preservation_copy_record_id", "preservation_copy", ["record_id"])
    op.create_index("ix_preservation_copy_sha256", "preservation_copy", ["sha256"])


def downgrade() -> None:
    op.drop_index("ix_preservation_copy_sha256", table_name="preservation_copy")
    op.drop_index("ix_preservation_copy_record_id", table_name="preservation_copy")
    op.drop_table("preservation_copy")
    with op.batch_alter_table("record_file") as batch:
        batch.drop_index("ix_record_file_format_puid")
        batch.drop_column("format_version")
        batch.drop_column("format_name")
        batch.drop_column("format_puid")
