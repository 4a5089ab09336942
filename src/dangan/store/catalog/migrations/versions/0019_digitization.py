"""digitization: batches, scanned files of records and their pages (QC, OCR, enhanced image)

Empty after the upgrade: records ingested before it are digitized by `dangan digitize run --all`.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "digitization_batch",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("origin", sa.String(length=20), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("files", sa.Integer(), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_digitization_batch_created_at", "digitization_batch", ["created_at"])
    op.create_table(
        "digitization_file",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "record_file_id",
            sa.Integer(),
            sa.ForeignKey("record_file.id", ondelete="CASCADE"),
            nullable=False,
            unique=True,
        ),
        sa.Column("record_id", sa.String(length=26), nullable=False),
        sa.Column(
            "batch_id",
            sa.Integer(),
            sa.ForeignKey("digitization_batch.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("pages", sa.Integer(), nullable=True),
        sa.Column("error", sa.String(length=1000), nullable=True),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("claimed_by", sa.String(length=120), nullable=True),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_digitization_file_record_id", "digitization_file", ["record_id"])
    op.create_index("ix_digitization_file_batch_id", "digitization_file", ["batch_id"])
    op.create_index("ix_digitization_file_status", "digitization_file", ["status"])
    op.create_table(
        "digitization_page",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
        sa.Column(
            "file_id",
            sa.Integer(),
            sa.ForeignKey("digitization_file.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("record_id", sa.String(length=26), nullable=False),
        sa.Column("page", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("qc", sa.JSON(), nullable=True),
        sa.Column("ocr", sa.JSON(), nullable=True),
        sa.Column("error", sa.String(length=1000), nullable=True),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("image_sha256", sa.String(length=64), nullable=True),
        sa.Column("image_sm3", sa.String(length=64), nullable=True),
        sa.Column("image_size", sa.BigInteger(), nullable=True),
        sa.Column("image_media_type", sa.String(length=100), nullable=True),
        sa.Column("image_encrypted", sa.Boolean(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("file_id", "page", name="uq_digitization_page"),
    )
    op.create_index("ix_digitization_page_file_id", "digitization_page", ["file_id"])
    op.create_index("ix_digitization_page_record_id", "digitization_page", ["record_id"])
    op.create_index("ix_digitization_page_image_sha256", "digitization_page", ["image_sha256"])


def downgrade() -> None:
    op.drop_table("digitization_page")
    op.drop_table("digitization_file")
    op.drop_index("ix_digitization_batch_created_at", table_name="digitization_batch")
    op.drop_table("digitization_batch")
