"""`related` at two hops reads each end of the ring apart, leaves out the edges back to the centre (the
first hop has them) and, for a ring above the second hop's budget, shows a sample of it: the answer must
still be exactly the walk over every readable edge when it fits, and a part of it, marked truncated, when
it does not — for a viewer who reads everything and for a department clerk.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from dangan.access import Principal, Role, record_filter
from dangan.core import NotFound
from dangan.domain import SecurityLevel
from dangan.graph import HUBS
from dangan.services.archive import Archive
from dangan.services.graph import _related as related_module
from dangan.services.graph import related
from dangan.store.catalog import GraphEdge, GraphNode, Record
from tests.factories import demo_archive

KEEPER = Principal("keeper", Role.ARCHIVIST, clearance=SecurityLevel.CONFIDENTIAL)


def _reference(archive: Archive, user: Principal, centre: str) -> set[tuple[str, str, str, tuple[str, ...]]]:
    """The 2-hop walk done plainly: every readable edge, in Python."""
    with archive.db.read() as s:
        nodes = {n.id: n for n in s.scalars(select(GraphNode))}
        readable = s.execute(
            select(GraphEdge.kind, GraphEdge.from_id, GraphEdge.to_id, GraphEdge.record_id)
            .join(Record, Record.id == GraphEdge.record_id)
            .where(record_filter(user))
        ).all()
    public = {i: n.key if n.kind == "record" or (n.kind == "enterprise" and not n.key.startswith("~"))
              else f"{n.kind}:{n.key}" for i, n in nodes.items()}  # fmt: skip
    start = next(i for i, p in public.items() if p == centre)
    first = [e for e in readable if start in (e.from_id, e.to_id)]
    ring = {n for e in first for n in (e.from_id, e.to_id)} - {start}
    ring = {n for n in ring if nodes[n].kind not in HUBS}
    second = [e for e in readable if ring & {e.from_id, e.to_id}]
    grouped: dict[tuple[str, str, str], set[str]] = {}
    for e in [*first, *second]:
        grouped.setdefault((e.kind, public[e.from_id], public[e.to_id]), set()).add(e.record_id)
    return {(k, a, b, tuple(sorted(r))) for (k, a, b), r in grouped.items()}


def _edges(doc: dict[str, Any]) -> set[tuple[str, str, str, tuple[str, ...]]]:
    return {(e["kind"], e["from"], e["to"], tuple(e["records"])) for e in doc["edges"]}


def test_two_hops_equal_the_plain_walk_and_a_cut_ring_is_a_part_of_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with demo_archive(tmp_path, 30, 17) as (archive, cases):
        clerk = Principal(
            "clerk", Role.CLERK, department=cases[0]["department"], clearance=SecurityLevel.INTERNAL
        )
        codes = sorted({c["applicant"]["uscc"] for c in cases if c["applicant"].get("uscc")})[:8]
        walked = 0
        for user in (KEEPER, clerk):
            for code in codes:
                try:
                    doc = related(archive, user, code, hops=2)
                except NotFound:  # what the clerk may not see
                    assert user is clerk
                    continue
                assert not doc["truncated"]
                assert _edges(doc) == _reference(archive, user, code), (user.username, code)
                walked += 1
        assert walked > len(codes)
        monkeypatch.setattr(related_module, "SECOND_HOP_LIMIT", 1)
        cut = 0
        for code in codes:
            doc, full = related(archive, KEEPER, code, hops=2), _reference(archive, KEEPER, code)
            one = _edges(related(archive, KEEPER, code, hops=1))
            shown = _edges(doc)
            assert one <= shown <= full, code
            assert sum(len(e[3]) for e in shown - one) <= 1
            if shown != full:
                cut += 1
                assert doc["truncated"]
        assert cut
