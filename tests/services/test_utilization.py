"""利用申请: request → approval → the record is readable everywhere the policy answers (lists, counts,
search, the record, its files), within scope and term; rejection, revocation, expiry; who may decide;
every step a ledger event."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from dangan.access import Principal, can_read, should_mask
from dangan.core import Conflict, NotFound, PermissionDenied, ValidationFailed, utcnow
from dangan.services.accounts import add_user, get_principal
from dangan.services.archive import Archive, record_view
from dangan.services.intake import import_paths
from dangan.services.records import BrowseFilter, browse, facets, file_for, overview, record_for
from dangan.services.utilisation import (
    RequestForm,
    approval_queue,
    approve_request,
    create_request,
    get_request,
    my_requests,
    reject_request,
    request_json,
    revoke_request,
    search,
)
from dangan.store.catalog import Event, Record
from tests.factories import package_dir

PASSWORD = "Dangan@2024"
DEPT_A = "秦皇岛市市场监督管理局"
DEPT_B = "秦皇岛市生态环境局"


def _setup(archive: Archive, tmp: Path) -> dict[str, Record]:
    cases = {
        "a1": dict(department=DEPT_A, security_level="内部", open_to_public=False, decided_at="2023-04-10"),
        "a2": dict(department=DEPT_A, security_level="内部", open_to_public=False, decided_at="2023-05-10"),
        "a_secret": dict(
            department=DEPT_A, security_level="秘密", open_to_public=False, decided_at="2023-06-10"
        ),
        "b1": dict(department=DEPT_B, security_level="内部", open_to_public=False, decided_at="2023-04-12"),
    }
    pkgs = {
        k: package_dir(tmp / k, 500 + i, accepted_at="2023-03-01", **v)
        for i, (k, v) in enumerate(cases.items())
    }
    report = import_paths(archive, list(pkgs.values()))
    assert not report.rejected, report.as_json()["rejected"]
    by_source = {(o.source_system, o.source_id): str(o.record_id) for o in report.accepted}
    with archive.db.read() as s:
        rows = {r.id: r for r in s.scalars(select(Record)).all()}
        for r in rows.values():
            _ = (r.department, r.matter)
    out = {}
    for label, pkg in pkgs.items():
        doc = json.loads((pkg / "case.json").read_text(encoding="utf-8"))
        out[label] = rows[by_source[(doc["source_system"], doc["source_id"])]]
    add_user(archive, "reader1", PASSWORD, "reader", clearance="内部")
    add_user(archive, "head_a", PASSWORD, "dept_head", department=DEPT_A, clearance="秘密")
    add_user(archive, "head_b", PASSWORD, "dept_head", department=DEPT_B, clearance="秘密")
    add_user(archive, "archivist", PASSWORD, "archivist", clearance="机密")
    add_user(archive, "secadmin", PASSWORD, "secadmin", clearance="机密")
    add_user(archive, "clerk_a", PASSWORD, "clerk", department=DEPT_A)
    return out


@pytest.fixture
def env(archive: Archive, tmp_path: Path) -> dict[str, Any]:
    return {"archive": archive, "records": _setup(archive, tmp_path)}


@pytest.fixture
def any_env(any_archive: Archive, tmp_path: Path) -> dict[str, Any]:
    """On SQLite and PostgreSQL: the expiry comparison is SQL, so both backends must agree."""
    return {"archive": any_archive, "records": _setup(any_archive, tmp_path)}


def _who(archive: Archive, name: str) -> Principal:
    return get_principal(archive, name)


def _events(archive: Archive, prefix: str = "utilization_") -> list[Event]:
    with archive.db.read() as s:
        return list(s.scalars(select(Event).where(Event.kind.like(prefix + "%")).order_by(Event.id)).all())


def _visible(archive: Archive, user: Principal) -> set[str]:
    return {r.id for r in browse(archive, user, BrowseFilter(), per_page=200).items}


def _ask(archive: Archive, who: str, codes: list[str], **kw: Any) -> str:
    form = RequestForm(purpose=kw.pop("purpose", "核实企业许可情况"), codes=tuple(codes), **kw)
    return create_request(archive, _who(archive, who), form).id


def test_request_approve_read_everywhere_then_expire(
    any_env: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    archive, recs = any_env["archive"], any_env["records"]
    a1 = recs["a1"]
    reader = _who(archive, "reader1")
    assert _visible(archive, reader) == set() and overview(archive, reader)["records"] == 0
    with pytest.raises(NotFound):
        record_for(archive, reader, a1.id)
    rid = _ask(archive, "reader1", [a1.archival_code], days=10)
    assert get_request(archive, reader, rid).status == "待审批"
    # Until approved, nothing changes for the requester.
    assert _visible(archive, _who(archive, "reader1")) == set()
    approved = approve_request(archive, _who(archive, "head_a"), rid, days=7)
    assert approved.granted_scope == "view" and [i.record_id for i in approved.items] == [a1.id]
    reader = _who(archive, "reader1")
    assert [g.record_id for g in reader.grants] == [a1.id]
    # Lists, counts, facets, search, the record and its file preview all agree.
    assert _visible(archive, reader) == {a1.id}
    assert overview(archive, reader)["records"] == 1
    assert facets(archive, reader, BrowseFilter())["department"] == [(DEPT_A, 1)]
    assert [h.record_id for h in search(archive, reader, a1.title[:8]).hits] == [a1.id]
    assert record_for(archive, reader, a1.id).id == a1.id
    record, _f, _content = file_for(archive, reader, a1.id, 0)
    assert record.id == a1.id
    # View only: no download, and it says why (the user may see the record, so this is no leak).
    with pytest.raises(PermissionDenied) as refused:
        file_for(archive, reader, a1.id, 0, download=True)
    assert refused.value.code == "download_not_granted"
    for other in ("a2", "b1", "a_secret"):
        with pytest.raises(NotFound):
            record_for(archive, reader, recs[other].id)
    uses = [e for e in _events(archive) if e.kind == "utilization_use"]
    assert len(uses) == 1 and uses[0].record_id == a1.id  # the first view, once
    # Eight days later the grant has run out by itself: hidden again everywhere, counts included.
    later = utcnow() + timedelta(days=8)
    monkeypatch.setattr("dangan.services.accounts._grants.utcnow", lambda: later)
    monkeypatch.setattr("dangan.services.utilisation._requests.utcnow", lambda: later)
    reader = _who(archive, "reader1")
    assert reader.grants == ()
    assert _visible(archive, reader) == set() and overview(archive, reader)["records"] == 0
    assert search(archive, reader, a1.title[:8]).total == 0
    with pytest.raises(NotFound):
        record_for(archive, reader, a1.id)
    _who(archive, "reader1")  # noticed again: still one expiry event
    kinds = [e.kind for e in _events(archive)]
    assert kinds == ["utilization_request", "utilization_approve", "utilization_use", "utilization_expire"]
    assert request_json(get_request(archive, reader, rid))["status"] == "已过期"
    with pytest.raises(Conflict):
        revoke_request(archive, _who(archive, "head_a"), rid)


def test_download_grant_unmasks_only_when_granted(env: dict[str, Any]) -> None:
    archive, recs = env["archive"], env["records"]
    a1, a2 = recs["a1"], recs["a2"]
    rid = _ask(archive, "reader1", [a1.archival_code], scope="download", unmask=True)
    approve_request(archive, _who(archive, "archivist"), rid)
    rid2 = _ask(archive, "reader1", [a2.archival_code], scope="download", unmask=True)
    approve_request(archive, _who(archive, "archivist"), rid2, unmask=False)  # the approver narrows
    reader = _who(archive, "reader1")
    file_for(archive, reader, a1.id, 0, download=True)
    assert [e.detail["action"] for e in _events(archive, "utilization_use")] == ["view", "download"]
    rec1 = record_for(archive, reader, a1.id)
    assert not should_mask(reader, rec1)
    view = record_view(archive, reader, rec1, "test")
    assert view.id_number == a1.id_number
    unmasked = _events(archive, "unmask")
    assert [(e.actor, e.record_id) for e in unmasked] == [("reader1", a1.id)]
    rec2 = record_for(archive, reader, a2.id)
    assert should_mask(reader, rec2) and record_view(archive, reader, rec2, "test").id_number != a2.id_number


def test_rejection_needs_a_reason_and_approver_cannot_widen(env: dict[str, Any]) -> None:
    archive, recs = env["archive"], env["records"]
    rid = _ask(archive, "reader1", [recs["a1"].archival_code], days=5)
    head = _who(archive, "head_a")
    for reason in ("", "  ", "无"):
        with pytest.raises(ValidationFailed) as no_reason:
            reject_request(archive, head, rid, reason)
        assert no_reason.value.code == "reason_required"
    with pytest.raises(ValidationFailed):
        approve_request(archive, head, rid, scope="download")  # asked for view only
    with pytest.raises(ValidationFailed):
        approve_request(archive, head, rid, days=6)  # longer than asked
    assert get_request(archive, head, rid).status == "待审批"
    done = reject_request(archive, head, rid, "利用目的与所请档案无关")
    assert (done.status, done.reason) == ("已驳回", "利用目的与所请档案无关")
    with pytest.raises(Conflict):
        approve_request(archive, _who(archive, "archivist"), rid)
    assert _visible(archive, _who(archive, "reader1")) == set()
    assert [e.kind for e in _events(archive)] == ["utilization_request", "utilization_reject"]


def test_who_may_decide(env: dict[str, Any]) -> None:
    archive, recs = env["archive"], env["records"]
    rid = _ask(archive, "reader1", [recs["a1"].archival_code])
    with pytest.raises(NotFound):  # another department's head: as if the request did not exist
        approve_request(archive, _who(archive, "head_b"), rid)
    assert approval_queue(archive, _who(archive, "head_b")) == []
    assert [q.request.id for q in approval_queue(archive, _who(archive, "head_a"))] == [rid]
    for name in ("clerk_a", "reader1", "secadmin"):
        with pytest.raises(PermissionDenied):
            approve_request(archive, _who(archive, name), rid)
    # Nobody approves his own request, archivists included.
    own = _ask(archive, "head_a", [recs["b1"].archival_code])
    with pytest.raises(PermissionDenied) as selfish:
        approve_request(archive, _who(archive, "head_a"), own)
    assert selfish.value.code == "self_approval"
    assert own not in [q.request.id for q in approval_queue(archive, _who(archive, "head_a"))]
    approve_request(archive, _who(archive, "head_b"), own)
    assert recs["b1"].id in _visible(archive, _who(archive, "head_a"))


def test_the_security_officer_cannot_get_access_by_any_route(env: dict[str, Any]) -> None:
    archive, recs = env["archive"], env["records"]
    sec = _who(archive, "secadmin")
    with pytest.raises(PermissionDenied):
        _ask(archive, "secadmin", [recs["a1"].archival_code])
    # Even a grant row for him (say, made while he held another role) lends him nothing.
    rid = _ask(archive, "head_a", [recs["b1"].archival_code])
    with archive.db.write() as s:
        from dangan.store.catalog import UtilizationRequest

        s.get(UtilizationRequest, rid).requester = "secadmin"
    with pytest.raises(ValidationFailed):  # the approver finds nothing to lend to a 三员 account
        approve_request(archive, _who(archive, "archivist"), rid)
    with pytest.raises(PermissionDenied):
        approve_request(archive, sec, rid)
    with archive.db.write() as s:
        req = s.get(UtilizationRequest, rid)
        req.status, req.granted_scope, req.expires_at = "已批准", "download", utcnow() + timedelta(days=3)
        from dangan.store.catalog import UtilizationItem

        s.add(UtilizationItem(request_id=rid, record_id=recs["b1"].id, position=0, archival_code="x"))
    sec = _who(archive, "secadmin")
    assert sec.grants == ()
    forged = Principal("secadmin", sec.role, grants=_who(archive, "head_a").grants)
    assert not can_read(forged, recs["a1"])
    assert _visible(archive, sec) == set() and overview(archive, sec)["records"] == 0


def test_a_set_is_resolved_by_the_approver_within_the_requesters_clearance(any_env: dict[str, Any]) -> None:
    archive, recs = any_env["archive"], any_env["records"]
    form = RequestForm(
        purpose="统计2023年度许可办理情况", department=DEPT_A, year=2023, scope="download", days=3
    )
    req = create_request(archive, _who(archive, "reader1"), form)
    assert request_json(req)["records"] == []  # the requester learns nothing about the catalogue
    assert approval_queue(archive, _who(archive, "head_b")) == []
    entry = approval_queue(archive, _who(archive, "head_a"))[0]
    assert {r.id for r in entry.records} == {recs["a1"].id, recs["a2"].id}  # not the 秘密 one (reader: 内部)
    assert entry.beyond_clearance == 1  # the approver is told why the 秘密 record is left out
    approve_request(archive, _who(archive, "head_a"), req.id)
    reader = _who(archive, "reader1")
    assert _visible(archive, reader) == {recs["a1"].id, recs["a2"].id}
    mine = my_requests(archive, reader)
    assert [r["archival_code"] for r in request_json(mine[0])["records"]] == sorted(
        [recs["a1"].archival_code, recs["a2"].archival_code]
    )
    with pytest.raises(NotFound):  # only the approver or an archivist may revoke
        revoke_request(archive, _who(archive, "head_b"), req.id)
    revoke_request(archive, _who(archive, "archivist"), req.id, "项目已结束")
    assert _visible(archive, _who(archive, "reader1")) == set()
    assert [e.kind for e in _events(archive)][-1] == "utilization_revoke"


def test_requests_for_missing_and_forbidden_records_look_alike(env: dict[str, Any]) -> None:
    archive, recs = env["archive"], env["records"]
    real = create_request(
        archive, _who(archive, "reader1"), RequestForm("核实", codes=(recs["b1"].archival_code,))
    )
    fake = create_request(archive, _who(archive, "reader1"), RequestForm("核实", codes=("X-0000-NONE",)))
    strip = {"id", "created_at", "codes"}
    assert {k: v for k, v in request_json(real).items() if k not in strip} == {
        k: v for k, v in request_json(fake).items() if k not in strip
    }
    for bad, code in ((RequestForm("核"), "purpose_required"), (RequestForm("核实情况"), "target_required"),
                      (RequestForm("核实情况", codes=("a",), days=0), "invalid_days"),
                      (RequestForm("核实情况", codes=("a",), scope="all"), "invalid_scope")):  # fmt: skip
        with pytest.raises(ValidationFailed) as refused:
            create_request(archive, _who(archive, "reader1"), bad)
        assert refused.value.code == code
