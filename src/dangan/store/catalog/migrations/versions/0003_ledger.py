"""transparency log entries, tree nodes and signed checkpoints

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26

The tables mirror `dangan.ledger.tables` (written out here: a migration is history and must not change
when the code does). Tree nodes live in `ledger_entry.nodes`: the perfect subtrees each leaf completes.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_BIGINT_KEY = sa.BigInteger().with_variant(sa.Integer(), "sqlite")  # SQLite: a rowid primary key


def upgrade() -> None:
    head = op.create_table(
        "ledger_head",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("frontier", sa.LargeBinary(), nullable=False),
        sa.Column("adopt_events_below", sa.BigInteger(), nullable=False),
        sa.Column("adopt_records_below", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "ledger_entry",
        sa.Column("leaf_index", _BIGINT_KEY, primary_key=True, autoincrement=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("record_id", sa.String(length=26), nullable=True),
        sa.Column("event_id", sa.BigInteger(), nullable=True, unique=True),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("leaf_hash", sa.LargeBinary(), nullable=False),
        sa.Column("nodes", sa.LargeBinary(), nullable=False),
    )
    op.create_index("ix_ledger_entry_record", "ledger_entry", ["record_id", "leaf_index"])
    op.create_table(
        "ledger_checkpoint",
        sa.Column("tree_size", _BIGINT_KEY, primary_key=True, autoincrement=False),
        sa.Column("root", sa.LargeBinary(), nullable=False),
        sa.Column("issued_at", sa.String(length=32), nullable=False),
        sa.Column("origin", sa.String(length=200), nullable=False),
        sa.Column("algorithm", sa.String(length=16), nullable=False),
        sa.Column("key_id", sa.String(length=64), nullable=False),
        sa.Column("public_key", sa.Text(), nullable=False),
        sa.Column("signature", sa.LargeBinary(), nullable=False),
        sa.Column("witnessed_at", sa.String(length=32), nullable=True),
    )
    # Events and records from before the log are adopted into it once, by the application (it owns the
    # entry format); anything newer that is not in the log was written around it and verification says so.
    bind = op.get_bind()
    last_event = bind.execute(sa.text("SELECT MAX(id) FROM event")).scalar() or 0
    last_record = bind.execute(sa.text("SELECT MAX(seq) FROM record")).scalar() or 0
    op.bulk_insert(
        head,
        [
            {
                "id": 1,
                "size": 0,
                "frontier": b"",
                "adopt_events_below": last_event + 1 if last_event else 0,
                "adopt_records_below": last_record + 1 if last_record else 0,
            }
        ],
    )


def downgrade() -> None:
    op.drop_table("ledger_checkpoint")
    op.drop_index("ix_ledger_entry_record", table_name="ledger_entry")
    op.drop_table("ledger_entry")
    op.drop_table("ledger_head")
