"""Handover (移交): a department's clerk batches its records, the form's counts and byte totals match the
packages, the archivist checks at 移交 and accepts or returns; permissions; every step a ledger event."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select, update

from dangan.access import Principal, Role
from dangan.core import Conflict, NotFound, PermissionDenied, ValidationFailed
from dangan.domain import SecurityLevel
from dangan.services.archive import Archive
from dangan.services.handover import (
    accept_batch,
    check_batch,
    create_batch,
    get_batch,
    handover_form_pdf,
    handover_receipt_pdf,
    list_batches,
    return_batch,
    submit_batch,
)
from dangan.services.intake import import_paths
from dangan.store.catalog import CheckReportRow, Event, HandoverItem
from tests.factories import package_dir
from tests.services.test_check_pdf import pdf_text

DEPT_A = "秦皇岛市市场监督管理局"
DEPT_B = "秦皇岛市生态环境局"
ARCHIVIST = Principal("archivist", Role.ARCHIVIST, clearance=SecurityLevel.SECRET)
CLERK_A = Principal("clerk_a", Role.CLERK, department=DEPT_A, clearance=SecurityLevel.SECRET)
HEAD_A = Principal("head_a", Role.DEPT_HEAD, department=DEPT_A, clearance=SecurityLevel.SECRET)
CLERK_B = Principal("clerk_b", Role.CLERK, department=DEPT_B, clearance=SecurityLevel.SECRET)


def _totals(pkg: Path) -> tuple[int, int]:
    doc = json.loads((pkg / "case.json").read_text(encoding="utf-8"))
    sizes = [(pkg / f["path"]).stat().st_size for f in doc["files"]]
    return len(sizes), sum(sizes)


def _import(archive: Archive, tmp: Path, seeds: range, department: str) -> list[Path]:
    pkgs = [package_dir(tmp / f"in{s}", s, department=department) for s in seeds]
    report = import_paths(archive, pkgs)
    assert len(report.accepted) == len(pkgs), report.as_json()["rejected"]
    return pkgs


def _kinds(archive: Archive, batch_id: str) -> list[str]:
    with archive.db.read() as session:
        events = session.scalars(select(Event).where(Event.kind.like("handover_%")).order_by(Event.id)).all()
    return [e.kind for e in events if e.detail.get("batch") == batch_id]


def test_create_check_accept_with_matching_totals(any_archive: Archive, tmp_path: Path) -> None:
    pkgs = _import(any_archive, tmp_path, range(80, 83), DEPT_A)
    _import(any_archive, tmp_path, range(90, 91), DEPT_B)
    batch = create_batch(any_archive, CLERK_A, note="2024年度第一批")
    files, size = zip(*(_totals(p) for p in pkgs), strict=True)
    assert (batch.status, batch.department, batch.record_count) == ("待移交", DEPT_A, 3)
    assert (batch.file_count, batch.total_bytes) == (sum(files), sum(size))
    assert sorted(i.total_bytes for i in batch.items) == sorted(size)
    codes = sorted(str(i.archival_code) for i in batch.items)
    assert (batch.first_code, batch.last_code) == (codes[0], codes[-1])
    with pytest.raises(ValidationFailed) as empty:
        create_batch(any_archive, HEAD_A)  # everything of A is in the open batch now
    assert empty.value.code == "handover_empty"

    form = pdf_text(handover_form_pdf(any_archive, CLERK_A, batch.id)[1])
    assert "电子档案移交登记表" in form and f"{batch.total_bytes} 字节" in form and codes[0] in form
    with pytest.raises(Conflict):
        accept_batch(any_archive, ARCHIVIST, batch.id)  # not handed over yet
    assert submit_batch(any_archive, CLERK_A, batch.id).status == "已移交"
    outcome = check_batch(any_archive, ARCHIVIST, batch.id)
    assert outcome.passed, outcome.records
    with any_archive.db.read() as session:
        stored = session.scalars(select(CheckReportRow).where(CheckReportRow.stage == "移交")).all()
    assert sorted(str(r.record_id) for r in stored) == sorted(i.record_id for i in batch.items)
    accepted = accept_batch(any_archive, ARCHIVIST, batch.id)
    assert (accepted.status, accepted.resolved_by, accepted.check_passed) == ("已接收", "archivist", True)
    receipt = pdf_text(handover_receipt_pdf(any_archive, CLERK_A, batch.id)[1])
    assert (
        "电子档案移交接收回执" in receipt and f"{batch.record_count} 件" in receipt and "各执一份" in receipt
    )
    assert _kinds(any_archive, batch.id) == [
        "handover_create", "handover_submit", "handover_check", "handover_accept",
    ]  # fmt: skip
    with pytest.raises(Conflict):
        return_batch(any_archive, ARCHIVIST, batch.id, "太晚了")


def test_permissions(any_archive: Archive, tmp_path: Path) -> None:
    _import(any_archive, tmp_path, range(84, 86), DEPT_A)
    for who in (ARCHIVIST, CLERK_B, Principal("reader", Role.READER)):
        with pytest.raises((PermissionDenied, ValidationFailed)):
            create_batch(any_archive, who)
    batch = create_batch(any_archive, CLERK_A)
    with pytest.raises(NotFound):
        get_batch(any_archive, CLERK_B, batch.id)
    with pytest.raises(NotFound):
        submit_batch(any_archive, CLERK_B, batch.id)
    assert list_batches(any_archive, CLERK_B) == []
    assert [b.id for b in list_batches(any_archive, HEAD_A)] == [batch.id]
    submit_batch(any_archive, CLERK_A, batch.id)
    for call in (
        lambda: check_batch(any_archive, CLERK_A, batch.id),
        lambda: accept_batch(any_archive, CLERK_A, batch.id),
        lambda: return_batch(any_archive, CLERK_A, batch.id, "x"),
        lambda: list_batches(any_archive, Principal("auditor", Role.AUDITOR)),
    ):
        with pytest.raises(PermissionDenied):
            call()
    with pytest.raises(ValidationFailed):
        return_batch(any_archive, ARCHIVIST, batch.id, "  ")
    assert get_batch(any_archive, ARCHIVIST, batch.id).status == "已移交"


def test_form_mismatch_fails_the_check_and_the_batch_is_returned(
    any_archive: Archive, tmp_path: Path
) -> None:
    _import(any_archive, tmp_path, range(86, 88), DEPT_A)
    batch = create_batch(any_archive, CLERK_A)
    submit_batch(any_archive, CLERK_A, batch.id)
    tampered = batch.items[0]
    with any_archive.db.write() as session:  # the form says one byte more than the record holds
        session.execute(
            update(HandoverItem)
            .where(HandoverItem.batch_id == batch.id, HandoverItem.record_id == tampered.record_id)
            .values(total_bytes=tampered.total_bytes + 1)
        )
    with pytest.raises(Conflict) as refused:
        accept_batch(any_archive, ARCHIVIST, batch.id)
    assert refused.value.code == "handover_check_failed"
    summary = get_batch(any_archive, ARCHIVIST, batch.id).check_summary
    assert summary is not None and summary["failed"] == 1
    failed = next(r for r in summary["records"] if not r["passed"])
    assert failed["archival_code"] == tampered.archival_code
    assert any(f["code"] == "2-1" and "字节数" in f["message"] for f in failed["failures"])
    returned = return_batch(any_archive, ARCHIVIST, batch.id, "第1件字节数与登记表不符，请核对后重新移交")
    assert (returned.status, returned.reasons) == ("已退回", "第1件字节数与登记表不符，请核对后重新移交")
    notice = pdf_text(handover_receipt_pdf(any_archive, CLERK_A, batch.id)[1])
    assert "电子档案移交退回通知" in notice and "重新移交" in notice
    again = create_batch(any_archive, CLERK_A, record_ids=[tampered.record_id])  # records are free again
    assert [i.record_id for i in again.items] == [tampered.record_id]
    assert _kinds(any_archive, batch.id) == [
        "handover_create", "handover_submit", "handover_check", "handover_return",
    ]  # fmt: skip
    with pytest.raises(ValidationFailed) as taken:
        create_batch(any_archive, CLERK_A, record_ids=[tampered.record_id])
    assert taken.value.code == "handover_records_unavailable"
