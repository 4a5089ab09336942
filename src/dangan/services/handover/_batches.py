"""Handover (移交): a department hands its pre-archived cases to the archive in batches.

The department's clerk (or head) creates a batch from its records not yet in a batch, which fixes the
handover form's counts and byte totals; the department submits it; the archivist runs the 移交 checks on
every record as stored (files read back from the object store, totals compared with the form), then
accepts it or returns it with reasons. A returned batch frees its records for a new batch. Every step
is a ledger event written in the same transaction as the change it records.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from dangan.access import DEPARTMENT_SCOPED, Principal, Role, record_filter
from dangan.checks import CheckReport, Stage, scheme_for
from dangan.collect import PackageRejected, UnpackLimits, open_package
from dangan.core import Conflict, NotFound, PermissionDenied, Problem, ValidationFailed, as_local, utcnow
from dangan.domain import HandoverStatus
from dangan.services.archive import Archive, record_event
from dangan.services.quality import check_package, rejection_report
from dangan.store.catalog import CheckReportRow, Department, HandoverItem, Record
from dangan.store.catalog import HandoverBatch as HandoverBatch
from dangan.store.objects import ObjectMissing

DEFAULT_CARRIER = "在线移交（网络）"
MAX_BATCH = 2000  # records per batch: one form, one check run


@dataclass
class BatchCheck:
    """The outcome of the 移交 checks on a batch: per record, the items that failed."""

    passed: bool
    records: list[dict[str, Any]]

    def as_json(self) -> dict[str, Any]:
        failed = sum(1 for r in self.records if not r["passed"])
        return {
            "passed": self.passed,
            "stage": Stage.HANDOVER.value,
            "failed": failed,
            "records": self.records,
        }


def _department_of(user: Principal) -> str:
    if user.role not in DEPARTMENT_SCOPED or not user.department:
        raise PermissionDenied("只有部门经办人或部门负责人可以发起移交", code="handover_forbidden")
    return user.department


def _require_archivist(user: Principal) -> None:
    if user.role is not Role.ARCHIVIST:
        raise PermissionDenied("只有档案管理员可以检测、接收或退回移交批次", code="handover_forbidden")


def _may_see(user: Principal, batch: HandoverBatch) -> bool:
    if user.role is Role.ARCHIVIST:
        return True
    return user.role in DEPARTMENT_SCOPED and bool(user.department) and batch.department == user.department


def list_batches(archive: Archive, user: Principal, status: str | None = None) -> list[HandoverBatch]:
    """Batches the user may see, newest first: all for archivists, their own department's otherwise."""
    if user.role is not Role.ARCHIVIST and user.role not in DEPARTMENT_SCOPED:
        raise PermissionDenied("您无权查看移交批次", code="handover_forbidden")
    query = select(HandoverBatch).order_by(HandoverBatch.created_at.desc(), HandoverBatch.id.desc())
    if user.role is not Role.ARCHIVIST:
        query = query.where(HandoverBatch.department == (user.department or ""))
    if status:
        query = query.where(HandoverBatch.status == status)
    with archive.db.read() as session:
        batches = list(session.scalars(query))
        _name(session, archive, batches)
        return batches


def _name(session: Session, archive: Archive, batches: list[HandoverBatch]) -> None:
    """People name a batch by department, year and sequence: '秦皇岛市市场监督管理局 2026 年第 3 批'. The
    sequence counts the department's batches registered in that year (in the archive's zone)."""
    zone = archive.settings.timezone
    for batch in batches:
        year = as_local(batch.created_at, zone).year
        earlier = session.scalars(
            select(HandoverBatch.created_at).where(
                HandoverBatch.department == batch.department, HandoverBatch.created_at <= batch.created_at,
            )
        ).all()  # fmt: skip
        seq = sum(1 for at in earlier if as_local(at, zone).year == year)
        batch.display_name = f"{batch.department} {year} 年第 {seq} 批"  # type: ignore[attr-defined]


def get_batch(archive: Archive, user: Principal, batch_id: str) -> HandoverBatch:
    """One batch with its items; NotFound also for another department's batch (existence not revealed)."""
    with archive.db.read() as session:
        batch = session.scalars(
            select(HandoverBatch)
            .options(selectinload(HandoverBatch.items))
            .where(HandoverBatch.id == batch_id)
        ).first()
        if batch is not None:
            _name(session, archive, [batch])
    if batch is None or not _may_see(user, batch):
        raise NotFound("移交批次不存在或您无权查看", code="handover_not_found")
    return batch


def _open_record_ids() -> Any:
    return select(HandoverItem.open_record_id).where(HandoverItem.open_record_id.is_not(None))


def candidates(
    archive: Archive, user: Principal, *, year: int | None = None, limit: int = MAX_BATCH
) -> list[Record]:
    """The department's records (that the user may read) not yet in a pending, submitted or accepted batch."""
    department = _department_of(user)
    query = (
        select(Record)
        .join(Department, Department.id == Record.department_id)
        .options(selectinload(Record.files))
        .where(record_filter(user), Department.name == department, Record.id.not_in(_open_record_ids()))
        .order_by(Record.archival_code)
        .limit(max(1, min(limit, MAX_BATCH)))
    )
    if year is not None:
        query = query.where(Record.year == year)
    with archive.db.read() as session:
        return list(session.scalars(query).unique())


def create_batch(
    archive: Archive,
    user: Principal,
    *,
    record_ids: list[str] | None = None,
    year: int | None = None,
    limit: int = MAX_BATCH,
    carrier: str = DEFAULT_CARRIER,
    note: str = "",
) -> HandoverBatch:
    """A new batch (待移交) of the department's free records, all of them or those named."""
    department = _department_of(user)
    carrier, note = carrier.strip() or DEFAULT_CARRIER, note.strip()
    if len(carrier) > 100 or len(note) > 2000:
        raise ValidationFailed("载体不超过100字，备注不超过2000字", code="invalid_handover")
    pool = candidates(archive, user, year=year, limit=MAX_BATCH if record_ids else limit)
    if record_ids:
        wanted = list(dict.fromkeys(record_ids))
        by_id = {r.id: r for r in pool}
        missing = [rid for rid in wanted if rid not in by_id]
        if missing:
            raise ValidationFailed(
                f"以下档案不属于本部门、已在其他移交批次中或您无权查看：{'、'.join(missing[:10])}",
                code="handover_records_unavailable",
            )
        pool = sorted((by_id[rid] for rid in wanted), key=lambda r: r.archival_code)
    if not pool:
        raise ValidationFailed("本部门没有可移交的档案（均已在移交批次中）", code="handover_empty")
    items = [
        HandoverItem(
            record_id=r.id, open_record_id=r.id, position=i, archival_code=r.archival_code, title=r.title,
            year=r.year, retention=r.retention, security_level=r.security_level,
            file_count=len(r.files), total_bytes=sum(f.size for f in r.files),
        )
        for i, r in enumerate(pool, start=1)
    ]  # fmt: skip
    batch = HandoverBatch(
        department=department, status=HandoverStatus.PENDING, carrier=carrier, note=note or None,
        record_count=len(items), file_count=sum(i.file_count for i in items),
        total_bytes=sum(i.total_bytes for i in items), first_code=items[0].archival_code,
        last_code=items[-1].archival_code, created_by=user.username, created_at=utcnow(), items=items,
    )  # fmt: skip
    try:
        with archive.db.write() as session:
            session.add(batch)
            session.flush()
            _event(session, "handover_create", user, batch)
    except IntegrityError:
        raise Conflict("部分档案刚被编入另一移交批次，请重新生成", code="handover_race") from None
    return get_batch(archive, user, batch.id)


def _event(session: Session, kind: str, user: Principal, batch: HandoverBatch, **extra: Any) -> None:
    detail = {
        "batch": batch.id, "department": batch.department, "status": batch.status,
        "records": batch.record_count, "files": batch.file_count, "bytes": batch.total_bytes, **extra,
    }  # fmt: skip
    record_event(session, kind, user.username, None, detail)


def _locked(session: Session, batch_id: str) -> HandoverBatch:
    batch = session.scalars(
        select(HandoverBatch).where(HandoverBatch.id == batch_id).with_for_update()
    ).first()
    if batch is None:
        raise NotFound("移交批次不存在或您无权查看", code="handover_not_found")
    return batch


def submit_batch(archive: Archive, user: Principal, batch_id: str) -> HandoverBatch:
    """The department hands the batch over (待移交 → 已移交)."""
    department = _department_of(user)
    with archive.db.write() as session:
        batch = _locked(session, batch_id)
        if batch.department != department:
            raise NotFound("移交批次不存在或您无权查看", code="handover_not_found")
        if batch.status != HandoverStatus.PENDING:
            raise Conflict(f"该批次状态为“{batch.status}”，不能再移交", code="handover_closed")
        batch.status, batch.submitted_by, batch.submitted_at = (
            HandoverStatus.SUBMITTED,
            user.username,
            utcnow(),
        )
        _event(session, "handover_submit", user, batch)
    return get_batch(archive, user, batch_id)


def _write_record(archive: Archive, record: Record, dest: Path) -> None:
    """The record as a case package folder again: its case.json and its files read from the store."""
    (dest / "case.json").write_text(json.dumps(record.document, ensure_ascii=False), encoding="utf-8")
    for f in record.files:
        target = dest / f.path
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            with open(target, "wb") as out:
                for chunk in archive.objects.iter_plain(f.sha256, f.encrypted):
                    out.write(chunk)
        except (ObjectMissing, OSError):
            target.unlink(missing_ok=True)  # reported by the checks as a missing file (2-4)


def check_record(archive: Archive, record: Record, item: HandoverItem) -> CheckReport:
    """The 移交 scheme on a stored record, its totals compared with those on the handover form."""
    folder = Path(tempfile.mkdtemp(prefix=".handover-", dir=archive.staging))
    try:
        _write_record(archive, record, folder)
        expected = {"files": item.file_count, "bytes": item.total_bytes}
        limits = UnpackLimits.from_settings(archive.settings)
        with open_package(folder, archive.staging, limits=limits) as pkg:
            return check_package(archive, pkg, Stage.HANDOVER, expected=expected)
    except PackageRejected as exc:
        return rejection_report(exc.problems or [Problem(exc.code, exc.message)], Stage.HANDOVER)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def check_batch(archive: Archive, user: Principal, batch_id: str) -> BatchCheck:
    """Run the 移交 checks on every record of a submitted batch; reports are stored with the records."""
    _require_archivist(user)
    batch = get_batch(archive, user, batch_id)
    if batch.status != HandoverStatus.SUBMITTED:
        raise Conflict(
            f"该批次状态为“{batch.status}”，只有已移交的批次可以检测", code="handover_not_submitted"
        )
    scheme = scheme_for(Stage.HANDOVER, archive.settings.checks).as_json()
    results: list[dict[str, Any]] = []
    rows: list[CheckReportRow] = []
    for item in batch.items:
        with archive.db.read() as session:
            record = session.scalars(
                select(Record).options(selectinload(Record.files)).where(Record.id == item.record_id)
            ).first()
        if record is None:
            results.append({"record_id": item.record_id, "archival_code": item.archival_code, "passed": False,
                            "failures": [{"code": "2-4", "message": "档案已不在库中"}]})  # fmt: skip
            continue
        report = check_record(archive, record, item)
        failures = [{"code": i.code, "name": i.name, "message": i.message} for i in report.failures]
        results.append({"record_id": item.record_id, "archival_code": item.archival_code,
                        "passed": report.passed, "failures": failures})  # fmt: skip
        rows.append(CheckReportRow(record_id=record.id, stage=Stage.HANDOVER.value, passed=report.passed,
                                   report=report.as_json(), scheme=scheme, actor=user.username))  # fmt: skip
    outcome = BatchCheck(all(r["passed"] for r in results), results)
    with archive.db.write() as session:
        locked = _locked(session, batch_id)
        if locked.status != HandoverStatus.SUBMITTED:
            raise Conflict(f"该批次状态已变为“{locked.status}”", code="handover_closed")
        session.add_all(rows)
        now = utcnow()
        locked.check_passed, locked.check_summary = outcome.passed, outcome.as_json()
        locked.checked_by, locked.checked_at = user.username, now
        failed = [r["archival_code"] for r in results if not r["passed"]]
        _event(session, "handover_check", user, locked, passed=outcome.passed, failed=failed)
    return outcome


def accept_batch(archive: Archive, user: Principal, batch_id: str) -> HandoverBatch:
    """Receive a submitted batch (已接收). It is checked first when it has not passed a check yet."""
    _require_archivist(user)
    batch = get_batch(archive, user, batch_id)
    if batch.status != HandoverStatus.SUBMITTED:
        raise Conflict(
            f"该批次状态为“{batch.status}”，只有已移交的批次可以接收", code="handover_not_submitted"
        )
    if batch.check_passed is not True and not check_batch(archive, user, batch_id).passed:
        raise Conflict("移交检测未通过，不能接收；请查看检测结果并退回移交部门", code="handover_check_failed")
    with archive.db.write() as session:
        locked = _locked(session, batch_id)
        if locked.status != HandoverStatus.SUBMITTED or locked.check_passed is not True:
            raise Conflict(f"该批次状态已变为“{locked.status}”", code="handover_closed")
        locked.status, locked.resolved_by, locked.resolved_at = (
            HandoverStatus.ACCEPTED,
            user.username,
            utcnow(),
        )
        _event(session, "handover_accept", user, locked)
    return get_batch(archive, user, batch_id)


def return_batch(archive: Archive, user: Principal, batch_id: str, reasons: str) -> HandoverBatch:
    """Send a pending or submitted batch back with reasons (已退回); its records may be batched again."""
    _require_archivist(user)
    reasons = reasons.strip()
    if not reasons or len(reasons) > 2000:
        raise ValidationFailed("请填写退回理由（不超过2000字）", code="reason_required")
    get_batch(archive, user, batch_id)
    with archive.db.write() as session:
        batch = _locked(session, batch_id)
        if batch.status not in (HandoverStatus.PENDING, HandoverStatus.SUBMITTED):
            raise Conflict(f"该批次状态为“{batch.status}”，不能退回", code="handover_closed")
        batch.status, batch.reasons = HandoverStatus.RETURNED, reasons
        batch.resolved_by, batch.resolved_at = user.username, utcnow()
        session.execute(
            update(HandoverItem).where(HandoverItem.batch_id == batch_id).values(open_record_id=None)
        )
        _event(session, "handover_return", user, batch, reasons=reasons)
    return get_batch(archive, user, batch_id)
