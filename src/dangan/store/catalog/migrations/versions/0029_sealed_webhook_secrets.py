"""sealed_webhook_secrets: a subscription's signing secret is kept sealed under the master key (JSON), not
in clear; the column grows to hold it. Secrets written in clear before are sealed by the job that sends
deliveries the first time it reads them (sealing needs the master key, which a migration does not have).

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("subscription") as batch:
        batch.alter_column("secret", existing_type=sa.String(128), type_=sa.Text(), existing_nullable=False)


def downgrade() -> None:
    """The column stays wide: a sealed secret does not fit 128 characters, and 0028's code reads and
    writes the wider column as it did the narrow one (its deliveries would then be signed with the sealed
    text, so remove and add such subscriptions again after a downgrade)."""
