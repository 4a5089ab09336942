"""graph: knowledge-graph nodes and edges (one edge per asserting record), the keyed-hash secret

Empty after the upgrade: `dangan graph rebuild` builds the graph of records archived before it; records
ingested or confirmed afterwards add themselves.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-14
"""

from __future__ import annotations

import os

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "graph_node",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("label", sa.String(length=500), nullable=False),
        sa.Column("attributes", sa.JSON(), nullable=False),
        sa.Column("flags", sa.JSON(), nullable=False),
        sa.UniqueConstraint("kind", "key", name="uq_graph_node_kind_key"),
    )
    op.create_table(
        "graph_edge",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column(
            "from_id", sa.Integer(), sa.ForeignKey("graph_node.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("to_id", sa.Integer(), sa.ForeignKey("graph_node.id", ondelete="CASCADE"), nullable=False),
        sa.Column("record_id", sa.String(length=26), nullable=False),
        sa.Column("asserted_on", sa.Date(), nullable=True),
        sa.Column("attributes", sa.JSON(), nullable=False),
    )
    op.create_index("ix_graph_edge_from", "graph_edge", ["from_id", "kind"])
    op.create_index("ix_graph_edge_to", "graph_edge", ["to_id", "kind"])
    op.create_index("ix_graph_edge_record", "graph_edge", ["record_id"])
    op.create_table(
        "graph_secret",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("secret", sa.LargeBinary(length=64), nullable=False),
    )
    # created here, once, so two writers never race to create it
    secret = sa.table("graph_secret", sa.column("id", sa.Integer()), sa.column("secret", sa.LargeBinary()))
    op.bulk_insert(secret, [{"id": 1, "secret": os.urandom(32)}])


def downgrade() -> None:
    op.drop_table("graph_secret")
    op.drop_index("ix_graph_edge_record", table_name="graph_edge")
    op.drop_index("ix_graph_edge_to", table_name="graph_edge")
    op.drop_index("ix_graph_edge_from", table_name="graph_edge")
    op.drop_table("graph_edge")
    op.drop_table("graph_node")
