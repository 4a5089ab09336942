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
from dangan.graph import LABELLED, Assertion, NodeRow, edges_into, settle
from dangan.store.catalog import Record

KIND_LABELS = {
    "enterprise": "企业", "person": "人员", "address": "地址", "matter": "审批事项", "licence": "许可证",
    "department": "部门", "district": "行政区划", "industry": "行业", "record": "档案",
}  # fmt: skip
_SETTLED = ("enterprise", "person", "address", "licence")


def records_by_id(session: Session, ids: Iterable[str]) -> dict[str, Record]:
    wanted = sorted(set(ids))
    out: dict[str, Record] = {}
    for start in range(0, len(wanted), 500):
        for record in session.scalars(select(Record).where(Record.id.in_(wanted[start : start + 500]))):
            out[record.id] = record
    return out


def view_labels(
    session: Session, user: Principal, readable: ColumnElement[bool], nodes: Iterable[NodeRow]
) -> dict[int, tuple[str, list[str]]]:
    """(label, flags) of each node as `user` may see it."""
    nodes = list(nodes)
    settled = [n.id for n in nodes if n.kind in _SETTLED]
    by_node: dict[int, list[Assertion]] = {}
    for e in edges_into(session, settled, readable, LABELLED):
        by_node.setdefault(e.to_id, []).append(Assertion(e.record_id, e.asserted_on, e.attributes))
    source: dict[int, str] = {}  # the record a label comes from
    for node_id, assertions in by_node.items():
        source[node_id] = max(
            (a for a in assertions if a.attributes.get("label")), key=lambda a: a.order
        ).record_id
    need = set(source.values()) | {n.key for n in nodes if n.kind == "record"}
    records = records_by_id(session, need)
    out: dict[int, tuple[str, list[str]]] = {}
    for n in nodes:
        label, flags = n.label, list(n.flags)
        if n.id in by_node:
            settled_label, flags = settle(n.kind, by_node[n.id])
            label = settled_label or label
        record = records.get(source.get(n.id, n.key))
        if record is not None and n.kind in ("address", "person", "record") and should_mask(user, record):
            label = mask_address(label) if n.kind == "address" else mask_text(label, record)
        out[n.id] = (label, flags)
    return out


def node_json(node: NodeRow, labels: dict[int, tuple[str, list[str]]]) -> dict[str, Any]:
    return {"id": node.public_id, "kind": node.kind, "label": labels.get(node.id, (node.label, []))[0]}
