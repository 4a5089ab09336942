"""Writing a record's part of the graph, inside the caller's transaction.

A record's edges are replaced whole (deleted by record id, added again), so ingest, a confirmation and a
rebuild all reach the same rows. The nodes its old edges touched are settled again from every edge that
reaches them (label, flags: `_history.settle`), those that only gain an edge from that edge's neighbours
in `settle`'s order, with the same result (`_relabel`), and a node no edge reaches any more is removed —
which is what makes the graph built record by record equal to the one rebuilt from the catalogue.

Writes are Core statements, a few per record whatever its size: the ingest pays for the graph inside its
write transaction (issue #18: at most 10 % of ingest time), so a record costs one look-up of the nodes it
names, one multi-row insert of its new nodes (settled already: every edge reaching a new node is this
record's), one multi-row insert of its edges and one statement of bounded probes for the existing nodes
it relabels (`_relabel`: a business centre's 12,000 edges are not read again per record). The ids of
hub nodes (department, matter, district, industry — reused by nearly every record) and the graph secret
are kept for the rest of the session's transaction; a rollback (a savepoint's included) drops them,
since the rows they name may have gone with it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from typing import Any, cast

from sqlalchemy import Table, and_, delete, event, exists, insert, select, update
from sqlalchemy.orm import Session, SessionTransaction

from dangan.store.catalog import ConfirmedDescription, GraphEdge, GraphNode, GraphSecret, Record

from ._extract import HUBS, LABELLED, RecordGraph, extract, facts_of
from ._history import Assertion, settle
from ._relabel import settle_added

_SETTLED = ("enterprise", "person", "address", "licence")
_NODES = cast(Table, GraphNode.__table__)
_EDGES = cast(Table, GraphEdge.__table__)
_HUB_IDS = "dangan.graph.hub_ids"
_SECRET = "dangan.graph.secret"


@event.listens_for(Session, "after_soft_rollback")
def _forget(session: Session, _previous: SessionTransaction) -> None:
    """Any rollback, a savepoint's too: a cached id may name a row that is gone, so none is trusted."""
    session.info.pop(_HUB_IDS, None)
    session.info.pop(_SECRET, None)


@event.listens_for(Session, "after_commit")
def _forget_after_commit(session: Session) -> None:
    """Past its transaction the cache may be stale (another process may remove a hub no edge reaches).
    A savepoint's release fires this too, but its rows stay in the transaction, so the cache stays: the
    ingest writes each record in a savepoint, and forgetting there cost every record a look-up of the
    secret and of its hubs again (bench/graph.py)."""
    if session.in_nested_transaction():
        return
    session.info.pop(_HUB_IDS, None)
    session.info.pop(_SECRET, None)


def _hub_ids(session: Session) -> dict[tuple[str, str], int]:
    cache: dict[tuple[str, str], int] = session.info.setdefault(_HUB_IDS, {})
    return cache


def graph_secret(session: Session) -> bytes:
    """The archive's key for the keyed hashes of ID numbers and addresses (made by migration 0022)."""
    cached = session.info.get(_SECRET)
    if cached is not None:
        return bytes(cached)
    secret = session.scalar(select(GraphSecret.secret).where(GraphSecret.id == 1))
    if secret is None:  # a catalogue restored without the row: a new key (people get new public ids)
        secret = os.urandom(32)
        session.execute(insert(GraphSecret).values(id=1, secret=secret))
    session.info[_SECRET] = bytes(secret)
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
    new: bool = False,
) -> RecordGraph:
    """Replace the record's nodes and edges by what it (and its confirmed description) asserts now.

    `confirmed` None reads the latest confirmed description; a just-ingested record passes {} (it has
    none), which spares the look-up. `new` says the record was created in this transaction, so it has no
    edges to replace (the ingest knows; anyone else leaves it False)."""
    if confirmed is None:
        confirmed = latest_confirmed(session, [record.id]).get(record.id, {})
    graph = extract(facts_of(record, confirmed), secret if secret is not None else graph_secret(session))
    old = set() if new else _drop_edges(session, [record.id])
    ids, created = _node_ids(session, graph)
    rows = [
        {"kind": e.kind, "from_id": ids[e.source], "to_id": ids[e.target], "record_id": graph.record_id,
         "asserted_on": graph.asserted_on, "attributes": e.attributes}
        for e in graph.edges
    ]  # fmt: skip
    if rows:
        session.execute(insert(_EDGES), rows)
    # a node created just now was settled as it was inserted (every edge reaching it is this record's);
    # one that only gains an edge is settled from that edge's neighbours (`_relabel`), one that lost
    # edges (the record asserted something before) from all the edges that reach it now
    gained: dict[int, list[dict[str, Any]]] = {}
    for e in graph.edges:
        if e.kind in LABELLED and e.target not in created:
            gained.setdefault(ids[e.target], []).append(e.attributes)
    single = {node: found[0] for node, found in gained.items() if len(found) == 1 and node not in old}
    again = settle_added(session, single, graph.asserted_on, graph.record_id)
    _settle(session, old | again | (set(gained) - set(single)))
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
    session.info.pop(_HUB_IDS, None)


def _drop_edges(session: Session, record_ids: list[str]) -> set[int]:
    ends = session.execute(
        select(GraphEdge.from_id, GraphEdge.to_id).where(GraphEdge.record_id.in_(record_ids))
    ).all()
    if not ends:
        return set()
    session.execute(delete(GraphEdge).where(GraphEdge.record_id.in_(record_ids)))
    return {n for pair in ends for n in pair}


def _node_ids(
    session: Session, graph: RecordGraph
) -> tuple[dict[tuple[str, str], int], set[tuple[str, str]]]:
    """Ids of the graph's nodes, inserting the missing ones; also which of them were created here."""
    wanted = graph.nodes
    hubs = _hub_ids(session)
    ids: dict[tuple[str, str], int] = {ref: hubs[ref] for ref in wanted if ref in hubs}
    keys = sorted({ref[1] for ref in wanted if ref not in ids})
    if keys:
        kinds = sorted({ref[0] for ref in wanted if ref not in ids})
        # kind too: the unique index is (kind, key), which PostgreSQL cannot enter by key alone
        for kind, key, node_id in session.execute(
            select(_NODES.c.kind, _NODES.c.key, _NODES.c.id).where(
                _NODES.c.kind.in_(kinds), _NODES.c.key.in_(keys)
            )
        ):
            if (kind, key) in wanted:
                ids[(kind, key)] = node_id
    missing = [ref for ref in wanted if ref not in ids]
    if missing:
        labelled = _settled_here(graph, set(missing))
        values = []
        for ref in missing:
            spec = wanted[ref]
            label, flags = labelled.get(ref, (None, []))
            values.append({"kind": spec.kind, "key": spec.key, "label": (label or spec.label)[:500],
                           "attributes": {}, "flags": flags})  # fmt: skip
        inserted = session.execute(
            insert(_NODES).returning(_NODES.c.kind, _NODES.c.key, _NODES.c.id),
            values,
        )
        for kind, key, node_id in inserted:
            ids[(kind, key)] = node_id
    for ref, node_id in ids.items():
        if ref[0] in HUBS:
            hubs[ref] = node_id
    return ids, set(missing)


def _settled_here(
    graph: RecordGraph, refs: set[tuple[str, str]]
) -> dict[tuple[str, str], tuple[str | None, list[str]]]:
    """(label, flags) of new nodes of settled kinds from this record's labelled edges — all there are."""
    by_ref: dict[tuple[str, str], list[Assertion]] = {}
    for e in graph.edges:
        if e.kind in LABELLED and e.target in refs:
            by_ref.setdefault(e.target, []).append(
                Assertion(graph.record_id, graph.asserted_on, e.attributes)
            )
    return {ref: settle(ref[0], found) for ref, found in by_ref.items() if ref[0] in _SETTLED}


def _settle(session: Session, node_ids: set[int]) -> None:
    """Label and flags of each node from all the labelled edges that reach it now (one read)."""
    if not node_ids:
        return
    reaching = and_(_EDGES.c.to_id == _NODES.c.id, _EDGES.c.kind.in_(sorted(LABELLED)))
    rows = session.execute(
        select(_NODES.c.id, _NODES.c.kind, _NODES.c.label, _NODES.c.flags, _EDGES.c.record_id,
               _EDGES.c.asserted_on, _EDGES.c.attributes)
        .select_from(_NODES.outerjoin(_EDGES, reaching))
        .where(_NODES.c.id.in_(sorted(node_ids)), _NODES.c.kind.in_(_SETTLED))
    ).all()  # fmt: skip
    nodes: dict[int, tuple[str, str, list[str]]] = {}
    by_node: dict[int, list[Assertion]] = {}
    for node_id, kind, label, flags, record_id, asserted_on, attributes in rows:
        nodes[node_id] = (kind, label, list(flags or []))
        found = by_node.setdefault(node_id, [])
        if record_id is not None:
            found.append(Assertion(record_id, asserted_on, dict(attributes or {})))
    for node_id, (kind, old_label, old_flags) in nodes.items():
        label, flags = settle(kind, by_node[node_id])
        if (label is not None and label != old_label) or flags != old_flags:
            values: dict[str, Any] = {"flags": flags}
            if label is not None:
                values["label"] = label[:500]
            session.execute(update(_NODES).where(_NODES.c.id == node_id).values(**values))


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
        dropped = set(gone)
        hubs = _hub_ids(session)
        for ref in [ref for ref, node_id in hubs.items() if node_id in dropped]:
            del hubs[ref]
