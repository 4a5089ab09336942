"""sharing_catalogue: the 共享目录's current rules and their versions

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sharing_rule",
        sa.Column("id", sa.String(26), primary_key=True),
        sa.Column("department", sa.String(200), nullable=False),
        sa.Column("matter", sa.String(200), nullable=False),
        sa.Column("security_level", sa.String(8), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("departments", sa.JSON(), nullable=False),
        sa.Column("to_all", sa.Boolean(), nullable=False),
        sa.Column("download", sa.Boolean(), nullable=False),
        sa.Column("conditions", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("retired", sa.Boolean(), nullable=False),
        sa.Column("updated_by", sa.String(64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("department", "matter", "security_level", name="uq_sharing_category"),
    )
    op.create_index("ix_sharing_rule_department", "sharing_rule", ["department"])
    op.create_index("ix_sharing_rule_retired", "sharing_rule", ["retired"])
    op.create_table(
        "sharing_rule_version",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("rule_id", sa.String(26), sa.ForeignKey("sharing_rule.id"), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("department", sa.String(200), nullable=False),
        sa.Column("matter", sa.String(200), nullable=False),
        sa.Column("security_level", sa.String(8), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("departments", sa.JSON(), nullable=False),
        sa.Column("to_all", sa.Boolean(), nullable=False),
        sa.Column("download", sa.Boolean(), nullable=False),
        sa.Column("conditions", sa.Text(), nullable=False),
        sa.Column("retired", sa.Boolean(), nullable=False),
        sa.Column("changed_by", sa.String(64), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.UniqueConstraint("rule_id", "version", name="uq_sharing_rule_version"),
    )
    op.create_index("ix_sharing_rule_version_rule_id", "sharing_rule_version", ["rule_id"])
    op.create_index("ix_sharing_rule_version_changed_at", "sharing_rule_version", ["changed_at"])


def downgrade() -> None:
    op.drop_index("ix_sharing_rule_version_changed_at", table_name="sharing_rule_version")
    op.drop_index("ix_sharing_rule_version_rule_id", table_name="sharing_rule_version")
    op.drop_table("sharing_rule_version")
    op.drop_index("ix_sharing_rule_retired", table_name="sharing_rule")
    op.drop_index("ix_sharing_rule_department", table_name="sharing_rule")
    op.drop_table("sharing_rule")
