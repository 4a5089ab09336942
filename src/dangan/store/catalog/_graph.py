"""The knowledge graph as adjacency tables in the catalogue: no graph server, one transaction with the
record that asserts a relation, the same tables on SQLite and PostgreSQL.

A node is one thing (enterprise, person, address, matter, licence, department, district, industry,
record) under a stable key of its kind. An edge is one assertion by one record: two records saying the
same enterprise has the same representative are two rows, so every relation carries its provenance and
the access policy can count only the rows a viewer may read. A record's edges are replaced whole when the
record is read again (a confirmed description), which is why they are indexed by `record_id`. The keyed
hash that turns ID numbers and addresses into opaque keys is a random secret kept in `graph_secret`:
created once, it survives a rebuild, so public ids of people stay the same.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from ._models import Base, Record


class GraphNode(Base):
    __tablename__ = "graph_node"
    __table_args__ = (UniqueConstraint("kind", "key", name="uq_graph_node_kind_key"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))
    key: Mapped[str] = mapped_column(String(300))
    label: Mapped[str] = mapped_column(String(500))
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    flags: Mapped[list[str]] = mapped_column(JSON, default=list)


class GraphEdge(Base):
    __tablename__ = "graph_edge"
    __table_args__ = (
        Index("ix_graph_edge_from", "from_id", "kind"),
        Index("ix_graph_edge_to", "to_id", "kind"),
        Index("ix_graph_edge_record", "record_id"),
        # a node's assertions newest first: its label is the latest one the viewer may read (migration 0026)
        Index("ix_graph_edge_to_order", "to_id", "asserted_on", "record_id"),
        # the insight lists, one kind each (partial: only a query spelling the kind out uses them)
        *(
            Index(f"ix_graph_edge_{kind}_to", *columns, sqlite_where=text(f"kind = '{kind}'"),
                  postgresql_where=text(f"kind = '{kind}'"))
            for kind, columns in (("address", ("to_id", "from_id", "record_id", "kind")),
                                  ("representative", ("to_id", "from_id", "record_id", "kind")),
                                  ("licence", ("to_id", "from_id", "asserted_on", "record_id", "kind")))
        ),
        # and ix_graph_edge_valid_until (the JSON valid_until of licence edges): an expression written per
        # backend, so it lives in migration 0026 only
    )  # fmt: skip
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(24))
    from_id: Mapped[int] = mapped_column(ForeignKey("graph_node.id", ondelete="CASCADE"))
    to_id: Mapped[int] = mapped_column(ForeignKey("graph_node.id", ondelete="CASCADE"))
    record_id: Mapped[str] = mapped_column(String(26))
    asserted_on: Mapped[date | None] = mapped_column(Date)
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


# Every graph read joins each edge to its record for the access filter (security rank, department,
# openness): with these columns after the id, the join is answered from this index alone instead of one
# read of the record's wide row per edge — at 10^6 records those reads were most of a heavy query's time.
# Declared here, with the graph it serves (migration 0026).
ACCESS_INDEX = Index(
    "ix_record_graph_access", Record.id, Record.security_rank, Record.department_id, Record.open_to_public
)


class GraphSecret(Base):
    __tablename__ = "graph_secret"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    secret: Mapped[bytes] = mapped_column(LargeBinary(64))
