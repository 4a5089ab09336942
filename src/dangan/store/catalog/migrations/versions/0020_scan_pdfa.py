"""digitization: the searchable PDF/A of each scanned file, and the last fixity check of the derivatives

`digitization_file.pdf_*` names the PDF/A-2b built from a file's original pages and their OCR lines (the
object, its hashes, how many pages it holds and how many could not be decoded and were left out, or why
there is none). `image_verified_at` and `pdf_verified_at` let the fixity audit check the least recently
verified derivatives first, as it does record files.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("digitization_file") as batch:
        batch.add_column(sa.Column("pdf_sha256", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("pdf_sm3", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("pdf_size", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("pdf_encrypted", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("pdf_pages", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("pdf_omitted", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("pdf_error", sa.String(length=1000), nullable=True))
        batch.add_column(sa.Column("pdf_verified_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_index("ix_digitization_file_pdf_sha256", ["pdf_sha256"])
    with op.batch_alter_table("digitization_page") as batch:
        batch.add_column(sa.Column("image_verified_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("digitization_page") as batch:
        batch.drop_column("image_verified_at")
    with op.batch_alter_table("digitization_file") as batch:
        batch.drop_index("ix_digitization_file_pdf_sha256")
        for name in ("pdf_verified_at", "pdf_error", "pdf_omitted", "pdf_pages", "pdf_encrypted", "pdf_size",
                     "pdf_sm3", "pdf_sha256"):  # fmt: skip
            batch.drop_column(name)
