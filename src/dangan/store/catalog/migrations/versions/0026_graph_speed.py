"""graph_speed: indexes the graph needs at a million records

`ix_record_graph_access` covers the access filter's join from an edge to its record (id, security rank,
department, openness), so a graph query never reads the record's wide row just to decide it may show an
edge (bench/graph.py --records 1000000).

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07
"""

from __future__ import annotations

from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_record_graph_access", "record", ["id", "security_rank", "department_id", "open_to_public"]
    )


def downgrade() -> None:
    op.drop_index("ix_record_graph_access", table_name="record")
