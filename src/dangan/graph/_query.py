"""Reading the graph through a record filter: an edge exists for a viewer only through a record he may read.

The caller (services) hands in the access policy's WHERE clause over `Record`; every edge read here is
joined to its record and kept only where that clause holds, so a node, edge or label seen through these
functions is always backed by a readable record. A walk goes at most two steps and never through a hub
(matter, department, district, industry): each step is one indexed query per direction, the same SQL on
SQLite and PostgreSQL.

Public ids: an enterprise with a valid USCC is its USCC, a record is its record id, anything else is
`kind:key` (people and addresses have keyed-hash keys, so their ids are opaque).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, func, null, or_, select
from sqlalchemy.orm import Session

from dangan.domain import uscc_problem
from dangan.store.catalog import GraphEdge, GraphNode, Record

from ._extract import HUBS, NODE_KINDS
from ._normal import simplify


@dataclass(frozen=True)
class NodeRow:
    id: int
    kind: str
    key: str
    label: str
    flags: tuple[str, ...]

    @property
    def public_id(self) -> str:
        if self.kind == "record" or (self.kind == "enterprise" and not self.key.startswith("~")):
            return self.key
        return f"{self.kind}:{self.key}"


@dataclass(frozen=True)
class EdgeRow:
    kind: str
    from_id: int
    to_id: int
    record_id: str
    asserted_on: date | None
    attributes: dict[str, Any]


def _node(row: Any) -> NodeRow:
    return NodeRow(row.id, row.kind, row.key, row.label, tuple(row.flags or ()))


_NODE_COLUMNS = (GraphNode.id, GraphNode.kind, GraphNode.key, GraphNode.label, GraphNode.flags)


# ids per statement: a bound list of this size stays well under both backends' parameter limits, and
# every statement built over a chunk (the label probes especially) is the same statement for each one
CHUNK = 500


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def nodes_by_id(session: Session, ids: Iterable[int]) -> dict[int, NodeRow]:
    wanted = sorted(set(ids))
    out: dict[int, NodeRow] = {}
    for chunk in _chunks(wanted):
        for row in session.execute(select(*_NODE_COLUMNS).where(GraphNode.id.in_(chunk))):
            out[row.id] = _node(row)
    return out


def find_nodes(session: Session, id_or_name: str) -> list[NodeRow]:
    """Nodes a user's word names: a public id (USCC, record id, kind:key) or else a label, as written or
    in its simplified half-width form. Not yet filtered by access (see `readable_nodes`)."""
    text = id_or_name.strip()
    kind, sep, key = text.partition(":")
    if sep and kind in NODE_KINDS:
        where: ColumnElement[bool] = (GraphNode.kind == kind) & (GraphNode.key == key)
    elif uscc_problem(text.upper()) is None:
        where = (GraphNode.kind == "enterprise") & (GraphNode.key == text.upper())
    else:
        labels = sorted({text, simplify(text)})
        where = or_((GraphNode.kind == "record") & (GraphNode.key == text), GraphNode.label.in_(labels))
    return [_node(r) for r in session.execute(select(*_NODE_COLUMNS).where(where).order_by(GraphNode.id))]


SCAN_FACTOR = 4  # edges read per direction before the record filter, per edge asked for
_EDGE_COLUMNS = (GraphEdge.id, GraphEdge.kind, GraphEdge.from_id, GraphEdge.to_id, GraphEdge.record_id,
                 GraphEdge.asserted_on, GraphEdge.attributes)  # fmt: skip


def _readable_edges_select(readable: ColumnElement[bool]) -> Any:
    return (
        select(GraphEdge.kind, GraphEdge.from_id, GraphEdge.to_id, GraphEdge.record_id, GraphEdge.asserted_on,
               GraphEdge.attributes)
        .join(Record, Record.id == GraphEdge.record_id)
        .where(readable)
    )  # fmt: skip


def readable_nodes(session: Session, ids: Iterable[int], readable: ColumnElement[bool]) -> set[int]:
    """Those of `ids` that some readable edge reaches (from either end)."""
    wanted = sorted(set(ids))
    if not wanted:
        return set()

    def reached(column: Any) -> Any:
        joined = select(GraphEdge.id).join(Record, Record.id == GraphEdge.record_id)
        return joined.where(column == GraphNode.id, readable).exists()

    rows = session.scalars(
        select(GraphNode.id).where(
            GraphNode.id.in_(wanted), or_(reached(GraphEdge.from_id), reached(GraphEdge.to_id))
        )
    )
    return set(rows)


def edges_touching(
    session: Session, ids: Iterable[int], readable: ColumnElement[bool], *, limit: int,
    kinds: Iterable[str] | None = None,
) -> list[EdgeRow]:  # fmt: skip
    """Readable edges with an end among `ids` (at most `limit` rows, oldest assertion first)."""
    return edges_around(session, ids, readable, limit=limit, kinds=kinds)[0]


def edges_around(
    session: Session, ids: Iterable[int], readable: ColumnElement[bool], *, limit: int,
    kinds: Iterable[str] | None = None, attributes: bool = True, beyond: Iterable[int] = (),
    sample: bool = False,
) -> tuple[list[EdgeRow], bool]:  # fmt: skip
    """`edges_touching`, and whether the read stopped short: each direction reads at most
    `SCAN_FACTOR * limit` edges before the record filter, so a hub with 100,000 edges (or a clerk
    asking about another department's hub, where nearly every edge is filtered out) costs a bounded
    read, not a walk of all its edges and their records. Short reads are the caller's "truncated".
    `attributes=False` leaves each edge's attributes empty: a caller drawing the graph needs none, and
    decoding a thousand JSON documents was a fifth of a capped walk's time.

    `beyond`: nodes already walked — edges with an end among them are known to the caller and left out,
    so the budget goes to edges that reach further. `sample=True` stops each direction at `limit`
    readable edges instead of ordering all `SCAN_FACTOR * limit` it scanned: for a capped ring (a
    business centre's 12,000 enterprises) which `limit` edges show is a sample either way, and joining
    four times as many edges to their records only to drop three quarters was half of a 2-hop walk's
    database time (bench/graph.py --records 1000000). Not for a caller listing the oldest edges of one
    node (the 360° page): the index hands them grouped by kind, not by date."""
    wanted = sorted(set(ids))
    if not wanted:
        return [], False
    scan = SCAN_FACTOR * limit
    known = sorted(set(beyond))
    columns = _EDGE_COLUMNS if attributes else (*_EDGE_COLUMNS[:-1], null().label("attributes"))
    rows: dict[tuple[Any, ...], Any] = {}  # an edge between two wanted nodes comes back from both ends
    capped = False
    for column in (GraphEdge.from_id, GraphEdge.to_id):
        where = [column.in_(wanted)]
        if kinds is not None:
            where.append(GraphEdge.kind.in_(sorted(set(kinds))))
        # index entries only: bounded by `scan` whatever the node's degree
        scanned = select(GraphEdge.id).where(*where).limit(scan)
        if not capped:
            capped = (session.scalar(select(func.count()).select_from(scanned.subquery())) or 0) >= scan
        # the record filter first, from the indexes where they hold the edge's record (to_id's does), so
        # an edge the viewer may not read is never fetched; then the rows by id, as far as the LIMIT
        # needs them; each end apart, merged here (a UNION under an ORDER BY cost more to build than run)
        ends = select(GraphEdge.id, GraphEdge.record_id).where(*where).limit(scan).subquery()
        allowed = select(ends.c.id).join(Record, Record.id == ends.c.record_id).where(readable)
        half = select(*columns).where(GraphEdge.id.in_(allowed))
        if known:
            half = half.where(GraphEdge.from_id.not_in(known), GraphEdge.to_id.not_in(known))
        if not sample:  # each end's oldest `limit` hold the oldest `limit` of both
            half = half.order_by(GraphEdge.asserted_on.asc().nulls_first(), GraphEdge.record_id)
        for r in session.execute(half.limit(limit)):
            rows.setdefault((r.kind, r.from_id, r.to_id, r.record_id), r)
    # oldest first, undated before dated (as `settle` reads them), the same on both backends
    oldest = sorted(rows.values(), key=lambda r: (r.asserted_on is not None, r.asserted_on or date.min,
                                                   r.record_id))[:limit]  # fmt: skip
    out = [EdgeRow(r.kind, r.from_id, r.to_id, r.record_id, r.asserted_on, dict(r.attributes or {}))
           for r in oldest]  # fmt: skip
    return out, capped


def edges_into(
    session: Session, ids: Iterable[int], readable: ColumnElement[bool], kinds: Iterable[str]
) -> list[EdgeRow]:
    """Readable edges of the given kinds that end at `ids` (what the records call those nodes)."""
    wanted = sorted(set(ids))
    out: list[EdgeRow] = []
    for chunk in _chunks(wanted):
        query = _readable_edges_select(readable).where(
            GraphEdge.to_id.in_(chunk), GraphEdge.kind.in_(sorted(set(kinds)))
        )
        out.extend(EdgeRow(r.kind, r.from_id, r.to_id, r.record_id, r.asserted_on, dict(r.attributes or {}))
                   for r in session.execute(query))  # fmt: skip
    return out


def latest_labelled(
    session: Session, ids: Iterable[int], readable: ColumnElement[bool], kinds: Iterable[str]
) -> dict[int, tuple[str, str]]:
    """Per node of `ids`, (label, record id) of the latest readable edge of `kinds` into it that carries a
    label, in the order `settle` reads assertions (decision date, undated first, then record id): what
    that node is called, and which record says so.

    One statement per `CHUNK` nodes, in which each node is one correlated probe, newest first along
    `ix_graph_edge_to_order`, stopping at the first edge the viewer may read: a business centre's 12,000
    edges cost a step or two instead of a read of them all. A grouped form (ROW_NUMBER over each node's
    readable edges, or a MAX(asserted_on) join) reads every edge of every node instead, the busy ones
    whole: 140-180 ms for the ~280 nodes of a business-centre enterprise's 2-hop ring at 10^6 records,
    against 2-3 ms for the probes (bench/graph.py). Dated and undated edges are asked apart: the two
    backends sort NULL at opposite ends of a descending order, and each part alone needs no NULL order."""
    wanted = sorted(set(ids))
    kinds = sorted(set(kinds))
    label = GraphEdge.attributes["label"].as_string()
    out: dict[int, tuple[str, str]] = {}
    for dated in (True, False):
        rest = [i for i in wanted if i not in out]
        when = GraphEdge.asserted_on.is_not(None) if dated else GraphEdge.asserted_on.is_(None)
        latest = (
            select(GraphEdge.id)
            .join(Record, Record.id == GraphEdge.record_id)
            .where(GraphEdge.to_id == GraphNode.id, GraphEdge.kind.in_(kinds), when, label != "", readable)
            .order_by(GraphEdge.asserted_on.desc(), GraphEdge.record_id.desc())
            .limit(1)
            .correlate(GraphNode)
            .scalar_subquery()
        )  # fmt: skip
        for chunk in _chunks(rest):
            query = (
                select(GraphNode.id, label, GraphEdge.record_id)
                .join(GraphEdge, GraphEdge.id == latest)
                .where(GraphNode.id.in_(chunk))
            )
            out.update({node: (str(text), record) for node, text, record in session.execute(query)})
    return out


def name_conflicts(
    session: Session, ids: Iterable[int], readable: ColumnElement[bool], kinds: Iterable[str]
) -> set[int]:
    """Those of `ids` whose readable labelled edges of `kinds` show a name conflict (`name_conflict`: in
    `settle`'s order, a label differing from the one before it on an edge that is no change), decided in
    the database over each node's name sequence instead of decoding every edge here."""
    wanted = sorted(set(ids))
    label = GraphEdge.attributes["label"].as_string()
    change = GraphEdge.attributes["change"].as_boolean()
    order = (GraphEdge.asserted_on.asc().nulls_first(), GraphEdge.record_id.asc())
    out: set[int] = set()
    for chunk in _chunks(wanted):
        named = (
            select(GraphEdge.to_id, label.label("name"), func.coalesce(change, False).label("change"),
                   func.lag(label).over(partition_by=GraphEdge.to_id, order_by=order).label("before"))
            .join(Record, Record.id == GraphEdge.record_id)
            .where(GraphEdge.to_id.in_(chunk), GraphEdge.kind.in_(sorted(set(kinds))),
                   label.is_not(None), label != "", readable)
            .subquery()
        )  # fmt: skip
        query = select(named.c.to_id).where(
            named.c.before.is_not(None), named.c.name != named.c.before, named.c.change.is_(False)
        )
        out.update(session.scalars(query.distinct()))
    return out


def labelled_flags(
    session: Session, ids: Iterable[int], readable: ColumnElement[bool], kinds: Iterable[str]
) -> dict[int, set[str]]:
    """Per node of `ids`, the flags its readable labelled edges of `kinds` carry (nodes with none left out).
    Asked only for nodes whose stored flags are not empty (the union over all their edges): few, and few
    edges each, since a flag marks a node keyed by a name within a department or an enterprise."""
    wanted = sorted(set(ids))
    label = GraphEdge.attributes["label"].as_string()
    flags = GraphEdge.attributes["flags"].as_string()
    out: dict[int, set[str]] = {}
    for chunk in _chunks(wanted):
        query = (
            select(GraphEdge.to_id, flags)
            .join(Record, Record.id == GraphEdge.record_id)
            .where(GraphEdge.to_id.in_(chunk), GraphEdge.kind.in_(sorted(set(kinds))),
                   flags.is_not(None), label.is_not(None), label != "", readable)
            .distinct()
        )  # fmt: skip
        for node, text in session.execute(query):
            out.setdefault(node, set()).update(json.loads(text))
    return out


def walkable(node: NodeRow) -> bool:
    """A hub is shown but never walked through: it would relate everything to everything."""
    return node.kind not in HUBS
