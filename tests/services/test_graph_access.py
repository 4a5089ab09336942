"""The graph as every role sees it: no node, edge, record or label that rests on a record the viewer may
not read, and nothing missing that his readable records assert. The truth is the policy itself
(`can_read`, `should_mask`) applied record by record in Python."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from dangan.access import ANONYMOUS, Principal, Role, can_read, should_mask
from dangan.core import NotFound
from dangan.domain import SecurityLevel
from dangan.services.archive import Archive
from dangan.services.graph import enterprise_view, related
from dangan.store.catalog import Record
from tests.factories import demo_archive
from tests.services.graph_helpers import add_case, id_number, uscc

SECRET_ONLY = uscc("91130302MA0C8K4T3")


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Archive]:
    root = tmp_path_factory.mktemp("graph-access")
    with demo_archive(root, 50, 17) as (arc, _):
        # a person known only from a 秘密 record
        add_case(arc, root, 41, security_level="秘密", open_to_public=False,
                 applicant={"name": "保密企业", "type": "企业", "uscc": SECRET_ONLY, "legal_representative": "王秘",
                            "id_number": id_number("13030219700101004")})  # fmt: skip
        yield arc


def _records(archive: Archive) -> dict[str, Record]:
    with archive.db.read() as s:
        return {r.id: r for r in s.scalars(select(Record)).unique()}


def _users(archive: Archive) -> list[Principal]:
    departments = sorted({r.department.name for r in _records(archive).values()})
    users = [Principal(f"u-{role.code}", role, department=departments[0], clearance=SecurityLevel.INTERNAL)
             for role in Role]  # fmt: skip
    return [ANONYMOUS, *users, Principal("keeper", Role.ARCHIVIST, clearance=SecurityLevel.CONFIDENTIAL)]


def test_every_role_sees_only_what_its_records_support(archive: Archive) -> None:
    records = _records(archive)
    keeper = _users(archive)[-1]
    enterprises = sorted({r.applicant_uscc for r in records.values() if r.applicant_uscc})
    for user in _users(archive):
        for code in enterprises:
            readable_own = [r for r in records.values() if r.applicant_uscc == code and can_read(user, r)]
            try:
                doc = related(archive, user, code, hops=2)
            except NotFound:
                assert not readable_own, f"{user.username} reads a record of {code} but the graph hides it"
                continue
            assert readable_own, f"{user.username} sees {code} without a readable record"
            shown = {e_id for e in doc["edges"] for e_id in (e["from"], e["to"])}
            assert {n["id"] for n in doc["nodes"]} == shown | {doc["center"]["id"]}
            for e in doc["edges"]:
                assert e["records"] and all(can_read(user, records[r]) for r in e["records"])
            for n in doc["nodes"]:
                if n["kind"] == "record":
                    assert can_read(user, records[n["id"]])
                if n["kind"] == "address":
                    backing = [records[r] for e in doc["edges"] if e["to"] == n["id"] for r in e["records"]]
                    if all(should_mask(user, r) for r in backing):
                        assert n["label"].endswith("****"), "an address is masked as its record page masks it"
            # completeness one step out: every readable assertion about the enterprise is there
            full = related(archive, keeper, code)
            for e in full["edges"]:
                visible = [r for r in e["records"] if can_read(user, records[r])]
                mine = next((m for m in doc["edges"] if (m["kind"], m["from"], m["to"]) ==
                             (e["kind"], e["from"], e["to"])), None)  # fmt: skip
                assert (mine is not None and set(visible) <= set(mine["records"])) or not visible


def test_a_person_known_only_from_a_secret_record_does_not_appear(archive: Archive) -> None:
    records = _records(archive)
    secret = next(r for r in records.values() if r.applicant_uscc == SECRET_ONLY)
    keeper = _users(archive)[-1]
    assert "王秘" in {n["label"] for n in related(archive, keeper, "王秘")["nodes"]}
    for user in _users(archive)[:-1]:
        assert not can_read(user, secret)
        for word in ("王秘", SECRET_ONLY, "保密企业", secret.id):
            with pytest.raises(NotFound):
                related(archive, user, word)
        with pytest.raises(NotFound):
            enterprise_view(archive, user, SECRET_ONLY)


def test_the_360_view_holds_only_readable_approvals(archive: Archive) -> None:
    records = _records(archive)
    codes = sorted({r.applicant_uscc for r in records.values() if r.applicant_uscc})
    for user in _users(archive):
        for code in codes[:15]:
            try:
                view = enterprise_view(archive, user, code)
            except NotFound:
                continue
            expected = {r.id for r in records.values() if r.applicant_uscc == code and can_read(user, r)}
            assert {a["record_id"] for a in view["approvals"]} == expected
            for a in view["addresses"]:
                backing = [records[r] for r in a["records"]]
                if all(should_mask(user, r) for r in backing):
                    assert a["label"].endswith("****"), "masked as the record page masks it"
