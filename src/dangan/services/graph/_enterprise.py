"""The enterprise 360° view as data: everything the viewer may read about one enterprise, across departments.

Every part comes from the viewer's readable edges only (see `_related`): approvals on a timeline,
licences with their validity (expiring within 90 days marked), names, representatives and addresses over
time with the changes 变更 records made, related enterprises (a shared representative or address), and
the flags the archivist should look at.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from dangan.access import Principal, mask_text, record_filter, should_mask
from dangan.core import ValidationFailed, as_local, utcnow
from dangan.graph import (
    FLAG_MESSAGES,
    Assertion,
    EdgeRow,
    Period,
    change_events,
    edges_around,
    edges_touching,
    nodes_by_id,
    periods,
    settle,
)
from dangan.services.archive import Archive

from ._related import resolve
from ._view import node_json, records_by_id, view_labels

EXPIRING_DAYS = 90
_LIMIT = 20000
_RELATED_LIMIT = 500  # edges from the enterprise's people and addresses to other enterprises


def _assertions(edges: list[EdgeRow], other_end: str) -> list[Assertion]:
    return [
        Assertion(e.record_id, e.asserted_on, e.attributes, e.to_id if other_end == "to" else e.from_id)
        for e in edges
    ]


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _periods_json(history: list[Period], shown: dict[int, Any] | None = None) -> list[dict[str, Any]]:
    last = len(history) - 1
    return [
        {
            **(
                {"id": shown[p.value]["id"], "label": shown[p.value]["label"]}
                if shown
                else {"label": p.label}
            ),
            "from": _iso(p.first),
            "to": _iso(p.last),
            "changed_on": _iso(p.changed_on),
            "records": p.records,
            "current": i == last,
        }
        for i, p in enumerate(history)
    ]


def enterprise_view(
    archive: Archive, user: Principal, uscc: str, *, today: date | None = None
) -> dict[str, Any]:
    """The 360° view of the enterprise (by USCC, its graph id, or a name naming one enterprise)."""
    readable = record_filter(user)
    today = today or as_local(utcnow(), archive.settings.timezone).date()
    with archive.db.read() as s:
        node = resolve(s, user, readable, uscc)
        if node.kind != "enterprise":
            raise ValidationFailed(
                f"“{uscc.strip()}”不是企业（是{node.kind}），请给出统一社会信用代码", code="not_enterprise"
            )
        edges = edges_touching(s, [node.id], readable, limit=_LIMIT)
        by_kind: dict[str, list[EdgeRow]] = {}
        for e in edges:
            by_kind.setdefault(e.kind, []).append(e)
        people = {e.to_id for e in by_kind.get("representative", [])}
        places = {e.to_id for e in by_kind.get("address", [])}
        # a business centre may host thousands: the others are read oldest first up to a cap, and said so
        others, cut = edges_around(
            s, people | places, readable, limit=_RELATED_LIMIT, kinds=("representative", "address")
        )
        shared = [e for e in others if e.from_id != node.id]
        nodes = nodes_by_id(s, {n for e in [*edges, *shared] for n in (e.from_id, e.to_id)} | {node.id})
        labels = view_labels(s, user, readable, nodes.values(), with_flags=False)
        shown = {i: node_json(n, labels) for i, n in nodes.items()}
        records = records_by_id(s, {e.record_id for e in by_kind.get("applicant", [])})
    approvals = []
    for e in by_kind.get("applicant", []):
        r = records.get(e.record_id)
        if r is None:
            continue
        approvals.append({
            "record_id": r.id, "archival_code": r.archival_code, "date": _iso(r.decided_at),
            "accepted_at": _iso(r.accepted_at), "department": r.department.name, "matter": r.matter.name,
            "result": r.result, "title": mask_text(r.title, r) if should_mask(user, r) else r.title,
            "change": bool(e.attributes.get("change")),
        })  # fmt: skip
    approvals.sort(key=lambda a: (a["date"] or "", a["record_id"]))
    names = periods(_assertions(by_kind.get("applicant", []), "from"), key="label")
    representatives = periods(_assertions(by_kind.get("representative", []), "to"))
    addresses = periods(_assertions(by_kind.get("address", []), "to"))
    for history in (representatives, addresses):
        for p in history:
            p.label = shown[p.value]["label"]
    _, flags = settle("enterprise", _assertions(by_kind.get("applicant", []), "from"))
    return {
        "enterprise": {
            **shown[node.id],
            "flags": [{"code": f, "message": FLAG_MESSAGES.get(f, f)} for f in flags],
        },
        "departments": sorted({a["department"] for a in approvals}),
        "approvals": approvals,
        "names": _periods_json(names),
        "representatives": _periods_json(representatives, shown),
        "addresses": _periods_json(addresses, shown),
        "changes": sorted(
            [
                *change_events("name", names),
                *change_events("representative", representatives),
                *change_events("address", addresses),
            ],
            key=lambda c: (c["on"], c["field"]),
        ),
        "licences": _licences(by_kind.get("licence", []), shown, today),
        "related": _related(shared, shown),
        "related_truncated": cut or len(others) >= _RELATED_LIMIT,
        "today": today.isoformat(),
    }


def _licences(edges: list[EdgeRow], shown: dict[int, Any], today: date) -> list[dict[str, Any]]:
    latest: dict[int, EdgeRow] = {}
    records: dict[int, list[str]] = {}
    for e in sorted(edges, key=lambda e: (_iso(e.asserted_on) or "", e.record_id)):
        latest[e.to_id] = e
        records.setdefault(e.to_id, []).append(e.record_id)
    out = []
    for node_id, e in latest.items():
        until = e.attributes.get("valid_until")
        until_date = date.fromisoformat(until) if until else None
        out.append({
            **shown[node_id], "number": shown[node_id]["label"], "valid_from": e.attributes.get("valid_from"),
            "valid_until": until, "expired": until_date is not None and until_date < today,
            "expiring": until_date is not None and today <= until_date <= today + timedelta(days=EXPIRING_DAYS),
            "records": records[node_id],
        })  # fmt: skip
    return sorted(out, key=lambda x: (x["valid_until"] or "9999", x["number"]))


def _related(shared: list[EdgeRow], shown: dict[int, Any]) -> list[dict[str, Any]]:
    """Other enterprises (or individual applicants) sharing a representative or an address."""
    found: dict[tuple[int, str, int], list[str]] = {}
    for e in shared:
        found.setdefault((e.from_id, e.kind, e.to_id), []).append(e.record_id)
    return [
        {**shown[other], "via": kind, "through": shown[through], "records": sorted(set(records))}
        for (other, kind, through), records in sorted(found.items())
    ]
