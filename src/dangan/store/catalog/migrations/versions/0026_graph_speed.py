"""graph_speed: indexes the graph needs at a million records

`ix_record_graph_access` covers the access filter's join from an edge to its record (id, security rank,
department, openness), so a graph query never reads the record's wide row just to decide it may show an
edge (bench/graph.py --records 1000000).

`ix_graph_edge_to_order` (to_id, asserted_on, record_id) lists a node's assertions newest first, so its
label — the latest assertion the viewer may read — is one short probe per node instead of a read and sort
of all its edges (a business centre's address has thousands).

The insight lists read one kind of edge each: partial indexes per kind (`WHERE kind = '…'`) give the
per-node counts of enterprises from the index alone (`ix_graph_edge_address_to`,
`ix_graph_edge_representative_to`), the "is there a later assertion" probe of the expiring licences
(`ix_graph_edge_licence_to`), and the licences whose validity ends in a window
(`ix_graph_edge_valid_until`, the JSON value written per backend exactly as `services/graph/_insight.py`
queries it). Partial, not led by `kind`: a query with a bound kind cannot use them, so SQLite (which has
no statistics unless ANALYZE ran) is never led to scan a million entries of one kind by a guess. Each
ends with `kind`: SQLite counts a partial index as covering only if it holds the column its condition
names.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None

PARTIAL = {
    "address": ["to_id", "from_id", "record_id", "kind"],
    "representative": ["to_id", "from_id", "record_id", "kind"],
    "licence": ["to_id", "from_id", "asserted_on", "record_id", "kind"],
}


def upgrade() -> None:
    op.create_index(
        "ix_record_graph_access", "record", ["id", "security_rank", "department_id", "open_to_public"]
    )
    op.create_index("ix_graph_edge_to_order", "graph_edge", ["to_id", "asserted_on", "record_id"])
    for kind, columns in PARTIAL.items():
        op.create_index(
            f"ix_graph_edge_{kind}_to", "graph_edge", columns,
            sqlite_where=sa.text(f"kind = '{kind}'"), postgresql_where=sa.text(f"kind = '{kind}'"),
        )  # fmt: skip
    if op.get_bind().dialect.name == "postgresql":
        until = "(attributes ->> 'valid_until')"
    else:
        until = "json_extract(attributes, '$.valid_until')"
    op.execute(f"CREATE INDEX ix_graph_edge_valid_until ON graph_edge ({until}) WHERE kind = 'licence'")


def downgrade() -> None:
    op.drop_index("ix_graph_edge_valid_until", table_name="graph_edge")
    for kind in PARTIAL:
        op.drop_index(f"ix_graph_edge_{kind}_to", table_name="graph_edge")
    op.drop_index("ix_graph_edge_to_order", table_name="graph_edge")
    op.drop_index("ix_record_graph_access", table_name="record")
