"""How a node looks to one viewer: the label his readable records give it, masked as the record page masks.

Labels of enterprises, people, addresses and licences are settled again from the viewer's readable edges
only (`dangan.graph.settle`), so a name known only from a record he may not read never shows. Addresses
and people's labels, and records' titles, are masked with the record they come from, exactly as that
record's page would mask them for him (`should_mask`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from dangan.access import Principal, mask_address, mask_text, should_mask
from dangan.graph import (
    LABELLED,
    Assertion,
    NodeRow,
    edges_into,
    labelled_flags,
    latest_labelled,
    name_conflicts,
    settle,
)
from dangan.store.catalog import Record

KIND_LABELS = {
    "enterprise": "企业", "person": "人员", "address": "地址", "matter": "审批事项", "licence": "许可证",
    "department": "部门", "district": "行政区划", "industry": "行业", "record": "档案",
}  # fmt: skip
_SETTLED = ("enterprise", "person", "address", "licence")
_MASKED = ("address", "person", "record")


def records_by_id(session: Session, ids: Iterable[str]) -> dict[str, Record]:
    wanted = sorted(set(ids))
    out: dict[str, Record] = {}
    for start in range(0, len(wanted), 500):
        for record in session.scalars(select(Record).where(Record.id.in_(wanted[start : start + 500]))):
            out[record.id] = record
    return out


def view_labels(
    session: Session, user: Principal, readable: ColumnElement[bool], nodes: Iterable[NodeRow], *,
    with_flags: bool = True,
) -> dict[int, tuple[str, list[str]]]:  # fmt: skip
    """(label, flags) of each node as `user` may see it: what `settle` makes of his readable labelled
    edges, without reading them all. The label is the latest one's (and its record decides the masking):
    one probe per node, so a business centre's address or a serial representative costs a step or two, not
    a read of its thousands of edges and their records. Flags are the union over those edges, which only
    a node whose stored flags (the union over all its edges) are not empty can have; an enterprise's name
    conflict is decided over its name sequence in the database — the one cost that grows with the
    enterprises' approvals, which a caller showing labels only skips (`with_flags=False`: flags left
    empty). A record is loaded only where its masking can change the label."""
    nodes = list(nodes)
    settled_kinds = [n for n in nodes if n.kind in _SETTLED]
    latest = latest_labelled(session, [n.id for n in settled_kinds], readable, LABELLED)
    # a node no readable labelled edge names (in practice none): `settle` over whatever reaches it
    by_node: dict[int, list[Assertion]] = {}
    for e in edges_into(session, [n.id for n in settled_kinds if n.id not in latest], readable, LABELLED):
        by_node.setdefault(e.to_id, []).append(Assertion(e.record_id, e.asserted_on, e.attributes))
    flagged: dict[int, set[str]] = {}
    if with_flags:
        stored = [n.id for n in nodes if n.id in latest and n.flags]
        flagged = labelled_flags(session, stored, readable, LABELLED)
        enterprises = [n.id for n in nodes if n.id in latest and n.kind == "enterprise"]
        for node_id in name_conflicts(session, enterprises, readable, LABELLED):
            flagged.setdefault(node_id, set()).add("uscc_name_conflict")
    settled: dict[int, tuple[str | None, list[str]]] = {}
    source: dict[int, str] = {}  # the record a label comes from
    for n in settled_kinds:
        if n.id in latest:
            label, source[n.id] = latest[n.id]
            settled[n.id] = (label, sorted(flagged.get(n.id, ())))
        elif n.id in by_node:
            settled[n.id] = settle(n.kind, by_node[n.id])
    masked = [n for n in nodes if n.kind in _MASKED]  # only their labels depend on the record's masking
    need = {source.get(n.id, n.key) for n in masked if n.id in source or n.kind == "record"}
    records = records_by_id(session, need)
    out: dict[int, tuple[str, list[str]]] = {}
    for n in nodes:
        label, flags = n.label, list(n.flags)
        if n.id in settled:
            settled_label, flags = settled[n.id]
            label = settled_label or label
        if not with_flags:
            flags = []
        record = records.get(source.get(n.id, n.key))
        if record is not None and n.kind in _MASKED and should_mask(user, record):
            label = mask_address(label) if n.kind == "address" else mask_text(label, record)
        out[n.id] = (label, flags)
    return out


def node_json(node: NodeRow, labels: dict[int, tuple[str, list[str]]]) -> dict[str, Any]:
    return {"id": node.public_id, "kind": node.kind, "label": labels.get(node.id, (node.label, []))[0]}
