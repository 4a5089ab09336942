"""Answering the search box's graph questions (`dangan.graph.read_question`) under the one access policy.

The answer is the enterprises the question names — each with what links it (the person, the shared
representative, the address) and how many of its records the viewer may read — and, as the search's
hits, exactly those readable records, so the count stays exact and every hit opens as usual.

Only records the viewer may read take part, and for an address question only those whose personal data
he sees in clear (`should_mask`): a hit must never confirm an address his pages show masked. Names of
people and enterprises are not masked data; who is the same person is the graph's rule, as in `related`.
Nothing answers (None) when the graph holds no such person, enterprise or address for this viewer; the
search then reads the query as words.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import Session

from dangan.access import Principal, record_filter, should_mask
from dangan.graph import (
    AT_ADDRESS,
    REPRESENTED_BY,
    SAME_REPRESENTATIVE,
    GraphQuestion,
    find_nodes,
    nodes_by_id,
    normalise_address,
    readable_nodes,
    simplify,
)
from dangan.store.catalog import GraphEdge, GraphNode, Record

from ._view import node_json, records_by_id, view_labels

MAX_ENTERPRISES = 200  # listed; the hits still hold every record of every answering enterprise
_CANDIDATES = 5000  # edges read per step: an answer past it is marked truncated
_ADDRESS_NODES = 50  # address nodes a partial address may name


@dataclass
class GraphAnswer:
    question: GraphQuestion
    center: list[dict[str, Any]]  # the person(s), enterprise(s) or address(es) the question names
    enterprises: list[dict[str, Any]]  # {"id", "label", "via", "records"}
    enterprise_count: int
    records: Select[Any]  # the ids of every readable record in which those enterprises applied
    truncated: bool = False

    def as_json(self) -> dict[str, Any]:
        return self.question.as_json() | {
            "center": self.center,
            "enterprises": self.enterprises,
            "enterprise_count": self.enterprise_count,
            "truncated": self.truncated,
        }


def answer_question(session: Session, user: Principal, question: GraphQuestion) -> GraphAnswer | None:
    readable = record_filter(user)
    firms: set[int] = set()
    if question.kind == REPRESENTED_BY:
        links = _edges(
            session, readable, "representative", to_ids=_people_named(session, readable, question.subject)
        )
        centre = {e.to_id for e in links}
    elif question.kind == SAME_REPRESENTATIVE:
        firms = _enterprises_named(session, readable, question.subject)
        own = _edges(session, readable, "representative", from_ids=firms) if firms else []
        if not own:
            return None
        shared = _edges(session, readable, "representative", to_ids={e.to_id for e in own})
        links = [e for e in shared if e.from_id not in firms]
        centre = firms
    elif question.kind == AT_ADDRESS:
        places = _addresses_like(session, readable, question.subject)
        links = _seen_in_clear(session, user, _edges(session, readable, "address", to_ids=places))
        centre = {e.to_id for e in links}
    else:
        return None
    truncated = len(links) >= _CANDIDATES
    nodes = nodes_by_id(session, {e.from_id for e in links} | {e.to_id for e in links} | centre)
    links = [e for e in links if nodes[e.from_id].kind == "enterprise"]  # an individual's home is not asked
    if not links and question.kind != SAME_REPRESENTATIVE:
        return None
    if question.kind == AT_ADDRESS:
        centre = {e.to_id for e in links}
    labels = view_labels(session, user, readable, nodes.values())
    firm_ids = sorted({e.from_id for e in links})
    counts = _record_counts(session, readable, firm_ids)
    via: dict[int, set[int]] = {}
    for e in links:
        via.setdefault(e.from_id, set()).add(e.to_id)
    ranked = sorted(firm_ids, key=lambda i: (-counts.get(i, 0), labels[i][0]))
    listed = [
        node_json(nodes[i], labels)
        | {"via": [node_json(nodes[v], labels) for v in sorted(via[i])], "records": counts.get(i, 0)}
        for i in ranked[:MAX_ENTERPRISES]
    ]
    return GraphAnswer(
        question,
        [node_json(nodes[i], labels) for i in sorted(centre)],
        listed,
        len(firm_ids),
        _applications(readable, firm_ids),
        truncated,
    )


@dataclass(frozen=True)
class _Link:
    from_id: int
    to_id: int
    record_id: str


def _edges(
    session: Session,
    readable: ColumnElement[bool],
    kind: str,
    *,
    from_ids: Iterable[int] | None = None,
    to_ids: Iterable[int] | None = None,
) -> list[_Link]:
    stmt = (
        select(GraphEdge.from_id, GraphEdge.to_id, GraphEdge.record_id)
        .join(Record, Record.id == GraphEdge.record_id)
        .where(GraphEdge.kind == kind, readable)
    )
    if from_ids is not None:
        stmt = stmt.where(GraphEdge.from_id.in_(sorted(set(from_ids))))
    if to_ids is not None:
        stmt = stmt.where(GraphEdge.to_id.in_(sorted(set(to_ids))))
    rows = session.execute(stmt.order_by(GraphEdge.id).limit(_CANDIDATES))
    return [_Link(r.from_id, r.to_id, r.record_id) for r in rows]


def _seen_in_clear(session: Session, user: Principal, links: list[_Link]) -> list[_Link]:
    """Links asserted by records whose personal data this viewer sees in clear (module docstring)."""
    records = records_by_id(session, {e.record_id for e in links})
    clear = {rid for rid, r in records.items() if not should_mask(user, r)}
    return [e for e in links if e.record_id in clear]


def _people_named(session: Session, readable: ColumnElement[bool], name: str) -> set[int]:
    names = sorted({name, simplify(name)})
    by_label = {n.id for n in find_nodes(session, name) if n.kind == "person"}
    by_record = select(Record.id).where(Record.legal_representative.in_(names), readable)
    by_edge = session.scalars(
        select(GraphEdge.to_id).where(GraphEdge.kind == "representative", GraphEdge.record_id.in_(by_record))
    )
    return readable_nodes(session, by_label | set(by_edge), readable)


def _enterprises_named(session: Session, readable: ColumnElement[bool], name: str) -> set[int]:
    """Enterprises the word names (USCC or any name a readable record gives them)."""
    found: set[int] = {n.id for n in find_nodes(session, name) if n.kind == "enterprise"}
    names = sorted({name, simplify(name)})
    by_record = select(Record.id).where(or_(Record.applicant_name.in_(names)), readable)
    found |= set(
        session.scalars(
            select(GraphEdge.to_id).where(GraphEdge.kind == "applicant", GraphEdge.record_id.in_(by_record))
        )
    )
    nodes = nodes_by_id(session, found)
    return readable_nodes(session, {i for i, n in nodes.items() if n.kind == "enterprise"}, readable)


def _addresses_like(session: Session, readable: ColumnElement[bool], text: str) -> set[int]:
    """Address nodes whose normalised label holds the typed address (normalised the same way): "建设路88号"
    names every 建设路88号 in the archive, "海港区建设路88号" only the one in 海港区."""
    typed = normalise_address(text)
    pattern = "%" + typed.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    ids = session.scalars(
        select(GraphNode.id)
        .where(GraphNode.kind == "address", GraphNode.label.like(pattern, escape="\\"))
        .limit(_ADDRESS_NODES)
    )
    return readable_nodes(session, set(ids), readable)


def _record_counts(session: Session, readable: ColumnElement[bool], firms: list[int]) -> dict[int, int]:
    out: dict[int, int] = {}
    for start in range(0, len(firms), 500):
        rows = session.execute(
            _applications(readable, firms[start : start + 500])
            .with_only_columns(GraphEdge.to_id, func.count(func.distinct(GraphEdge.record_id)))
            .group_by(GraphEdge.to_id)
        )
        out.update({int(to_id): int(n) for to_id, n in rows})
    return out


def _applications(readable: ColumnElement[bool], firms: list[int]) -> Select[Any]:
    """The readable records in which these enterprises are the applicant."""
    return (
        select(GraphEdge.record_id)
        .join(Record, Record.id == GraphEdge.record_id)
        .where(GraphEdge.kind == "applicant", GraphEdge.to_id.in_(firms), readable)
    )
