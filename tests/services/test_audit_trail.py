"""The audit trail: denied reads are logged (the user still sees "not found"), the auditor's search,
export (CSV, XLSX) and its own event, and no record content in what the auditor reads."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook  # type: ignore[import-untyped]
from sqlalchemy import select

from dangan.access import Principal, Role
from dangan.core import NotFound, PermissionDenied, ValidationFailed
from dangan.domain import SecurityLevel
from dangan.services.archive import CLIENT_ADDRESS, Archive, log_access, log_event
from dangan.services.intake import import_paths
from dangan.services.oversight import export_events, make_filter, pseudonym, search_events
from dangan.services.records import record_for
from dangan.store.catalog import Event
from tests.factories import package_dir

AUDITOR = Principal(username="aud", role=Role.AUDITOR)
DEPT = "秦皇岛市市场监督管理局"


def _ingest(archive: Archive, tmp_path: Path) -> str:
    pkg = package_dir(tmp_path / "cases", 1, department=DEPT, security_level="内部", open_to_public=False)
    report = import_paths(archive, [pkg])
    record_id = report.accepted[0].record_id
    assert record_id
    return record_id


def _events(archive: Archive, kind: str) -> list[Event]:
    with archive.db.read() as s:
        return list(s.scalars(select(Event).where(Event.kind == kind).order_by(Event.id)))


def test_a_denied_read_answers_not_found_and_is_logged(archive: Archive, tmp_path: Path) -> None:
    record_id = _ingest(archive, tmp_path)
    outsider = Principal("clerk_b", Role.CLERK, department="别的部门", clearance=SecurityLevel.SECRET)
    token = CLIENT_ADDRESS.set("203.0.113.7")
    try:
        with pytest.raises(NotFound) as denied:
            record_for(archive, outsider, record_id)
        with pytest.raises(NotFound) as missing:
            record_for(archive, outsider, "01JZZZZZZZZZZZZZZZZZZZZZZZ")
    finally:
        CLIENT_ADDRESS.reset(token)
    assert (denied.value.code, denied.value.message) == (missing.value.code, missing.value.message)
    events = _events(archive, "denied")
    assert [(e.actor, e.record_id, e.detail) for e in events] == [
        ("clerk_b", record_id, {"action": "read", "client": "203.0.113.7"})
    ]  # the missing record is not an event: nothing was there to refuse
    insider = Principal("clerk_a", Role.CLERK, department=DEPT, clearance=SecurityLevel.INTERNAL)
    assert record_for(archive, insider, record_id).id == record_id
    assert len(_events(archive, "denied")) == 1


def test_search_filters_by_user_kind_record_time_and_outcome(archive: Archive, tmp_path: Path) -> None:
    record_id = _ingest(archive, tmp_path)
    log_access(archive, "zhang", "view", record_id, {"via": "web"})
    log_access(archive, "zhang", "download", record_id, {"via": "web"})
    log_access(archive, "li", "view", record_id, {"via": "api"})
    log_event(archive, "denied", "li", record_id, {"action": "read"})

    def ids(**kw: str) -> list[tuple[str, str]]:
        return [(r.actor, r.kind) for r in search_events(archive, AUDITOR, make_filter(**kw)).items]

    assert ids(user="zhang") == [("zhang", "download"), ("zhang", "view")]
    assert ids(kind="view") == [("li", "view"), ("zhang", "view")]
    assert ids(outcome="denied") == [("li", "denied")]
    assert ("li", "denied") not in ids(outcome="allowed")
    assert len(ids(record_id=record_id)) == 5  # the ingest too
    assert ids(since="2000-01-01", until="2000-01-02") == []
    assert len(ids(since="2000-01-01")) == len(ids())
    page = search_events(archive, AUDITOR, make_filter(), page=2, per_page=2)
    assert (page.total, page.pages, len(page.items)) == (5, 3, 2)
    with pytest.raises(ValidationFailed):
        make_filter(since="昨天")
    with pytest.raises(ValidationFailed):
        make_filter(outcome="maybe")


def test_the_auditor_sees_actions_not_record_content(archive: Archive, tmp_path: Path) -> None:
    record_id = _ingest(archive, tmp_path)
    with archive.db.read() as s:
        ingest = s.scalars(select(Event).where(Event.kind == "ingest")).one()
    title, applicant = ingest.detail["record"]["title"], ingest.detail["record"]["applicant_name"]
    rows = search_events(archive, AUDITOR, make_filter(record_id=record_id)).items
    text = repr([r.as_json() for r in rows])
    assert record_id not in text and title not in text and applicant not in text
    assert [r.record_id for r in rows] == [pseudonym(archive, record_id)]
    assert [
        r.kind for r in search_events(archive, AUDITOR, make_filter(record_id=rows[0].record_id)).items
    ] == ["ingest"]  # the pseudonym is a filter too
    data, _ = export_events(archive, AUDITOR, make_filter(), "csv")
    assert title not in data.decode("utf-8-sig") and applicant not in data.decode("utf-8-sig")


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.AUDITOR])
def test_only_the_auditor_reads_the_trail(archive: Archive, role: Role) -> None:
    user = Principal("x", role, clearance=SecurityLevel.CONFIDENTIAL)
    with pytest.raises(PermissionDenied):
        search_events(archive, user, make_filter())
    with pytest.raises(PermissionDenied):
        export_events(archive, user, make_filter(), "csv")


def test_exports_hold_the_filtered_set_and_are_themselves_logged(archive: Archive) -> None:
    log_event(archive, "login", "zhang", None, {"source": "10.0.0.1"})
    log_event(archive, "login_failed", "=cmd|' /C calc'!A0", None, {"source": "10.0.0.2"})
    data, rows = export_events(archive, AUDITOR, make_filter(kind="login_failed"), "csv")
    table = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows == 1 and table[0][:4] == ["编号", "时间（北京时间）", "用户", "事件"]
    logged = search_events(archive, AUDITOR, make_filter(kind="login_failed")).items[0].at
    assert table[1][1] == (logged + timedelta(hours=8)).strftime(
        "%Y-%m-%d %H:%M:%S"
    )  # shown in the zone named
    assert table[1][2] == "'=cmd|' /C calc'!A0"  # a formula is quoted, not run by the spreadsheet
    assert (table[1][4], table[1][5], table[1][7]) == ("login_failed", "拒绝", "10.0.0.2")
    xlsx, rows = export_events(archive, AUDITOR, make_filter(user="zhang"), "xlsx")
    sheet = load_workbook(io.BytesIO(xlsx)).active
    assert sheet is not None and rows == 1
    assert [c.value for c in sheet[2]][2:6] == ["zhang", "登录", "login", "允许"]
    exports = _events(archive, "audit_export")
    assert [(e.actor, e.detail["format"], e.detail["rows"], e.detail["filters"]) for e in exports] == [
        ("aud", "csv", 1, {"kind": "login_failed"}),
        ("aud", "xlsx", 1, {"user": "zhang"}),
    ]
    with pytest.raises(ValidationFailed):
        export_events(archive, AUDITOR, make_filter(), "pdf")


def test_time_filters_on_both_catalogue_backends(any_archive: Archive) -> None:
    from datetime import timedelta

    from dangan.core import utcnow

    log_event(any_archive, "login", "zhou", None, {"source": "10.9.9.9"})
    now = utcnow()
    hour = timedelta(hours=1)

    def total(**kw: str) -> int:
        return search_events(any_archive, AUDITOR, make_filter(user="zhou", **kw)).total

    assert total(since=(now - hour).isoformat(), until=(now + hour).isoformat()) == 1
    assert total(since=(now + hour).isoformat()) == 0 and total(until=(now - hour).isoformat()) == 0
    later_in_shanghai = (now + hour + timedelta(hours=8)).replace(tzinfo=None).isoformat() + "+08:00"
    assert (total(until=later_in_shanghai), total(since=later_in_shanghai)) == (1, 0)  # the offset counts
