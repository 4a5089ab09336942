"""machine_access: API key scope and clearance; webhook subscriptions, deliveries and attempts

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-10
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None

_BigInt = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("api_key") as batch:
        batch.add_column(sa.Column("scope", sa.String(8), nullable=False, server_default="ingest"))
        batch.add_column(sa.Column("clearance", sa.String(8), nullable=False, server_default="内部"))
    op.create_table(
        "subscription",
        sa.Column("id", sa.String(26), primary_key=True),
        sa.Column("system", sa.String(128), nullable=False),
        sa.Column("department", sa.String(200), nullable=False),
        sa.Column("clearance", sa.String(8), nullable=False),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("secret", sa.String(128), nullable=False),
        sa.Column("label", sa.String(200), nullable=True),
        sa.Column("cursor", _BigInt, nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("removed_by", sa.String(64), nullable=True),
    )
    op.create_index("ix_subscription_system", "subscription", ["system"])
    op.create_index("ix_subscription_active", "subscription", ["active"])
    op.create_table(
        "webhook_delivery",
        sa.Column("id", _BigInt, primary_key=True, autoincrement=True),
        sa.Column("subscription_id", sa.String(26), sa.ForeignKey("subscription.id"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("first_leaf", _BigInt, nullable=False),
        sa.Column("last_leaf", _BigInt, nullable=False),
        sa.Column("entries", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_try_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_status", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.String(500), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_webhook_delivery_subscription_id", "webhook_delivery", ["subscription_id"])
    op.create_index("ix_webhook_delivery_due", "webhook_delivery", ["status", "next_try_at"])
    op.create_table(
        "webhook_attempt",
        sa.Column("id", _BigInt, primary_key=True, autoincrement=True),
        sa.Column("delivery_id", _BigInt, sa.ForeignKey("webhook_delivery.id"), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("error", sa.String(500), nullable=True),
        sa.Column("millis", sa.Integer(), nullable=False),
    )
    op.create_index("ix_webhook_attempt_delivery_id", "webhook_attempt", ["delivery_id"])


def downgrade() -> None:
    op.drop_index("ix_webhook_attempt_delivery_id", table_name="webhook_attempt")
    op.drop_table("webhook_attempt")
    op.drop_index("ix_webhook_delivery_due", table_name="webhook_delivery")
    op.drop_index("ix_webhook_delivery_subscription_id", table_name="webhook_delivery")
    op.drop_table("webhook_delivery")
    op.drop_index("ix_subscription_active", table_name="subscription")
    op.drop_index("ix_subscription_system", table_name="subscription")
    op.drop_table("subscription")
    with op.batch_alter_table("api_key") as batch:
        batch.drop_column("clearance")
        batch.drop_column("scope")
