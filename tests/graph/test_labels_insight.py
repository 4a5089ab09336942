"""The insight lists read at scale by bounded queries (a later-assertion probe per expiring licence, counts
bounded from the index, members walked newest first): their rows must be what the rules say when computed
the plain way — every readable edge of the kind, grouped in Python — for each viewer, on SQLite and on
PostgreSQL. The archive adds to `test_labels`' one the cases the shortcuts could get wrong: a renewal
decided the same day as the licence it renews (the record id decides), an undated assertion (the oldest),
and an address whose members tie on their date or are known only from an undated record.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from dangan.access import Principal, record_filter
from dangan.core import as_local, utcnow
from dangan.graph import nodes_by_id
from dangan.services.archive import Archive
from dangan.services.graph import InsightQuery, graph_insight
from dangan.services.graph import _insight as insight_module
from dangan.store.catalog import Department, GraphEdge, GraphNode, Record
from tests.graph.test_labels import DEPT_A, MATTER, USERS, ZHANG, _build
from tests.services.graph_helpers import add_case, uscc

ADDR9 = "河北省秦皇岛市海港区河滨路9号"


def _more(archive: Archive, root: Path, today: date) -> None:
    """Licence JY-9 of E9: decided 2024-01-01 twice (T+10, then T+200), and undated (T+5); five firms at
    ADDR9, three of them on one day (two listed: the smallest ids), one known only from an undated record."""
    firms = [uscc(f"91130302MA0E9L{i}B1") for i in range(5)]
    plan: list[tuple[int, str, dict[str, Any]]] = [
        (0, "2024-01-01", {"许可证编号": "JY-9", "有效期至": (today + timedelta(days=10)).isoformat()}),
        (0, "2024-01-01", {"许可证编号": "JY-9", "有效期至": (today + timedelta(days=200)).isoformat()}),
        (0, "2020-01-01", {"许可证编号": "JY-9", "有效期至": (today + timedelta(days=5)).isoformat()}),
        (1, "2024-05-05", {}),
        (2, "2024-05-05", {}),
        (3, "2024-05-05", {}),
        (4, "2022-02-02", {}),
    ]
    ids = []
    for seed, (firm, decided, extra) in enumerate(plan, start=950):
        ids.append(add_case(
            archive, root, seed, department=DEPT_A, security_level="内部", matter=MATTER, extra=extra,
            open_to_public=False, district="130302", accepted_at=decided[:8] + "01", decided_at=decided,
            applicant={"name": f"河滨{firm}号有限公司", "type": "企业", "uscc": firms[firm], "address": ADDR9,
                       **ZHANG},
        ))  # fmt: skip
    with archive.db.write() as s:
        s.execute(update(GraphEdge).where(GraphEdge.record_id.in_([ids[2], ids[6]])).values(asserted_on=None))


def _readable_edges(archive: Archive, user: Principal, kind: str) -> list[Any]:
    with archive.db.read() as s:
        return list(s.execute(
            select(GraphEdge.from_id, GraphEdge.to_id, GraphEdge.record_id, GraphEdge.asserted_on,
                   GraphEdge.attributes, Department.name)
            .join(Record, Record.id == GraphEdge.record_id).join(Department, Department.id == Record.department_id)
            .where(GraphEdge.kind == kind, record_filter(user))
        ))  # fmt: skip


def _order(e: Any) -> tuple[str, str]:
    return (e.asserted_on.isoformat() if e.asserted_on else "", e.record_id)


def _expiring(
    archive: Archive, user: Principal, today: date, days: int, expired: bool
) -> list[tuple[Any, ...]]:
    latest: dict[tuple[str, int, int], Any] = {}
    for e in sorted(_readable_edges(archive, user, "licence"), key=_order):
        latest[(e.name, e.from_id, e.to_id)] = e
    horizon = (today + timedelta(days=days)).isoformat()
    out = []
    for (dept, holder, licence), e in latest.items():
        until = e.attributes.get("valid_until")
        if until and until <= horizon and (expired or until >= today.isoformat()):
            out.append((dept, until, licence, holder))
    return sorted(out)


def _shared(archive: Archive, user: Principal, min_count: int, members: int) -> list[tuple[Any, ...]]:
    with archive.db.read() as s:
        kinds = {i: k for i, k in s.execute(select(GraphNode.id, GraphNode.kind))}
    by_end: dict[int, list[Any]] = {}
    for e in _readable_edges(archive, user, "address"):
        if kinds[e.from_id] == "enterprise":
            by_end.setdefault(e.to_id, []).append(e)
    rows = []
    for end, edges in by_end.items():
        firms = {e.from_id for e in edges}
        if len(firms) < min_count:
            continue
        last = {f: max((e.asserted_on for e in edges if e.from_id == f and e.asserted_on), default=None)
                for f in firms}  # fmt: skip
        top = sorted(firms, key=lambda f: (last[f] is None, -(last[f] or date.min).toordinal(), f))[:members]
        listed = [(f, sorted({e.record_id for e in edges if e.from_id == f})) for f in top]
        rows.append((-len(firms), -len({e.record_id for e in edges}), end, listed))
    return [(end, -n, -r, listed) for n, r, end, listed in sorted(rows)]


@pytest.mark.parametrize("members", [2, 20])
def test_insight_lists_equal_the_plain_rule(
    any_archive: Archive, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, members: int
) -> None:
    archive = any_archive
    today = as_local(utcnow(), archive.settings.timezone).date()
    _build(archive, tmp_path / "cases")
    _more(archive, tmp_path / "more", today)
    monkeypatch.setattr(insight_module, "MEMBERS", members)
    with archive.db.read() as s:
        public = {i: n.public_id for i, n in nodes_by_id(s, s.scalars(select(GraphNode.id))).items()}
    by_public = {p: i for i, p in public.items()}
    for who, user in USERS.items():
        for days, expired in ((90, False), (3650, False), (3650, True)):
            doc = graph_insight(archive, user, "expiring", InsightQuery(days=days, include_expired=expired,
                                                                        per_page=500), today=today)  # fmt: skip
            got = [(r["department"], r["valid_until"], by_public[r["licence_id"]], by_public[r["enterprise_id"]])
                   for r in doc["rows"]]  # fmt: skip
            assert got == _expiring(archive, user, today, days, expired), (who, days, expired)
            assert doc["total"] == len(got)
        for min_count in (2, 3):
            doc = graph_insight(archive, user, "addresses", InsightQuery(min_count=min_count, per_page=500))
            shared = [(by_public[r["address_id"]], r["count"], r["record_count"],
                    [(by_public[e["id"]], e["records"]) for e in r["enterprises"]]) for r in doc["rows"]]  # fmt: skip
            assert shared == _shared(archive, user, min_count, members), (who, min_count)
    keeper = graph_insight(archive, USERS["keeper"], "expiring", InsightQuery(days=365), today=today)
    assert [r["days_left"] for r in keeper["rows"] if r["licence_number"] == "JY-9"] == [200]
