"""search_doc keeps the readable start of a record's materials, for highlighted snippets

Plain ADD COLUMN (no table rebuild): the FTS5 triggers on search_doc stay as they are. Records ingested
before this have no text until `dangan reindex` rebuilds their search documents.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("search_doc", sa.Column("body_text", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("search_doc", recreate="never") as batch:
        batch.drop_column("body_text")
