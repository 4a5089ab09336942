"""`dangan graph rebuild`: the whole graph again from the catalogue, in batches.

The graph is dropped (its secret kept, so people keep their public ids) and every record is added in
record order, a batch per transaction, each with its latest confirmed description — the very function
the ingest calls, so the result equals the graph built record by record. Queries during a rebuild see a
graph still filling up; records ingested meanwhile add themselves and are simply replaced by their batch.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, text

from dangan.graph import add_record_to_graph, clear_graph, graph_secret, latest_confirmed
from dangan.services.archive import Archive
from dangan.store.catalog import GraphEdge, GraphNode, Record

BATCH = 500


@dataclass(frozen=True)
class RebuildReport:
    records: int
    nodes: int
    edges: int

    def as_json(self) -> dict[str, Any]:
        return {"records": self.records, "nodes": self.nodes, "edges": self.edges}


def rebuild_graph(archive: Archive, progress: Callable[[int, int], None] | None = None) -> RebuildReport:
    with archive.db.write() as s:
        clear_graph(s)
        total = s.scalar(select(func.count()).select_from(Record)) or 0
    done, after = 0, -1
    while True:
        with archive.db.write() as s:
            secret = graph_secret(s)
            batch = s.scalars(
                select(Record).where(Record.seq > after).order_by(Record.seq).limit(BATCH)
            ).all()
            if not batch:
                break
            confirmed = latest_confirmed(s, [r.id for r in batch])
            for record in batch:
                if record.lifecycle_status is None:  # a destroyed record asserts nothing any more
                    add_record_to_graph(s, record, confirmed.get(record.id, {}), secret=secret)
            after = batch[-1].seq
        done += len(batch)
        if progress is not None:
            progress(done, max(total, done))
    _refresh_statistics(archive)
    with archive.db.read() as s:
        nodes = s.scalar(select(func.count()).select_from(GraphNode)) or 0
        edges = s.scalar(select(func.count()).select_from(GraphEdge)) or 0
    return RebuildReport(done, nodes, edges)


def _refresh_statistics(archive: Archive) -> None:
    """SQLite plans without statistics until ANALYZE runs, and nothing runs it by itself; a rebuild
    rewrites the graph's tables whole, so their statistics are given afresh here. Sampled (at most
    `analysis_limit` rows per index): the cost stays a fraction of a second at any size. Measured on
    3,000 demo cases: the "people who represent many enterprises" list 64-82 ms → 42-63 ms, walks and the
    360° page unchanged. PostgreSQL's autovacuum analyses by itself."""
    if not archive.db.is_sqlite:
        return
    with archive.db.write() as s:
        s.execute(text("PRAGMA analysis_limit=1000"))
        s.execute(text("ANALYZE"))
        s.execute(text("PRAGMA analysis_limit=0"))
