"""`view_labels` reads a node's latest readable labelled edge (and the flags, and an enterprise's name
conflict) in the database instead of every edge into it: the labels and flags must be exactly what the
former rule gives — `settle` over all of the viewer's readable labelled edges, the label masked by the
latest one's record — for every node and every kind of viewer, on SQLite and on PostgreSQL.

The archive mixes generated demo cases with crafted ones: a rename by a 秘密 变更 record that only the
keeper reads (so a clerk sees a name conflict the keeper does not), a traditional-character variant of the
name, an enterprise keyed by name whose records flag a missing and an invalid USCC, a representative with
an invalid ID number, one individual applicant at the same address written with full-width digits,
licences renewed over time, two records on one day (the record id decides), and edges without a date
(the order puts them first).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from dangan.access import ANONYMOUS, Principal, Role, mask_address, mask_text, record_filter, should_mask
from dangan.demo import generate_cases, write_case
from dangan.domain import SecurityLevel
from dangan.graph import LABELLED, Assertion, NodeRow, edges_into, nodes_by_id, settle
from dangan.graph import _query as query_module
from dangan.services.archive import Archive
from dangan.services.graph import rebuild_graph
from dangan.services.graph._view import records_by_id, view_labels
from dangan.services.intake import import_paths
from dangan.store.catalog import GraphEdge, GraphNode, Record
from tests.services.graph_helpers import add_case, id_number, uscc

DEPT_A = "秦皇岛市市场监督管理局"
DEPT_B = "秦皇岛市生态环境局"
MATTER = {"code": "SCJG-XK-101", "name": "食品经营许可"}
CHANGE = {"code": "SCJG-DJ-102", "name": "企业变更登记"}
E1, E3 = uscc("91130302MA0E1L1B1"), uscc("91130302MA0E3L3B1")
ADDR1 = "河北省秦皇岛市海港区迎宾路100号"
ADDR2 = "河北省秦皇岛市海港区建设大街8号"
BAD_USCC = "91130302MA0E6L6B1" + ("1" if uscc("91130302MA0E6L6B1").endswith("0") else "0")
_GOOD_ID = id_number("13030219800101002")
BAD_ID = _GOOD_ID[:-1] + ("1" if _GOOD_ID.endswith("0") else "0")  # the check character is wrong
ZHANG = {"legal_representative": "张三", "id_number": id_number("13030219800101001")}
USERS = {
    "keeper": Principal("keeper", Role.ARCHIVIST, clearance=SecurityLevel.CONFIDENTIAL),
    "archivist": Principal("archivist", Role.ARCHIVIST, clearance=SecurityLevel.INTERNAL),
    "clerk_a": Principal("clerk_a", Role.CLERK, department=DEPT_A, clearance=SecurityLevel.INTERNAL),
    "clerk_b": Principal("clerk_b", Role.CLERK, department=DEPT_B, clearance=SecurityLevel.INTERNAL),
    "head_a": Principal("head_a", Role.DEPT_HEAD, department=DEPT_A, clearance=SecurityLevel.SECRET),
    "public": ANONYMOUS,
}


def _firm(name: str, code: str | None, address: str, **rep: Any) -> dict[str, Any]:
    return {"name": name, "type": "企业", "uscc": code, "address": address, **(rep or ZHANG)}


# (department, level, matter, decided, applicant, extra)
CASES: list[tuple[str, str, dict[str, str], str, dict[str, Any], dict[str, Any]]] = [
    (DEPT_A, "内部", MATTER, "2021-01-10", _firm("秦皇岛甲有限公司", E1, ADDR1),
     {"许可证编号": "JY-0001", "有效期至": "2026-01-09"}),
    (DEPT_A, "秘密", CHANGE, "2022-03-10", _firm("秦皇岛乙有限公司", E1, ADDR2, legal_representative="李四",
                                             id_number=None), {}),
    (DEPT_A, "内部", MATTER, "2023-05-10", _firm("秦皇岛乙有限公司", E1, ADDR2),
     {"许可证编号": "JY-0001", "有效期至": "2028-05-09"}),
    (DEPT_B, "内部", MATTER, "2024-01-10", _firm("秦皇岛乙有限公司", E1, ADDR2.replace("8", "８")), {}),
    (DEPT_A, "内部", MATTER, "2022-06-01", _firm("海港区丙商店", None, ADDR1, legal_representative="王五",
                                           id_number=None), {}),
    (DEPT_A, "秘密", MATTER, "2023-06-01", _firm("海港区丙商店", None, ADDR1,
                                           legal_representative="王五", id_number=None), {}),
    (DEPT_A, "内部", MATTER, "2023-07-01", {"name": "赵六", "type": "个人", "address": ADDR2,
                                           "id_number": None, "uscc": None}, {}),
    (DEPT_A, "内部", MATTER, "2024-07-01", {"name": "赵六", "type": "个人", "address": ADDR2.replace("8", "８"),
                                           "id_number": None, "uscc": None}, {}),
    (DEPT_A, "内部", MATTER, "2024-09-09", _firm("秦皇岛丁有限公司", E3, ADDR1), {}),
    (DEPT_B, "内部", MATTER, "2024-09-09", _firm("秦皇島丁有限公司", E3, ADDR1), {}),
    (DEPT_B, "公开", MATTER, "2024-10-10", _firm("秦皇岛戊有限公司", uscc("91130302MA0E5L5B1"), "海港区文化路66号",
                                           legal_representative="钱七", id_number=None), {}),
]  # fmt: skip


def _build(archive: Archive, root: Path) -> list[str]:
    ids = []
    for seed, (dept, level, matter, decided, applicant, extra) in enumerate(CASES, start=900):
        ids.append(add_case(
            archive, root, seed, department=dept, security_level=level, matter=matter, extra=extra,
            open_to_public=level == "公开", district="130302", accepted_at=decided[:8] + "01",
            decided_at=decided, applicant=applicant,
        ))  # fmt: skip
    for case in generate_cases(12, seed=21):
        write_case(case, root / "demo")
    assert not import_paths(archive, [root / "demo"], workers=1).rejected
    # the ingest refuses bad check characters: such values come from records catalogued before the check
    with archive.db.write() as s:
        s.execute(update(Record).where(Record.id == ids[4]).values(id_number=BAD_ID))
        s.execute(update(Record).where(Record.id == ids[5]).values(applicant_uscc=BAD_USCC))
    rebuild_graph(archive)
    with archive.db.write() as s:  # undated: the first in `settle`'s order, alone and beside dated ones
        s.execute(
            update(GraphEdge).where(GraphEdge.record_id.in_([ids[4], ids[10]])).values(asserted_on=None)
        )
    return ids


def _reference(archive: Archive, user: Principal, nodes: list[NodeRow]) -> dict[int, tuple[str, list[str]]]:
    """The former `view_labels`: every readable labelled edge into each node, settled in Python."""
    readable = record_filter(user)
    with archive.db.read() as s:
        by_node: dict[int, list[Assertion]] = {}
        settled = [n.id for n in nodes if n.kind in ("enterprise", "person", "address", "licence")]
        for e in edges_into(s, settled, readable, LABELLED):
            by_node.setdefault(e.to_id, []).append(Assertion(e.record_id, e.asserted_on, e.attributes))
        source = {
            node_id: max((a for a in found if a.attributes.get("label")), key=lambda a: a.order).record_id
            for node_id, found in by_node.items()
        }
        records = records_by_id(s, set(source.values()) | {n.key for n in nodes if n.kind == "record"})
        out = {}
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


def _labels(archive: Archive, user: Principal, nodes: list[NodeRow], **kw: Any) -> dict[int, Any]:
    with archive.db.read() as s:
        return view_labels(s, user, record_filter(user), nodes, **kw)


def test_labels_equal_the_former_rule_for_every_node_and_viewer(any_archive: Archive, tmp_path: Path) -> None:
    archive = any_archive
    ids = _build(archive, tmp_path / "cases")
    with archive.db.read() as s:
        nodes = list(nodes_by_id(s, s.scalars(select(GraphNode.id))).values())
    for who, user in USERS.items():
        expected = _reference(archive, user, nodes)
        assert _labels(archive, user, nodes) == expected, who
        # labels only: the same labels, no flags
        assert _labels(archive, user, nodes, with_flags=False) == {
            i: (label, []) for i, (label, _) in expected.items()
        }, who
    # the rule's cases are really there: a conflict only the clerk sees (the 变更 record is 秘密) and one
    # only the keeper sees (the variant is another department's), flags by viewer, masking
    keeper, clerk = (_labels(archive, USERS[w], nodes) for w in ("keeper", "clerk_a"))
    firm, other = (next(n for n in nodes if n.key == code) for code in (E1, E3))
    assert keeper[firm.id] == ("秦皇岛乙有限公司", []) and clerk[firm.id] == (
        "秦皇岛乙有限公司",
        ["uscc_name_conflict"],
    )
    assert keeper[other.id][1] == ["uscc_name_conflict"] and clerk[other.id] == ("秦皇岛丁有限公司", [])
    shop = next(n for n in nodes if n.kind == "enterprise" and "丙" in n.label)
    assert keeper[shop.id][1] == ["invalid_uscc", "missing_uscc"] and clerk[shop.id][1] == ["missing_uscc"]
    wang = next(n for n in nodes if n.kind == "person" and n.label == "王五")
    assert keeper[wang.id][1] == ["invalid_id_number"]
    address = next(n for n in nodes if n.kind == "address" and n.label.endswith("建设大街8号"))
    assert keeper[address.id][0] == address.label and "*" in clerk[address.id][0]
    assert len(ids) == len(CASES)


def test_labels_equal_the_former_rule_across_chunks(
    archive: Archive, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The probes, flags and name conflicts are asked per chunk of nodes: with chunks of three, every
    statement runs over several chunks (dated ones answered, the undated rest asked again), and the
    answer must not change at a chunk's edge."""
    _build(archive, tmp_path / "cases")
    with archive.db.read() as s:
        nodes = list(nodes_by_id(s, s.scalars(select(GraphNode.id))).values())
    expected = {who: _reference(archive, user, nodes) for who, user in USERS.items()}
    monkeypatch.setattr(query_module, "CHUNK", 3)
    assert len([n for n in nodes if n.kind in ("enterprise", "person", "address", "licence")]) > 3 * 3
    for who, user in USERS.items():
        assert _labels(archive, user, nodes) == expected[who], who
