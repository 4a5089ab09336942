"""monitoring alerts and audit-trail support

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-26

The alert table mirrors `dangan.store.monitoring` (written out here: a migration is history and must
not change when the code does); the index on event.actor serves the auditor's search by user.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "alert",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("rule", sa.String(40), nullable=False),
        sa.Column("subject", sa.String(128), nullable=False),
        sa.Column("window_key", sa.String(64), nullable=False),
        sa.Column("severity", sa.String(8), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("acknowledged_by", sa.String(64), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("webhook_attempts", sa.Integer(), nullable=False),
        sa.Column("webhook_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("webhook_error", sa.Text(), nullable=True),
        sa.UniqueConstraint("rule", "subject", "window_key", name="uq_alert_rule_subject_window"),
    )
    op.create_index("ix_alert_rule", "alert", ["rule"])
    op.create_index("ix_alert_status", "alert", ["status"])
    op.create_index("ix_alert_created_at", "alert", ["created_at"])
    op.create_index("ix_event_actor", "event", ["actor"])


def downgrade() -> None:
    op.drop_index("ix_event_actor", table_name="event")
    op.drop_index("ix_alert_created_at", table_name="alert")
    op.drop_index("ix_alert_status", table_name="alert")
    op.drop_index("ix_alert_rule", table_name="alert")
    op.drop_table("alert")
