"""record.category: the classification (business type · industry section) of each record

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from dangan.domain import classify

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("record") as batch:
        batch.add_column(sa.Column("category", sa.String(length=16), nullable=True))
        batch.create_index("ix_record_category", ["category"])
    bind = op.get_bind()
    rows = bind.execute(
        sa.text("SELECT r.seq, m.name, r.industry FROM record r JOIN matter m ON m.id = r.matter_id")
    ).all()
    for seq, matter, industry in rows:
        bind.execute(
            sa.text("UPDATE record SET category = :c WHERE seq = :s"),
            {"c": classify(matter, industry).code, "s": seq},
        )


def downgrade() -> None:
    with op.batch_alter_table("record") as batch:
        batch.drop_index("ix_record_category")
        batch.drop_column("category")
