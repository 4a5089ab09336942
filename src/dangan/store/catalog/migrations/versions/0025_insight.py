"""insight: nothing to change — a no-op kept in the chain

Reserved for the dashboards' read models; they came to need none (a DuckDB snapshot beside the
catalogue, see docs/decisions.md), and later revisions already name this one as their parent.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07
"""

from __future__ import annotations

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
