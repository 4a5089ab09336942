"""search: the archive's own synonyms, and an index to find a record by its legal representative

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "search_synonym",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("alias", sa.String(length=100), nullable=False),
        sa.Column("target", sa.String(length=200), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("kind", "alias", name="uq_search_synonym"),
    )
    op.create_index("ix_record_legal_representative", "record", ["legal_representative"])
    op.create_index("ix_record_decided_at", "record", ["decided_at"])


def downgrade() -> None:
    op.drop_index("ix_record_decided_at", table_name="record")
    op.drop_index("ix_record_legal_representative", table_name="record")
    op.drop_table("search_synonym")
