"""Insight lists over the graph (issue #18 item 7): licences expiring soon, addresses where many
enterprises are registered, people who represent many enterprises — each under the viewer's rights.

Every number is one GROUP BY (or window) over `graph_edge` joined to its record and kept only where the
access policy's `record_filter` holds, so a count, a label or a row never rests on a record the viewer may
not read: a licence renewed by a 秘密 record keeps, for a clerk, the validity his own records give it, and a
person known only from such a record is simply not there. The scan starts from the nodes of the list's
kind (the (kind, key) index) and reaches their edges through the (to_id, kind) index.

Rules, as the lists read them:

* A licence belongs to each department whose readable records assert it; within one department its
  validity is what the latest of those records says (decision date, then record id — the rule of
  `dangan.graph.settle`). Day 0 (expiring today) and day N are in the window, day N+1 is not.
* An enterprise counts at an address when any readable record registers it there (a moved enterprise
  still counts: the inspector wants the history), and a person counts for every enterprise a readable
  record names him legal representative of. People are one node only as the graph's matching rule says
  (the same valid ID number), so namesakes are never added up.

Labels come from `view_labels` for the rows of the page only: settled from the viewer's readable records
and masked as the record page masks them. A row lists at most MEMBERS enterprises (the most recently
asserted first) and their records; its "count" and "record_count" are always the whole numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, literal_column, or_, select
from sqlalchemy.orm import Session, aliased

from dangan.access import Principal, mask_address, record_filter, should_mask
from dangan.core import ValidationFailed, as_local, utcnow
from dangan.graph import NodeRow, latest_labelled, nodes_by_id
from dangan.services.archive import Archive
from dangan.store.catalog import Department, GraphEdge, GraphNode, Record

from ._view import node_json, records_by_id, view_labels

INSIGHT_LISTS = {
    "expiring": "即将到期的许可证",
    "addresses": "多家企业登记的地址",
    "people": "担任多家企业法定代表人的人员",
}
DEFAULT_DAYS = 90
DEFAULT_MIN = 3
PER_PAGE = 50
MAX_PER_PAGE = 500
MAX_DAYS = 3650
MEMBERS = 20  # enterprises listed per address or person (the count is always the whole number)
_SHARED = {"addresses": ("address", "address"), "people": ("representative", "person")}


@dataclass(frozen=True)
class InsightQuery:
    """The list's parameters as the user gave them (checked by `check`)."""

    days: int = DEFAULT_DAYS
    min_count: int = DEFAULT_MIN
    include_expired: bool = False
    page: int = 1
    per_page: int = PER_PAGE

    def check(self, which: str) -> None:
        if which not in INSIGHT_LISTS:
            raise ValidationFailed(
                f"未知的洞察清单：{which}（可选 expiring、addresses、people）", code="unknown_list"
            )
        if not 0 <= self.days <= MAX_DAYS:
            raise ValidationFailed(f"天数（--days）须在 0 到 {MAX_DAYS} 之间", code="invalid_days")
        if not 2 <= self.min_count <= 100000:
            raise ValidationFailed("门槛（--min）须为不小于 2 的整数", code="invalid_min")
        if self.page < 1 or not 1 <= self.per_page <= MAX_PER_PAGE:
            raise ValidationFailed(
                f"页码须不小于 1，每页条数须在 1 到 {MAX_PER_PAGE} 之间", code="invalid_page"
            )


def graph_insight(
    archive: Archive, user: Principal, which: str, query: InsightQuery | None = None, *,
    today: date | None = None,
) -> dict[str, Any]:  # fmt: skip
    """One page of the list: {"list", "title", "params", "total", "page", "per_page", "pages", "rows"}
    (and "groups", the count per department, for the expiring licences)."""
    query = query or InsightQuery()
    query.check(which)
    return insight_rows(archive, user, which, query, today=today, offset=(query.page - 1) * query.per_page,
                        limit=query.per_page)  # fmt: skip


def insight_rows(
    archive: Archive, user: Principal, which: str, query: InsightQuery, *, today: date | None,
    offset: int, limit: int,
) -> dict[str, Any]:  # fmt: skip
    """The list from `offset`, at most `limit` rows (the export asks for more than a page holds)."""
    readable = record_filter(user)
    today = today or as_local(utcnow(), archive.settings.timezone).date()
    params: dict[str, Any] = {"today": today.isoformat()}
    with archive.db.read() as s:
        if which == "expiring":
            params |= {"days": query.days, "include_expired": query.include_expired}
            total, rows, groups = _expiring(s, user, readable, query, today, offset, limit)
        else:
            params["min"] = query.min_count
            total, rows = _shared(s, user, readable, which, query.min_count, offset, limit)
            groups = None
    doc: dict[str, Any] = {
        "list": which, "title": INSIGHT_LISTS[which], "params": params, "total": total,
        "page": query.page, "per_page": query.per_page, "pages": max(1, -(-total // query.per_page)),
        "rows": rows,
    }  # fmt: skip
    if groups is not None:
        doc["groups"] = groups
    return doc


def _kind_is(kind: str) -> ColumnElement[bool]:
    """`kind = '<kind>'` with the kind written out, not bound: the per-kind partial indexes of migration
    0026 serve only a query whose WHERE spells their condition. (So no other query, with a bound kind, is
    led by them away from its own index by a guess: SQLite has no statistics unless ANALYZE ran.)"""
    if not kind.isidentifier():  # one of this module's own constants, never user input
        raise ValueError(kind)
    return GraphEdge.kind == literal_column(f"'{kind}'")


def _valid_until(dialect: str) -> ColumnElement[Any]:
    """A licence edge's end of validity, written exactly as `ix_graph_edge_valid_until` (migration 0026)
    indexes it: an expression index serves only the same expression, and a bound JSON path is not."""
    if dialect == "postgresql":
        return literal_column("(graph_edge.attributes ->> 'valid_until')")
    return literal_column("json_extract(graph_edge.attributes, '$.valid_until')")


def _latest_validity(readable: ColumnElement[bool], dialect: str, first: str | None, last: str) -> Any:
    """Per (department, holder, licence): the latest readable assertion's validity, where it ends between
    `first` (None: any time before) and `last`.

    Read from the window's end: the readable assertions ending in it (through the expression index), each
    kept unless a later readable assertion of the same licence, holder and department exists (one indexed
    probe) — instead of ranking all 700,000 licence edges of 10^6 records to keep the newest of each.
    "Later" is `settle`'s order: decision date (undated first), then record id."""
    until = _valid_until(dialect)
    window = [until <= last] if first is None else [until >= first, until <= last]
    found = (
        select(
            Record.department_id, GraphEdge.from_id, GraphEdge.to_id, GraphEdge.record_id, GraphEdge.asserted_on,
            GraphEdge.attributes["valid_from"].as_string().label("valid_from"), until.label("valid_until"),
        )
        .join(Record, Record.id == GraphEdge.record_id)
        .where(_kind_is("licence"), *window, readable)
        .subquery()
    )  # fmt: skip
    later = or_(
        and_(found.c.asserted_on.is_(None),
             or_(GraphEdge.asserted_on.is_not(None), GraphEdge.record_id > found.c.record_id)),
        GraphEdge.asserted_on > found.c.asserted_on,
        and_(GraphEdge.asserted_on == found.c.asserted_on, GraphEdge.record_id > found.c.record_id),
    )  # fmt: skip
    newer = (
        select(GraphEdge.id)
        .join(Record, Record.id == GraphEdge.record_id)
        .where(_kind_is("licence"), GraphEdge.to_id == found.c.to_id, GraphEdge.from_id == found.c.from_id,
               Record.department_id == found.c.department_id, later, readable)
        .exists()
    )  # fmt: skip
    dept = aliased(Department)  # never the policy's own Department subquery: it must not correlate
    licence = aliased(GraphNode)
    return (
        select(dept.name.label("department"), found.c.from_id, found.c.to_id, found.c.valid_from,
               found.c.valid_until)
        .join(dept, dept.id == found.c.department_id)
        .join(licence, and_(licence.id == found.c.to_id, licence.kind == "licence"))
        .where(~newer)
        .subquery()
    )  # fmt: skip


def _expiring(
    s: Session, user: Principal, readable: ColumnElement[bool], query: InsightQuery, today: date,
    offset: int, limit: int,
) -> tuple[int, list[dict[str, Any]], list[dict[str, Any]]]:  # fmt: skip
    horizon = (today + timedelta(days=query.days)).isoformat()
    first = None if query.include_expired else today.isoformat()
    found = _latest_validity(readable, s.get_bind().dialect.name, first, horizon)
    groups = [{"department": d, "count": n} for d, n in s.execute(
        select(found.c.department, func.count()).group_by(found.c.department).order_by(found.c.department))]  # fmt: skip
    total = sum(g["count"] for g in groups)
    page = s.execute(
        select(found).order_by(found.c.department, found.c.valid_until, found.c.to_id, found.c.from_id)
        .offset(offset).limit(limit)
    ).all()  # fmt: skip
    records = _licence_records(s, readable, {r.to_id for r in page})
    nodes = nodes_by_id(s, {n for r in page for n in (r.from_id, r.to_id)})
    labels = view_labels(s, user, readable, nodes.values(), with_flags=False)
    rows = []
    for r in page:
        holder, licence = node_json(nodes[r.from_id], labels), node_json(nodes[r.to_id], labels)
        left = (date.fromisoformat(r.valid_until) - today).days
        rows.append({
            "department": r.department, "enterprise_id": holder["id"], "enterprise": holder["label"],
            "licence_id": licence["id"], "licence_number": licence["label"], "valid_from": r.valid_from,
            "valid_until": r.valid_until, "days_left": left, "expired": left < 0,
            "records": records.get((r.department, r.from_id, r.to_id), []),
        })  # fmt: skip
    return total, rows, groups


def _licence_records(
    s: Session, readable: ColumnElement[bool], licences: set[int]
) -> dict[tuple[str, int, int], list[str]]:
    dept = aliased(Department)
    out: dict[tuple[str, int, int], list[str]] = {}
    wanted = sorted(licences)
    for start in range(0, len(wanted), 500):
        rows = s.execute(
            select(dept.name, GraphEdge.from_id, GraphEdge.to_id, GraphEdge.record_id)
            .join(Record, Record.id == GraphEdge.record_id)
            .join(dept, dept.id == Record.department_id)
            .where(GraphEdge.to_id.in_(wanted[start : start + 500]), GraphEdge.kind == "licence", readable)
            .order_by(GraphEdge.record_id)
        )  # fmt: skip
        for department, holder, licence, record_id in rows:
            found = out.setdefault((department, holder, licence), [])
            if record_id not in found:
                found.append(record_id)
    return out


def _shared_edges(
    readable: ColumnElement[bool], edge_kind: str, end_kind: str
) -> Select[int, int, str, date | None]:
    """Readable edges from an enterprise to a node of `end_kind` (its address, its representative)."""
    end = aliased(GraphNode)
    query = (
        select(GraphEdge.to_id, GraphEdge.from_id, GraphEdge.record_id, GraphEdge.asserted_on)
        .select_from(end)
        .join(GraphEdge, and_(GraphEdge.to_id == end.id, GraphEdge.kind == edge_kind))
        .join(Record, Record.id == GraphEdge.record_id)
        .where(end.kind == end_kind, readable)
    )
    if edge_kind == "representative":  # only an enterprise has one (an individual applicant has none)
        return query
    ent = aliased(GraphNode)  # an individual applicant's home address is not an enterprise's
    return query.join(ent, ent.id == GraphEdge.from_id).where(ent.kind == "enterprise")


def _shared_counts(readable: ColumnElement[bool], edge_kind: str, end_kind: str, min_count: int) -> Any:
    """Per node of `end_kind`: how many enterprises its readable edges of `edge_kind` come from ("count",
    at least `min_count`) and how many readable records assert them ("records").

    Bounded before the access check: a node with fewer than `min_count` enterprises over all its edges
    cannot reach it over the readable ones, and that is counted from the kind's partial index alone. The
    edges of the remaining nodes (read along the same index: `to_id + 0` keeps the planner off
    `ix_graph_edge_to`, whose seeks would read every edge's row) are checked against their records in
    record-id order, so the record index is read in order instead of at random (at 10^6 records, 300,000 edges of busy addresses). A
    record asserts one subject, hence one edge of a kind per node: its records add up per enterprise."""
    bound = (
        select(GraphEdge.to_id)
        .where(_kind_is(edge_kind))
        .group_by(GraphEdge.to_id)
        .having(func.count(GraphEdge.from_id.distinct()) >= min_count)
    )
    edges = (
        select(GraphEdge.to_id, GraphEdge.from_id, GraphEdge.record_id)
        .where(_kind_is(edge_kind), (GraphEdge.to_id + 0).in_(bound))  # + 0: read along the partial index
        .order_by(GraphEdge.record_id)
        .cte(f"{end_kind}_edges")
        .prefix_with("MATERIALIZED")
    )
    pairs = (
        select(edges.c.to_id, edges.c.from_id, func.count(edges.c.record_id.distinct()).label("records"))
        .join(Record, Record.id == edges.c.record_id)
        .where(readable)
        .group_by(edges.c.to_id, edges.c.from_id)
        .subquery()
    )
    end = aliased(GraphNode)
    count = func.count()
    grouped = select(pairs.c.to_id, count.label("count"), func.sum(pairs.c.records).label("records")).join(
        end, and_(end.id == pairs.c.to_id, end.kind == end_kind)
    )
    if edge_kind != "representative":  # only an enterprise has one; an individual's home is not counted
        ent = aliased(GraphNode)
        grouped = grouped.join(ent, and_(ent.id == pairs.c.from_id, ent.kind == "enterprise"))
    return grouped.group_by(pairs.c.to_id).having(count >= min_count).subquery()


def _shared(
    s: Session, user: Principal, readable: ColumnElement[bool], which: str, min_count: int, offset: int,
    limit: int,
) -> tuple[int, list[dict[str, Any]]]:  # fmt: skip
    edge_kind, end_kind = _SHARED[which]
    grouped = _shared_counts(readable, edge_kind, end_kind, min_count)
    page = s.execute(
        select(grouped, func.count().over().label("total"))
        .order_by(grouped.c.count.desc(), grouped.c.records.desc(), grouped.c.to_id)
        .offset(offset).limit(limit)
    ).all()  # fmt: skip
    # past the end (or nothing): the count alone
    total = page[0].total if page else s.scalar(select(func.count()).select_from(grouped)) or 0
    members = _members(s, readable, edge_kind, end_kind, [r.to_id for r in page])
    nodes = nodes_by_id(s, {r.to_id for r in page} | {e for m in members.values() for e in m})
    if end_kind == "address":
        labels = view_labels(s, user, readable, [n for n in nodes.values() if n.kind != "address"],
                             with_flags=False)  # fmt: skip
        labels |= _address_labels(s, user, readable, [nodes[r.to_id] for r in page])
    else:
        labels = view_labels(s, user, readable, nodes.values(), with_flags=False)
    rows = []
    for r in page:
        shown = node_json(nodes[r.to_id], labels)
        enterprises = [
            {**node_json(nodes[e], labels), "records": recs} for e, recs in members[r.to_id].items()
        ]
        rows.append({
            f"{end_kind}_id": shown["id"], end_kind: shown["label"], "count": r.count,
            "record_count": int(r.records), "enterprises": enterprises,
            "records": sorted({x for e in enterprises for x in e["records"]}),
        })  # fmt: skip
    return total, rows


def _address_labels(
    s: Session, user: Principal, readable: ColumnElement[bool], nodes: list[NodeRow]
) -> dict[int, tuple[str, list[str]]]:
    """`view_labels` for addresses, from the node itself: an address's key is the keyed hash of its
    normalised form, so every record gives it the same label; only the masking depends on the viewer,
    through the latest readable record asserting it (as `view_labels` decides: one probe per address)."""
    latest = latest_labelled(s, [n.id for n in nodes], readable, ("address",))
    records = records_by_id(s, {record_id for _, record_id in latest.values()})
    out = {}
    for n in nodes:
        record = records.get(latest[n.id][1]) if n.id in latest else None
        masked = record is None or should_mask(user, record)  # no source: shown as little as possible
        out[n.id] = (mask_address(n.label) if masked else n.label, list(n.flags))
    return out


def _members(
    s: Session, readable: ColumnElement[bool], edge_kind: str, end_kind: str, ends: list[int]
) -> dict[int, dict[int, list[str]]]:
    """Per node, its MEMBERS most recently asserted enterprises (newest first, then by id) with their
    readable records: a business centre may host thousands, which no page (nor a spreadsheet cell) should
    list — nor read: each node's edges are walked newest first and the walk stops once MEMBERS
    enterprises are found and the date has moved past the last one's."""
    out: dict[int, dict[int, list[str]]] = {}
    for end in ends:
        out[end] = {member: [] for member in _newest_members(s, readable, edge_kind, end_kind, end)}
    for start in range(0, len(ends), 100):
        chunk = ends[start : start + 100]
        members = sorted({m for e in chunk for m in out[e]})
        # from the members' side (`ix_graph_edge_from`): `to_id + 0` keeps the planner from reading every
        # edge of the busiest addresses on the page to find the few of their listed members
        found = _shared_edges(readable, edge_kind, end_kind).where(
            (GraphEdge.to_id + 0).in_(chunk), GraphEdge.from_id.in_(members)
        )
        for to_id, from_id, record_id, _ in s.execute(found.order_by(GraphEdge.record_id)):
            records = out[to_id].get(from_id)
            if records is not None and record_id not in records:
                records.append(record_id)
    return out


def _newest_members(
    s: Session, readable: ColumnElement[bool], edge_kind: str, end_kind: str, end: int
) -> list[int]:
    """The MEMBERS enterprises of `end` by their latest readable assertion (undated last), ties by id."""
    edges = _shared_edges(readable, edge_kind, end_kind).where(GraphEdge.to_id == end)
    last: dict[int, date] = {}
    step, offset, done = 4 * MEMBERS, 0, False
    while not done:  # dated edges, newest first (ix_graph_edge_to_order), a batch at a time
        rows = s.execute(
            edges.where(GraphEdge.asserted_on.is_not(None))
            .order_by(GraphEdge.asserted_on.desc(), GraphEdge.record_id.desc())
            .offset(offset).limit(step)
        ).all()  # fmt: skip
        done = len(rows) < step
        for _, from_id, _, asserted_on in rows:
            assert asserted_on is not None  # dated edges only
            if len(last) >= MEMBERS and asserted_on < sorted(last.values(), reverse=True)[MEMBERS - 1]:
                done = True  # past the MEMBERS-th enterprise's date: no later edge can rank above it
                break
            last.setdefault(from_id, asserted_on)
        offset += step
    dated = sorted(last, key=lambda f: (-last[f].toordinal(), f))[:MEMBERS]
    if len(dated) == MEMBERS:
        return dated
    undated = s.scalars(  # enterprises asserted here only by undated records: after the dated, by id
        select(edges.where(GraphEdge.asserted_on.is_(None)).subquery().c.from_id)
        .distinct()
        .order_by("from_id")
    ).all()
    return dated + [f for f in undated if f not in last][: MEMBERS - len(dated)]
