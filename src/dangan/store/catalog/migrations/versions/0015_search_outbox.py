"""search_outbox: what the embedded search engine has still to apply

Filled here with every record already in the catalogue, so an upgraded archive's engine index is built by
the indexer (the server's worker, or `dangan reindex`) without anyone asking; until then searches use the
catalogue's own full-text index and give the same answers.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "search_outbox",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True
        ),
        sa.Column("record_seq", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.execute(
        "INSERT INTO search_outbox (record_seq, created_at) SELECT seq, CURRENT_TIMESTAMP FROM record ORDER BY seq"
    )


def downgrade() -> None:
    op.drop_table("search_outbox")
