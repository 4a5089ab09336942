"""Settling the nodes a new record's labelled edges reach, without reading their other edges.

`settle`'s rule (label of the latest assertion, flags the union of all of them, plus a name conflict for
an enterprise) is decided over every labelled edge into a node. Read whole, a business centre's address
cost the ingest its 12,000 edges and their JSON for each record filed there. When a record only *adds*
an edge X into a node (nothing of its was there before), the stored label and flags — already `settle`
over the other edges — change only through X's neighbours in `settle`'s order:

* the label becomes X's exactly when no labelled edge comes after X;
* the flags gain X's flags; an enterprise gains a name conflict when X differs from the edge before it
  without being a change, or the edge after it differs from X without being one. Inserting X between
  P and S also removes the pair (P, S): if that pair was a conflict and neither new pair is, the
  conflict may have been that pair's alone, and only then is the node settled from all its edges.

So a node costs two bounded probes along `ix_graph_edge_to_order` (the edge before and the edge after
X), asked for all of a record's nodes in one statement. Dated and undated edges are probed apart, as in
`latest_labelled`: the backends sort NULL at opposite ends, and each part alone needs no NULL order.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from functools import cache
from typing import Any, cast

from sqlalchemy import ColumnElement, Date, String, Table, and_, bindparam, func, or_, select, update
from sqlalchemy.orm import Session

from dangan.store.catalog import GraphEdge, GraphNode

from ._extract import LABELLED

_NODES = cast(Table, GraphNode.__table__)
_EDGES = cast(Table, GraphEdge.__table__)
CONFLICT = "uscc_name_conflict"


def _probe(node: Any, when: Callable[[Any], ColumnElement[bool]], newest: bool) -> Any:
    """The id of the first labelled edge into `node` matching `when`, newest or oldest first."""
    edge = _EDGES.alias()
    label = edge.c.attributes["label"].as_string()
    order = (edge.c.asserted_on.desc(), edge.c.record_id.desc()) if newest else (edge.c.asserted_on,
                                                                                  edge.c.record_id)  # fmt: skip
    return (
        select(edge.c.id)
        .where(edge.c.to_id == node.c.id, edge.c.kind.in_(sorted(LABELLED)), label != "", when(edge))
        .order_by(*order)
        .limit(1)
        .correlate(node)
        .scalar_subquery()
    )


_Probes = list[tuple[Callable[[Any], ColumnElement[bool]], bool]]
_ON, _RECORD = bindparam("on", type_=Date), bindparam("record_id", type_=String)


def _neighbours(dated: bool) -> tuple[_Probes, _Probes]:
    """The probes for the edge before and for the edge after the order key (on, record_id): each a list
    of (condition, newest first?) tried in turn, the first that finds an edge winning."""

    def dated_before(e: Any) -> Any:
        return and_(e.c.asserted_on <= _ON, or_(e.c.asserted_on < _ON, e.c.record_id < _RECORD))

    def dated_after(e: Any) -> Any:
        return and_(e.c.asserted_on >= _ON, or_(e.c.asserted_on > _ON, e.c.record_id > _RECORD))

    def undated_before(e: Any) -> Any:
        return and_(e.c.asserted_on.is_(None), e.c.record_id < _RECORD)

    def undated_after(e: Any) -> Any:
        return and_(e.c.asserted_on.is_(None), e.c.record_id > _RECORD)

    def undated(e: Any) -> Any:
        return e.c.asserted_on.is_(None)

    def any_dated(e: Any) -> Any:
        return e.c.asserted_on.is_not(None)

    if dated:  # undated edges all come before a dated one
        return [(dated_before, True), (undated, True)], [(dated_after, False)]
    return [(undated_before, True)], [(undated_after, False), (any_dated, False)]


@cache
def _statement(dated: bool) -> Any:
    """Built once per shape (the ingest runs it per record: building it each time cost more than
    running it), its values bound at execution: `on`, `record_id`, `ids`."""
    before, after = _neighbours(dated)
    node = _NODES.alias()
    p_id, s_id = (_first(node, probes) for probes in (before, after))
    p_edge, s_edge = _EDGES.alias(), _EDGES.alias()
    return (
        select(node.c.id, node.c.kind, node.c.label, node.c.flags, p_edge.c.attributes, s_edge.c.attributes)
        .select_from(node.outerjoin(p_edge, p_edge.c.id == p_id).outerjoin(s_edge, s_edge.c.id == s_id))
        .where(node.c.id.in_(bindparam("ids", expanding=True)),
               node.c.kind.in_(("enterprise", "person", "address", "licence")))
    )  # fmt: skip


def settle_added(
    session: Session, added: Mapping[int, Mapping[str, Any]], on: date | None, record_id: str
) -> set[int]:
    """Settle each node of `added` (node id → the attributes of the one labelled edge this record adds
    into it; the node had no edge of this record before). Returns the nodes whose stored values cannot
    be updated this way (see the module docstring): the caller settles those from all their edges."""
    wanted = {node: attrs for node, attrs in added.items() if attrs.get("label")}
    if not wanted:
        return set()
    rows = session.execute(
        _statement(on is not None), {"on": on, "record_id": record_id, "ids": sorted(wanted)}
    ).all()
    fallback: set[int] = set()
    for node_id, kind, old_label, old_flags, p_attrs, s_attrs in rows:
        x = wanted[node_id]
        label = str(x["label"])[:500] if s_attrs is None else old_label
        flags = set(old_flags or []) | set(x.get("flags", []))
        if kind == "enterprise":
            p, s = dict(p_attrs or {}), dict(s_attrs or {})
            new_pairs = (p_attrs is not None and _conflict(p, x)) or (s_attrs is not None and _conflict(x, s))
            if new_pairs:
                flags.add(CONFLICT)
            elif p_attrs is not None and s_attrs is not None and _conflict(p, s) and CONFLICT in flags:
                fallback.add(node_id)  # the conflict may have been (P, S)'s alone
                continue
        values: dict[str, Any] = {}
        if label != old_label:
            values["label"] = label
        if sorted(flags) != list(old_flags or []):
            values["flags"] = sorted(flags)
        if values:
            session.execute(update(_NODES).where(_NODES.c.id == node_id).values(**values))
    return fallback


def _first(node: Any, probes: _Probes) -> Any:
    found = [_probe(node, when, newest) for when, newest in probes]
    return found[0] if len(found) == 1 else func.coalesce(*found)


def _conflict(earlier: Mapping[str, Any], later: Mapping[str, Any]) -> bool:
    """`name_conflict` for one consecutive pair: a different name that no 变更 record brought."""
    return later.get("label") != earlier.get("label") and not later.get("change")
