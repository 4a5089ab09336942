"""The knowledge graph built by the ingest, read through the policy: who is who, flags, change events,
rebuild equal to incremental, and the enterprise 360° view."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from dangan.access import Principal, Role
from dangan.core import NotFound, ValidationFailed
from dangan.domain import SecurityLevel
from dangan.services.archive import Archive
from dangan.services.graph import enterprise_view, rebuild_graph, related
from dangan.store.catalog import GraphEdge, GraphNode, Record
from tests.factories import demo_archive
from tests.services.graph_helpers import add_case, id_number, uscc

KEEPER = Principal("keeper", Role.ARCHIVIST, clearance=SecurityLevel.CONFIDENTIAL)
A = uscc("91130302MA0C8K4L3")
B = uscc("91130302MA0C8K4M3")


def _graph(archive: Archive) -> tuple[set[tuple[Any, ...]], set[tuple[Any, ...]]]:
    """Nodes and edges as comparable sets (by kind and key, never by row id)."""
    with archive.db.read() as s:
        nodes = {n.id: n for n in s.scalars(select(GraphNode))}
        edges = s.scalars(select(GraphEdge)).all()
        node_set = {(n.kind, n.key, n.label, tuple(n.flags)) for n in nodes.values()}
        edge_set = {
            (e.kind, nodes[e.from_id].key, nodes[e.to_id].key, e.record_id, e.asserted_on,
             tuple(sorted(e.attributes.items())))
            for e in edges
        }  # fmt: skip
    return node_set, edge_set


def _person_ids(doc: dict[str, Any]) -> set[str]:
    return {n["id"] for n in doc["nodes"] if n["kind"] == "person"}


def test_generated_archive_graph_and_rebuild_equals_incremental(tmp_path: Path) -> None:
    with demo_archive(tmp_path, 40, 11) as (archive, cases):
        nodes, edges = _graph(archive)
        kinds = {n[0] for n in nodes}
        assert {"enterprise", "person", "address", "matter", "department", "district", "record"} <= kinds
        assert sum(1 for n in nodes if n[0] == "record") == len(cases)
        organisations = {c["applicant"]["uscc"] for c in cases if c["applicant"].get("uscc")}
        assert organisations <= {n[1] for n in nodes if n[0] == "enterprise"}
        assert all(e[3] for e in edges), "every edge names the record asserting it"
        report = rebuild_graph(archive)
        assert report.records == len(cases) and report.edges == len(edges) and report.nodes == len(nodes)
        assert _graph(archive) == (nodes, edges)


def test_same_person_across_records_and_two_namesakes(archive: Archive, tmp_path: Path) -> None:
    zhang = {"legal_representative": "张伟", "id_number": id_number("13030219800101001")}
    add_case(archive, tmp_path, 1, applicant={"name": "甲公司", "type": "企业", "uscc": A, **zhang})
    add_case(archive, tmp_path, 2, applicant={"name": "甲公司", "type": "企业", "uscc": A, **zhang})
    # the same name without an ID number, in an unrelated enterprise: another person
    add_case(archive, tmp_path, 3, applicant={"name": "乙公司", "type": "企业", "uscc": B,
                                              "legal_representative": "张伟", "id_number": None})  # fmt: skip
    a = related(archive, KEEPER, A)
    b = related(archive, KEEPER, B)
    reps = [e for e in a["edges"] if e["kind"] == "representative"]
    assert len(reps) == 1 and len(reps[0]["records"]) == 2, "one person, asserted by two records"
    assert _person_ids(a).isdisjoint(_person_ids(b))
    with pytest.raises(ValidationFailed) as listed:
        related(archive, KEEPER, "张伟")
    assert {p.field for p in listed.value.problems} == _person_ids(a) | _person_ids(b)
    assert "2 个" in listed.value.message


def test_flags_for_bad_codes_and_one_address_in_any_spelling(archive: Archive, tmp_path: Path) -> None:
    wrong = A[:17] + ("0" if A[-1] != "0" else "1")
    legacy = add_case(archive, tmp_path, 4, applicant={"name": "丙公司", "type": "企业", "uscc": B,
                                                       "address": "秦皇島市海港區文化路１２號樓"}, district="130302")  # fmt: skip
    add_case(archive, tmp_path, 5, applicant={"name": "丁公司", "type": "企业", "uscc": A,
                                              "address": "河北省秦皇岛市海港区文化路12栋"}, district="130302")  # fmt: skip
    # the ingest refuses a bad check character: such codes come from records catalogued before the check
    with archive.db.write() as s:
        s.execute(update(Record).where(Record.id == legacy).values(applicant_uscc=wrong))
    rebuild_graph(archive)
    with pytest.raises(NotFound):
        related(archive, KEEPER, wrong)  # the invalid code is no key
    flagged = related(archive, KEEPER, "丙公司")
    assert flagged["center"]["id"].startswith("enterprise:~") and flagged["center"]["id"] != A
    view = enterprise_view(archive, KEEPER, flagged["center"]["id"])
    assert [f["code"] for f in view["enterprise"]["flags"]] == ["invalid_uscc"]
    two = related(archive, KEEPER, A, hops=2)
    address = next(e["to"] for e in two["edges"] if e["kind"] == "address" and e["from"] == A)
    assert any(e["kind"] == "address" and e["to"] == address and e["from"] == flagged["center"]["id"]
               for e in two["edges"]), "traditional, full-width and 号楼 spellings are one address"  # fmt: skip
    assert enterprise_view(archive, KEEPER, A)["related"][0]["via"] == "address"


def test_change_record_gives_change_events(archive: Archive, tmp_path: Path) -> None:
    first = {"name": "戊公司", "type": "企业", "uscc": A, "legal_representative": "李雷",
             "id_number": id_number("13030219800101002"), "address": "河北省秦皇岛市海港区文化路1号"}  # fmt: skip
    add_case(archive, tmp_path, 6, applicant=first, decided_at="2022-03-10", accepted_at="2022-03-01")
    changed = {**first, "name": "戊科技公司", "legal_representative": "韩梅梅",
               "id_number": id_number("13030219850101003")}  # fmt: skip
    change_id = add_case(archive, tmp_path, 7, applicant=changed, decided_at="2023-06-15", accepted_at="2023-06-01",
                         matter={"code": "SCJG-BG-001", "name": "企业变更登记"}, result="准予变更")  # fmt: skip
    view = enterprise_view(archive, KEEPER, A)
    assert view["enterprise"]["label"] == "戊科技公司" and view["enterprise"]["flags"] == []
    assert [(c["field"], c["from"], c["to"], c["on"]) for c in view["changes"]] == [
        ("name", "戊公司", "戊科技公司", "2023-06-15"),
        ("representative", "李雷", "韩梅梅", "2023-06-15"),
    ]
    assert all(c["record_id"] == change_id for c in view["changes"])
    assert [r["label"] for r in view["representatives"]] == ["李雷", "韩梅梅"]
    assert view["representatives"][-1]["current"] and [a["date"] for a in view["approvals"]] == [
        "2022-03-10", "2023-06-15"]  # fmt: skip


def test_a_second_name_without_a_change_record_is_flagged(archive: Archive, tmp_path: Path) -> None:
    add_case(archive, tmp_path, 8, applicant={"name": "己公司", "type": "企业", "uscc": B})
    add_case(archive, tmp_path, 9, applicant={"name": "庚公司", "type": "企业", "uscc": B})
    view = enterprise_view(archive, KEEPER, B)
    assert [f["code"] for f in view["enterprise"]["flags"]] == ["uscc_name_conflict"]
    assert {n["label"] for n in view["names"]} == {"己公司", "庚公司"}


def test_licences_with_validity_and_expiry(archive: Archive, tmp_path: Path) -> None:
    from datetime import date

    add_case(archive, tmp_path, 10, applicant={"name": "辛公司", "type": "企业", "uscc": A},
             extra={"许可证编号": "JY11303020240001", "有效期至": "2026-08-01"})  # fmt: skip
    view = enterprise_view(archive, KEEPER, A, today=date(2026, 6, 30))
    assert [(x["number"], x["valid_until"], x["expiring"]) for x in view["licences"]] == [
        ("JY11303020240001", "2026-08-01", True)]  # fmt: skip
    assert not enterprise_view(archive, KEEPER, A, today=date(2026, 1, 1))["licences"][0]["expiring"]


def test_confirmation_replaces_the_records_edges(archive: Archive, tmp_path: Path) -> None:
    from dangan.services.digitization import confirm

    record_id = add_case(archive, tmp_path, 11, applicant={"name": "壬公司", "type": "企业", "uscc": A})
    confirm(archive, KEEPER, record_id, {"uscc": B})
    assert related(archive, KEEPER, B)["center"]["label"] == "壬公司"
    with pytest.raises(NotFound):
        related(archive, KEEPER, A)  # no edge reaches the old node: it is gone
    before = _graph(archive)
    rebuild_graph(archive)
    assert _graph(archive) == before


def test_bad_hops_and_unknown_names(archive: Archive) -> None:
    with pytest.raises(ValidationFailed):
        related(archive, KEEPER, A, hops=3)
    with pytest.raises(NotFound):
        related(archive, KEEPER, "没有这个企业")


@pytest.mark.postgres
def test_graph_on_postgresql(tmp_path: Path, pg_server: str) -> None:
    from tests.pg import create_database

    with demo_archive(tmp_path, 20, 13, database_url=create_database(pg_server)) as (archive, cases):
        built = _graph(archive)
        organisation = next(c["applicant"]["uscc"] for c in cases if c["applicant"].get("uscc"))
        doc = related(archive, KEEPER, organisation, hops=2)
        assert doc["center"]["id"] == organisation and doc["edges"]
        assert enterprise_view(archive, KEEPER, organisation)["approvals"]
        rebuild_graph(archive)
        assert _graph(archive) == built
