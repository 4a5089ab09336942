"""`related`: the neighbourhood of one node, one or two steps out, as one viewer may see it.

An edge counts only through records the viewer may read (the policy's `record_filter`, as SQL on the
edge's record), a node shows only if such an edge reaches it, and each edge lists exactly the readable
records asserting it. Hubs (matter, department, district, industry) are shown but never walked through.

A name that names several nodes is a usage error listing them with their ids (exit 2 on the command
line): guessing "the best" would show one enterprise's relations under another's name.

Two hops walk outward: the second step reads the edges of the first ring's nodes except those back to
the centre (the first step read them all already, so they would only spend the second step's budget).
From an enterprise that is its records' matters and departments, and through its address, people and
licences the other enterprises sharing them — the "shared address" and "shared representative"
relations of the 360° page. Address edges run one way only (enterprise → address), so from an address
the second step is exactly the enterprises registered there; nothing would be saved by restricting
directions further. A ring larger than the second step's budget is shown in part (a sample of it, see
`edges_around(sample=True)`) and marked truncated.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from dangan.access import Principal, record_filter
from dangan.core import NotFound, Problem, ValidationFailed
from dangan.graph import (
    EdgeRow,
    NodeRow,
    edges_around,
    edges_into,
    find_nodes,
    nodes_by_id,
    readable_nodes,
    simplify,
    walkable,
)
from dangan.services.archive import Archive
from dangan.store.catalog import GraphEdge, Record

from ._view import KIND_LABELS, node_json, view_labels

# Edges read per walk; beyond it (or when a hub's edges were read only in part, see `edges_around`) the
# answer says "truncated". Every edge shown costs its nodes' labels under the viewer's rights, so the cap
# is what keeps the heaviest centre's answer near the typical one's time (bench/graph.py --records).
EDGE_LIMIT = 1000
# The second step's share: enough to show who surrounds the first ring, bounded so that an enterprise at
# a business centre (whose address reaches thousands) answers in about 15 ms of CPU at 10^6 records: the
# cost is now mostly one label probe per node shown (`latest_labelled`), ~280 of them in such a ring.
SECOND_HOP_LIMIT = 300


def resolve(session: Session, user: Principal, readable: ColumnElement[bool], id_or_name: str) -> NodeRow:
    """The one node the user's word names among those he may see; NotFound or a listing otherwise."""
    text = id_or_name.strip()
    candidates = {n.id: n for n in find_nodes(session, text)}
    names = sorted({text, simplify(text)})
    # former names and names only a confirmed description gives: through the records that use them
    by_record = select(Record.id).where(
        or_(Record.applicant_name.in_(names), Record.legal_representative.in_(names)), readable
    )
    ids = session.scalars(
        select(GraphEdge.to_id).where(
            GraphEdge.record_id.in_(by_record), GraphEdge.kind.in_(("applicant", "representative"))
        )
    ).all()
    candidates.update(nodes_by_id(session, set(ids) - set(candidates)))
    visible = readable_nodes(session, candidates, readable)
    found = [n for i, n in sorted(candidates.items()) if i in visible and _named(session, readable, n, text)]
    if not found:
        raise NotFound(f"知识图谱中没有“{text}”，或您无权查看与其相关的档案", code="graph_not_found")
    if len(found) > 1:
        labels = view_labels(session, user, readable, found, with_flags=False)
        problems = [
            Problem(
                "ambiguous", f"{KIND_LABELS[n.kind]} {labels[n.id][0]}（编号 {n.public_id}）", n.public_id
            )
            for n in found[:20]
        ]
        raise ValidationFailed(
            f"“{text}”对应 {len(found)} 个图谱节点，请改用下列编号之一查询",
            code="ambiguous",
            problems=problems,
        )
    return found[0]


def _named(session: Session, readable: ColumnElement[bool], node: NodeRow, text: str) -> bool:
    """An id names its node; a name must be one the viewer's readable records give it."""
    if text in (node.key, node.public_id) or node.kind not in ("enterprise", "person", "address", "licence"):
        return True
    names = {text, simplify(text)}
    return any(
        e.attributes.get("label") in names
        for e in edges_into(
            session, [node.id], readable, ("applicant", "representative", "address", "licence")
        )
    )


def related(archive: Archive, user: Principal, id_or_name: str, hops: int = 1) -> dict[str, Any]:
    """{"center", "nodes", "edges"} of the node named (DESIGN.md §4), plus "hops" and "truncated"."""
    if hops not in (1, 2):
        raise ValidationFailed("跳数（--hops）只能是 1 或 2", code="invalid_hops")
    readable = record_filter(user)
    with archive.db.read() as s:
        center = resolve(s, user, readable, id_or_name)
        edges, short = edges_around(s, [center.id], readable, limit=EDGE_LIMIT, attributes=False)
        ends = {n for e in edges for n in (e.from_id, e.to_id)}
        nodes = nodes_by_id(s, ends | {center.id})
        if hops == 2 and len(edges) < EDGE_LIMIT and not short:
            frontier = {n for n in ends - {center.id} if walkable(nodes[n])}
            budget = min(SECOND_HOP_LIMIT, EDGE_LIMIT - len(edges))
            more, short = edges_around(
                s, frontier, readable, limit=budget, attributes=False, beyond=[center.id], sample=True
            )
            short = short or len(more) >= budget
            edges += more
            nodes.update(nodes_by_id(s, {n for e in edges for n in (e.from_id, e.to_id)} - set(nodes)))
        labels = view_labels(s, user, readable, nodes.values(), with_flags=False)
    return {
        "center": node_json(center, labels),
        "nodes": [node_json(nodes[i], labels) for i in sorted(nodes, key=lambda i: (nodes[i].kind, i))],
        "edges": _edges_json(edges, nodes),
        "hops": hops,
        "truncated": short or len(edges) >= EDGE_LIMIT,
    }


def _edges_json(edges: list[EdgeRow], nodes: dict[int, NodeRow]) -> list[dict[str, Any]]:
    grouped: dict[tuple[str, int, int], set[str]] = {}
    for e in edges:
        grouped.setdefault((e.kind, e.from_id, e.to_id), set()).add(e.record_id)
    public = {i: n.public_id for i, n in nodes.items()}
    return [
        {"kind": kind, "from": public[a], "to": public[b], "records": sorted(records)}
        for (kind, a, b), records in sorted(grouped.items())
    ]
