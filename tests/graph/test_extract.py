"""What one record asserts, without a database: the matching rule, flags, normalised addresses."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from dangan.domain import id_check_char, uscc_check_char
from dangan.graph import Assertion, change_events, extract, normalise_address, periods, settle

SECRET = b"k" * 32
USCC_BODY = "91130302MA0C8K4L3"
USCC = USCC_BODY + uscc_check_char(USCC_BODY)
ID_BODY = "13030219800101001"
ID = ID_BODY + id_check_char(ID_BODY)


def _facts(**over: Any) -> dict[str, Any]:
    facts: dict[str, Any] = {
        "record_id": "R1", "title": "关于某公司的审批", "applicant": "秦皇岛市海港区某某商贸有限公司",
        "applicant_type": "企业", "uscc": USCC, "legal_representative": "张伟", "id_number": ID,
        "address": "河北省秦皇岛市海港区文化路12号", "district": "130302", "industry": "F5212",
        "department": "秦皇岛市市场监督管理局", "matter": "食品经营许可", "result": "准予许可",
        "decided_at": date(2024, 3, 1), "licence_number": "JY1130302202400001",
        "licence_valid_from": "2024-03-01", "licence_valid_until": "2029年2月28日",
    }  # fmt: skip
    facts.update(over)
    return facts


def _keys(facts: dict[str, Any], kind: str) -> set[str]:
    return {key for (k, key) in extract(facts, SECRET).nodes if k == kind}


def test_a_record_names_its_enterprise_by_uscc_and_links_what_it_asserts() -> None:
    g = extract(_facts(), SECRET)
    assert ("enterprise", USCC) in g.nodes
    kinds = {(e.kind, e.source[0], e.target[0]) for e in g.edges}
    assert kinds == {
        ("applicant", "record", "enterprise"), ("representative", "enterprise", "person"),
        ("address", "enterprise", "address"), ("district", "enterprise", "district"),
        ("industry", "enterprise", "industry"), ("licence", "enterprise", "licence"),
        ("matter", "record", "matter"), ("department", "record", "department"),
    }  # fmt: skip
    licence = next(e for e in g.edges if e.kind == "licence")
    assert (
        licence.attributes["valid_until"] == "2029-02-28" and licence.attributes["valid_from"] == "2024-03-01"
    )
    person_key = next(key for (kind, key) in g.nodes if kind == "person")
    assert ID not in person_key and "张伟" not in person_key, "a person's key is a keyed hash"


def test_a_person_is_one_by_id_number_else_by_name_within_one_enterprise() -> None:
    assert _keys(_facts(), "person") == _keys(_facts(record_id="R2", applicant="另一家公司"), "person")
    no_id = _facts(id_number=None)
    same_enterprise = _keys(no_id, "person")
    assert same_enterprise == _keys(_facts(record_id="R2", id_number=None), "person")
    other_body = "91130302MA0C8K4M3"
    other = _facts(record_id="R3", id_number=None, uscc=other_body + uscc_check_char(other_body))
    assert _keys(other, "person") != same_enterprise, "one name in two unrelated enterprises is two people"
    assert _keys(no_id, "person") != _keys(_facts(), "person"), "never merged with an ID-keyed person by name"


def test_invalid_codes_are_flagged_and_never_merged() -> None:
    wrong = USCC_BODY + ("0" if USCC[-1] != "0" else "1")
    g = extract(_facts(uscc=wrong), SECRET)
    enterprise = next(key for (kind, key) in g.nodes if kind == "enterprise")
    assert enterprise != USCC and enterprise.startswith("~秦皇岛市市场监督管理局|")
    applicant = next(e for e in g.edges if e.kind == "applicant")
    assert applicant.attributes["flags"] == ["invalid_uscc"]
    missing = next(e for e in extract(_facts(uscc=None), SECRET).edges if e.kind == "applicant")
    assert missing.attributes["flags"] == ["missing_uscc"]
    bad_id = ID_BODY + ("0" if ID[-1] != "0" else "1")
    rep = next(e for e in extract(_facts(id_number=bad_id), SECRET).edges if e.kind == "representative")
    assert rep.attributes["flags"] == ["invalid_id_number"]
    assert _keys(_facts(id_number=bad_id), "person") == _keys(_facts(id_number=None), "person")


def test_traditional_full_width_and_prefix_forms_are_one_address() -> None:
    forms = [
        "河北省秦皇岛市海港区文化路12号楼",
        "秦皇島市海港區文化路１２幢",
        "海港区 文化路12栋",
        "海港区文化路12#",
    ]
    assert {normalise_address(f, "130302") for f in forms} == {"河北省秦皇岛市海港区文化路12栋"}
    assert normalise_address("文化路12号", "130302") != normalise_address("文化路13号", "130302")
    assert len({next(iter(_keys(_facts(address=f), "address"))) for f in forms}) == 1


def test_names_settle_by_date_and_a_change_record_is_no_conflict() -> None:
    first = Assertion("R1", date(2020, 1, 1), {"label": "甲公司"})
    renamed = Assertion("R2", date(2022, 5, 1), {"label": "乙公司", "change": True})
    again = Assertion("R3", date(2023, 1, 1), {"label": "乙公司"})
    assert settle("enterprise", [again, renamed, first]) == ("乙公司", [])
    stranger = Assertion("R4", date(2021, 1, 1), {"label": "丙公司"})
    assert settle("enterprise", [first, stranger]) == ("丙公司", ["uscc_name_conflict"])
    events = change_events("name", periods([first, renamed, again], key="label"))
    assert events == [
        {"on": "2022-05-01", "field": "name", "from": "甲公司", "to": "乙公司", "record_id": "R2"}
    ]


def test_a_change_matter_marks_its_edges() -> None:
    g = extract(_facts(matter="企业变更登记"), SECRET)
    assert all(
        e.attributes.get("change") for e in g.edges if e.kind in ("applicant", "representative", "address")
    )
    assert not any(e.attributes.get("change") for e in extract(_facts(), SECRET).edges)


def test_confirmed_values_win() -> None:
    from dangan.graph import facts_of

    record = SimpleNamespace(
        id="R1", title="t", applicant_name="旧名", applicant_type="企业", applicant_uscc=None,
        legal_representative="张伟", id_number=None, address=None, district=None, industry=None,
        department=SimpleNamespace(name="部门"), matter=SimpleNamespace(name="事项"), result="准予许可",
        decided_at=date(2024, 1, 1), extra={"许可证编号": "X-1", "有效期至": "2030-01-01"},
    )  # fmt: skip
    facts = facts_of(record, {"applicant": "新名", "uscc": USCC})
    assert facts["applicant"] == "新名" and facts["uscc"] == USCC and facts["licence_number"] == "X-1"
    assert ("enterprise", USCC) in extract(facts, SECRET).nodes


def test_cached_hub_ids_do_not_outlive_a_rolled_back_savepoint(tmp_path: Path) -> None:
    from dangan.core import load_settings
    from dangan.graph._write import _hub_ids
    from dangan.services.archive import open_archive

    archive = open_archive(load_settings(tmp_path / "data"))
    try:
        with archive.db.write() as s:
            _hub_ids(s)[("department", "已回滚的部门")] = 999
            s.begin_nested().rollback()  # a package's savepoint undone: the row the id named is gone
            assert _hub_ids(s) == {}
    finally:
        archive.close()
