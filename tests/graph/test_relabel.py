"""The ingest settles a node that gains one edge from that edge's neighbours in `settle`'s order instead of
every edge into it (`dangan.graph._relabel`): the stored label and flags must be exactly what `settle`
over all the node's edges gives, whatever the order records arrive in — dated and undated, two records on
one day (the record id decides), renames with and without a 变更 record, one that removes the conflict it
sat in — on SQLite and PostgreSQL; and a business centre's address is no longer read whole per record.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, text

from dangan.graph import Assertion, settle
from dangan.graph import _write as write_module
from dangan.graph._relabel import settle_added
from dangan.services.archive import Archive
from dangan.services.graph import rebuild_graph
from dangan.store.catalog import GraphEdge, GraphNode
from tests.services.graph_helpers import add_case, uscc
from tests.services.test_graph import _graph

NAMES = ("甲有限公司", "乙有限公司", "丙有限公司")


def _random_edge(rng: random.Random, n: int) -> dict[str, Any]:
    day = rng.choice([None, *(date(2020, 1, 1) + timedelta(days=rng.randrange(4)) for _ in range(4))])
    attributes: dict[str, Any] = {"label": rng.choice(NAMES[:2])}
    if rng.random() < 0.3:
        attributes["change"] = True
    if rng.random() < 0.15:
        attributes["flags"] = [rng.choice(["missing_uscc", "invalid_id_number"])]
    # record ids of one scenario are distinct; two share a day often (4 days, up to 9 edges)
    return {"record_id": f"R{rng.randrange(10**6):06d}-{n}", "asserted_on": day, "attributes": attributes}


def test_one_added_edge_settles_as_all_edges_would(any_archive: Archive) -> None:
    rng = random.Random(5)
    fallbacks = 0
    with any_archive.db.write() as s:
        source = s.execute(
            insert(GraphNode).returning(GraphNode.id),
            [{"kind": "record", "key": "R", "label": "R", "attributes": {}, "flags": []}],
        ).scalar_one()
        for scenario in range(60):
            kind = ("enterprise", "enterprise", "address", "person")[scenario % 4]
            edges = [_random_edge(rng, n) for n in range(rng.randrange(0, 9))]
            first = settle(
                kind, [Assertion(e["record_id"], e["asserted_on"], e["attributes"]) for e in edges]
            )
            node = s.execute(
                insert(GraphNode).returning(GraphNode.id),
                [{"kind": kind, "key": f"k{scenario}", "label": first[0] or "起初", "attributes": {},
                  "flags": first[1]}],
            ).scalar_one()  # fmt: skip
            new = _random_edge(rng, 99)
            rows = [{"kind": "applicant", "from_id": source, "to_id": node, **e} for e in [*edges, new]]
            s.execute(insert(GraphEdge), rows)
            again = settle_added(s, {node: new["attributes"]}, new["asserted_on"], new["record_id"])
            if again:
                assert again == {node}
                fallbacks += 1
                write_module._settle(s, again)
            expected = settle(kind, [Assertion(e["record_id"], e["asserted_on"], e["attributes"])
                                     for e in [*edges, new]])  # fmt: skip
            label, flags = s.execute(
                select(GraphNode.label, GraphNode.flags).where(GraphNode.id == node)
            ).one()
            assert (label, sorted(flags)) == (expected[0], expected[1]), (scenario, edges, new)
    assert fallbacks < 10, "the full read is the exception"


DEPT = "秦皇岛市市场监督管理局"
MATTER = {"code": "SCJG-XK-101", "name": "食品经营许可"}
CHANGE = {"code": "SCJG-DJ-102", "name": "企业变更登记"}
CENTRE = "河北省秦皇岛市海港区河北大街中段商务中心3楼"


def test_rebuild_equals_incremental_at_a_busy_address(archive: Archive, tmp_path: Path) -> None:
    """Records arrive out of date order at one business centre: renames before and after the record that
    changed the name, a 变更 record filed late between two names (it removes the conflict), same-day
    records. The graph built record by record equals the one rebuilt, and filing one more record there
    settles the address without the full read."""
    e1, e2 = uscc("91130302MA0R1L1B1"), uscc("91130302MA0R2L2B1")
    plan: list[tuple[str, str, str, dict[str, str]]] = [
        (e1, "秦皇岛甲有限公司", "2021-03-01", MATTER),
        (e1, "秦皇岛乙有限公司", "2023-03-01", CHANGE),
        (e1, "秦皇岛乙有限公司", "2022-03-01", MATTER),  # a second name before its 变更: conflict
        (e2, "秦皇岛丙有限公司", "2021-05-05", MATTER),
        (e2, "秦皇岛丁有限公司", "2023-05-05", MATTER),  # conflict …
        (e2, "秦皇岛丁有限公司", "2022-05-05", CHANGE),  # … removed by the 变更 filed late
        (e2, "秦皇岛丁有限公司", "2022-05-05", MATTER),  # the same day
    ]
    plan += [(uscc(f"91130302MA0T{i:02d}LB1"), f"河北商务{i}号有限公司", f"2020-0{1 + i % 9}-1{i % 10}", MATTER)
             for i in range(14)]  # fmt: skip
    random.Random(7).shuffle(plan[7:])
    ids = []
    for seed, (code, name, decided, matter) in enumerate(plan, start=700):
        ids.append(add_case(
            archive, tmp_path / "in", seed, department=DEPT, security_level="内部", matter=matter,
            district="130302", accepted_at=decided[:8] + "01", decided_at=decided, open_to_public=False,
            applicant={"name": name, "type": "企业", "uscc": code, "address": CENTRE,
                       "legal_representative": "张三", "id_number": None},
        ))  # fmt: skip
    incremental = _graph(archive)
    flags = {n[1]: n[3] for n in incremental[0] if n[0] == "enterprise"}
    assert flags[e1] == ("uscc_name_conflict",) and flags[e2] == ()
    with archive.db.read() as s:
        centre = s.scalars(select(GraphNode.id).where(GraphNode.kind == "address")).all()
    assert len(centre) == 1
    settled: list[set[int]] = []
    real = write_module._settle

    def spy(session: Any, node_ids: set[int]) -> None:
        settled.append(set(node_ids))
        real(session, node_ids)

    write_module._settle = spy
    try:
        add_case(
            archive, tmp_path / "in", 799, department=DEPT, security_level="内部", matter=MATTER,
            district="130302", accepted_at="2024-01-01", decided_at="2024-01-09", open_to_public=False,
            applicant={"name": "秦皇岛乙有限公司", "type": "企业", "uscc": e1, "address": CENTRE + " ",
                       "legal_representative": "张三", "id_number": None},
        )  # fmt: skip
    finally:
        write_module._settle = real
    assert settled and not any(centre[0] in found for found in settled)
    incremental = _graph(archive)
    rebuild_graph(archive)
    assert _graph(archive) == incremental
    with archive.db.read() as s:  # the rebuild leaves SQLite statistics for the planner
        assert s.scalar(text("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'graph_edge'"))
