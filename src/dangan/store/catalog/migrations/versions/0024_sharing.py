"""sharing: OAI-PMH harvests page through the open catalogue by (created_at, id)

The sharing catalogue, cross-department requests and subscriptions will add their tables in a later
revision.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07
"""

from __future__ import annotations

from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_record_created", "record", ["created_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_record_created", table_name="record")
