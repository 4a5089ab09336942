"""Writing a record's part of the graph, inside the caller's transaction.

A record's edges are replaced whole (deleted by record id, added again), so ingest, a confirmation and a
rebuild all reach the same rows. The nodes its old or new edges touch are settled again from every edge
that reaches them (label, flags: `_history.settle`), and a node no edge reaches any more is removed —
which is what makes the graph built record by record equal to the one rebuilt from the catalogue.
Writes are Core statements: the ingest pays a few indexed statements a record, not the ORM's unit of work.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import delete, exists, insert, select, update
from sqlalchemy.orm import Session

from dangan.store.catalog import ConfirmedDescription, GraphEdge, GraphNode, GraphSecret, Record

from ._extract import LABELLED, RecordGraph, extract, facts_of
from ._history import Assertion, settle

_SETTLED = ("enterprise", "person", "address", "licence")


def graph_secret(session: Session) -> bytes:
    """The archive's key for the keyed hashes of ID numbers and addresses (made by migration 0022)."""
    secret = session.scalar(select(GraphSecret.secret).where(GraphSecret.id == 1))
    if secret is None:  # a catalogue restored without the row: a new key (people get new public ids)
        secret = os.urandom(32)
        session.execute(insert(GraphSecret).values(id=1, secret=secret))
    return bytes(secret)


def latest_confirmed(session: Session, record_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The latest confirmed description of each record that has one."""
    ids = list(record_ids)
    out: dict[str, tuple[int, dict[str, Any]]] = {}
    for start in range(0, len(ids), 500):
        rows = session.execute(
            select(
                ConfirmedDescription.record_id, ConfirmedDescription.version, ConfirmedDescription.fields
            ).where(ConfirmedDescription.record_id.in_(ids[start : start + 500]))
        ).all()
        for record_id, version, fields in rows:
            if record_id not in out or out[record_id][0] < version:
                out[record_id] = (version, dict(fields or {}))
    return {k: v[1] for k, v in out.items()}


def add_record_to_graph(
    session: Session,
    record: Record,
    confirmed: Mapping[str, Any] | None = None,
    *,
    secret: bytes | None = None,
) -> RecordGraph:
    """Replace the record's nodes and edges by what it (and its confirmed description) asserts now.

    `confirmed` None reads the latest confirmed description; a just-ingested record passes {} (it has
    none), which spares the look-up."""
    if confirmed is None:
        confirmed = latest_confirmed(session, [record.id]).get(record.id, {})
    graph = extract(facts_of(record, confirmed), secret if secret is not None else graph_secret(session))
    old = _drop_edges(session, [record.id])
    ids = _node_ids(session, graph)
    rows = [
        {"kind": e.kind, "from_id": ids[e.source], "to_id": ids[e.target], "record_id": graph.record_id,
         "asserted_on": graph.asserted_on, "attributes": e.attributes}
        for e in graph.edges
    ]  # fmt: skip
    if rows:
        session.execute(insert(GraphEdge), rows)
    touched = old | {ids[e.target] for e in graph.edges if e.kind in LABELLED}
    _settle(session, touched)
    _drop_orphans(session, old - set(ids.values()))
    return graph


def remove_record_from_graph(session: Session, record_id: str) -> None:
    """The record asserts nothing any more (it was destroyed): its edges go, its nodes are settled."""
    old = _drop_edges(session, [record_id])
    _settle(session, old)
    _drop_orphans(session, old)


def clear_graph(session: Session) -> None:
    """Every node and edge (the secret stays, so people keep their public ids)."""
    session.execute(delete(GraphEdge))
    session.execute(delete(GraphNode))


def _drop_edges(session: Session, record_ids: list[str]) -> set[int]:
    ends = session.execute(
        select(GraphEdge.from_id, GraphEdge.to_id).where(GraphEdge.record_id.in_(record_ids))
    ).all()
    if not ends:
        return set()
    session.execute(delete(GraphEdge).where(GraphEdge.record_id.in_(record_ids)))
    return {n for pair in ends for n in pair}


def _node_ids(session: Session, graph: RecordGraph) -> dict[tuple[str, str], int]:
    wanted = graph.nodes
    ids: dict[tuple[str, str], int] = {}
    keys = sorted({key for _, key in wanted})
    for kind, key, node_id in session.execute(
        select(GraphNode.kind, GraphNode.key, GraphNode.id).where(GraphNode.key.in_(keys))
    ):
        if (kind, key) in wanted:
            ids[(kind, key)] = node_id
    conn = session.connection()
    for ref, spec in wanted.items():
        if ref not in ids:
            values = {"kind": spec.kind, "key": spec.key, "label": spec.label, "attributes": {}, "flags": []}
            inserted = conn.execute(insert(GraphNode).values(**values)).inserted_primary_key
            assert inserted is not None
            ids[ref] = int(inserted[0])
    return ids


def _settle(session: Session, node_ids: set[int]) -> None:
    """Label and flags of each node from all the labelled edges that reach it now."""
    if not node_ids:
        return
    nodes = session.execute(
        select(GraphNode.id, GraphNode.kind, GraphNode.label, GraphNode.flags).where(
            GraphNode.id.in_(sorted(node_ids)), GraphNode.kind.in_(_SETTLED)
        )
    ).all()
    if not nodes:
        return
    by_node: dict[int, list[Assertion]] = {n.id: [] for n in nodes}
    for to_id, record_id, asserted_on, attributes in session.execute(
        select(GraphEdge.to_id, GraphEdge.record_id, GraphEdge.asserted_on, GraphEdge.attributes).where(
            GraphEdge.to_id.in_(sorted(by_node)), GraphEdge.kind.in_(sorted(LABELLED))
        )
    ):
        by_node[to_id].append(Assertion(record_id, asserted_on, dict(attributes or {})))
    for node in nodes:
        label, flags = settle(node.kind, by_node[node.id])
        if (label is not None and label != node.label) or flags != list(node.flags or []):
            values: dict[str, Any] = {"flags": flags}
            if label is not None:
                values["label"] = label[:500]
            session.execute(update(GraphNode).where(GraphNode.id == node.id).values(**values))


def _drop_orphans(session: Session, node_ids: set[int]) -> None:
    """Remove the nodes no edge reaches any more (one EXISTS probe each way: a hub has many edges)."""
    if not node_ids:
        return
    reached_from = exists().where(GraphEdge.from_id == GraphNode.id)
    reached_to = exists().where(GraphEdge.to_id == GraphNode.id)
    gone = session.scalars(
        select(GraphNode.id).where(GraphNode.id.in_(sorted(node_ids)), ~reached_from, ~reached_to)
    ).all()
    if gone:
        session.execute(delete(GraphNode).where(GraphNode.id.in_(list(gone))))
