"""The search box's graph questions answered from the graph, under the one access policy: the enterprises
named, and as hits exactly the readable records in which they applied; nothing from a record the viewer
may not read, no address question answered through an address his pages show masked."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from dangan.access import Principal, Role, can_read, should_mask
from dangan.domain import SecurityLevel
from dangan.services.archive import Archive
from dangan.services.utilisation import search
from dangan.store.catalog import Record
from tests.factories import demo_archive
from tests.services.graph_helpers import add_case, id_number, uscc

A, B, C = uscc("91130302MA0C8K4A3"), uscc("91130302MA0C8K4B3"), uscc("91130302MA0C8K4C3")
D, E = uscc("91130302MA0C8K4D3"), uscc("91130302MA0C8K4E3")
ZHANG = id_number("13030219800101001")
MARKET = "秦皇岛市市场监督管理局"
ECOLOGY = "秦皇岛市生态环境局"
ADDRESS = "河北省秦皇岛市海港区文化路12号"


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Archive]:
    root = tmp_path_factory.mktemp("graph-search")
    with demo_archive(root, 20, 5) as (arc, _):
        rep = {"type": "企业", "legal_representative": "张大伟", "id_number": ZHANG}
        add_case(arc, root, 101, department=MARKET, security_level="内部",
                 applicant={"name": "甲商贸有限公司", "uscc": A, **rep})  # fmt: skip
        add_case(arc, root, 102, department=MARKET, security_level="内部",
                 applicant={"name": "甲商贸有限公司", "uscc": A, **rep})  # fmt: skip
        add_case(arc, root, 103, department=ECOLOGY, security_level="秘密", open_to_public=False,
                 applicant={"name": "乙化工有限公司", "uscc": B, **rep})  # fmt: skip
        # another 张大伟, without an ID number: a different person, never merged on the name
        add_case(arc, root, 104, department=MARKET, security_level="内部",
                 applicant={"name": "丙餐饮有限公司", "uscc": C, "type": "企业", "legal_representative": "张大伟",
                            "id_number": None})  # fmt: skip
        for seed, name, code in ((105, "丁科技有限公司", D), (106, "戊物流有限公司", E)):
            add_case(arc, root, seed, department=MARKET, security_level="内部",
                     applicant={"name": name, "uscc": code, "type": "企业", "legal_representative": f"{name[0]}某",
                                "id_number": None, "address": ADDRESS})  # fmt: skip
        yield arc


def _keeper() -> Principal:
    return Principal("keeper", Role.ARCHIVIST, clearance=SecurityLevel.CONFIDENTIAL)


def _clerk(department: str = MARKET) -> Principal:
    return Principal("clerk", Role.CLERK, department=department, clearance=SecurityLevel.INTERNAL)


def _readable(archive: Archive, user: Principal, codes: set[str]) -> set[str]:
    with archive.db.read() as s:
        rows = s.scalars(select(Record).where(Record.applicant_uscc.in_(sorted(codes)))).unique()
        return {r.id for r in rows if can_read(user, r)}


def _all_hits(archive: Archive, user: Principal, query: str) -> tuple[set[str], dict[str, Any]]:
    first = search(archive, user, query, limit=2)
    rest = search(archive, user, query, limit=500)
    assert first.total == rest.total == len(rest.hits), "paged and whole agree, and the count is exact"
    return {h.record_id for h in rest.hits}, rest.as_json()


def test_who_a_person_represents_comes_from_the_graph(archive: Archive) -> None:
    hits, doc = _all_hits(archive, _keeper(), "张大伟担任法定代表人的企业")
    assert doc["parsed"]["graph"] == {"question": "represented_by", "subject": "张大伟"}
    assert doc["parsed"]["person"] == "张大伟"
    graph = doc["graph"]
    assert {e["id"] for e in graph["enterprises"]} == {A, B, C} and graph["enterprise_count"] == 3
    assert len(graph["center"]) == 2, "two people named 张大伟: one by ID number, one within 丙餐饮"
    assert {e["id"]: e["records"] for e in graph["enterprises"]} == {A: 2, B: 1, C: 1}
    assert hits == _readable(archive, _keeper(), {A, B, C})
    dates = [h["decided_at"] for h in doc["hits"]]
    assert dates == sorted(dates, reverse=True), "newest first, like a filter's set"


def test_a_clerk_sees_neither_enterprises_nor_records_he_may_not_read(archive: Archive) -> None:
    clerk = _clerk()
    hits, doc = _all_hits(archive, clerk, "张大伟担任法定代表人的企业")
    assert {e["id"] for e in doc["graph"]["enterprises"]} == {A, C}, "乙化工 is known only from a 秘密 record"
    assert hits == _readable(archive, clerk, {A, C}) and hits
    assert B not in str(doc) and "乙化工" not in str(doc)
    other = _clerk(ECOLOGY)  # reads 内部 records of his own department only: none of these
    fallback = search(archive, other, "张大伟担任法定代表人的企业")
    assert fallback.graph is None and "graph" not in fallback.as_json()


def test_same_representative_is_the_same_person_not_the_same_name(archive: Archive) -> None:
    hits, doc = _all_hits(archive, _keeper(), "与甲商贸有限公司同一法定代表人的企业")
    assert [e["id"] for e in doc["graph"]["enterprises"]] == [B], "丙餐饮's 张大伟 is another person"
    assert [c["id"] for c in doc["graph"]["center"]] == [A]
    assert hits == _readable(archive, _keeper(), {B})
    by_code = search(archive, _keeper(), f"和{A}法定代表人相同的企业", limit=50)
    assert {h.record_id for h in by_code.hits} == hits
    none_for_clerk = search(archive, _clerk(), "与甲商贸有限公司同一法定代表人的企业")
    assert none_for_clerk.total == 0 and none_for_clerk.graph is not None
    assert none_for_clerk.graph["enterprises"] == [] and "乙化工" not in str(none_for_clerk.as_json())


def test_enterprises_at_an_address_only_through_addresses_seen_in_clear(archive: Archive) -> None:
    keeper = _keeper()
    hits, doc = _all_hits(archive, keeper, "文化路１２号的企业")
    assert {e["id"] for e in doc["graph"]["enterprises"]} == {D, E}
    assert hits == _readable(archive, keeper, {D, E})
    assert [c["label"] for c in doc["graph"]["center"]] == [ADDRESS]
    clerk = _clerk()
    with archive.db.read() as s:
        assert all(should_mask(clerk, r) for r in s.scalars(select(Record).where(Record.applicant_uscc == D)))
    masked = search(archive, clerk, "文化路12号的企业")
    assert masked.graph is None, "a clerk's pages mask addresses: no hit may confirm one"
    assert search(archive, keeper, "解放路999号的企业").graph is None, "an address the graph lacks: words"


def test_the_search_page_shows_the_answer(archive: Archive) -> None:
    from dangan.services.accounts import add_user
    from dangan.web import create_app
    from tests.web.conftest import PASSWORD, login

    add_user(archive, "keeper", PASSWORD, "archivist", clearance="机密")
    with TestClient(create_app(archive), follow_redirects=False) as client:
        assert login(client, "keeper").status_code in (302, 303)
        page = client.get("/search", params={"q": "张大伟担任法定代表人的企业"})
        assert page.status_code == 200
        assert (
            "知识图谱" in page.text
            and "甲商贸有限公司" in page.text
            and f"/graph/enterprise/{A}" in page.text
        )
        assert "2 位名为“张大伟”的人员" in page.text
        api = client.get("/api/v1/search", params={"q": "与甲商贸有限公司同一法定代表人的企业"})
        assert api.status_code == 200, api.text
        assert [e["id"] for e in api.json()["graph"]["enterprises"]] == [B]
