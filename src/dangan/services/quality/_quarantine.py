"""Quarantine: packages that failed a blocking check, kept aside with their reasons until they are
fixed and re-checked, or returned to the forming department.

A quarantined package is a copy under DATA/quarantine/<id>/ plus a catalogue row; nothing of it is in
the archive (no objects, no record). One entry is held per (source_system, source_id): a failing
re-submission replaces the held copy and its reasons instead of piling up duplicates.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from dangan.access import DEPARTMENT_SCOPED, Principal, Role
from dangan.checks import CheckReport
from dangan.collect import CasePackage
from dangan.core import Conflict, NotFound, PermissionDenied, Problem, new_id, utcnow
from dangan.domain import QuarantineStatus
from dangan.services.archive import Archive, record_event
from dangan.store.catalog import CheckReportRow, QuarantineEntry

QUARANTINE_DIR = "quarantine"
STATUS_LABELS = {"held": "待处理", "returned": "已退回", "released": "已通过并归档"}


def reasons_of(report: CheckReport) -> list[Problem]:
    """The failing blocking items as import reasons: code `check:2-1`, the item's Chinese message."""
    return [Problem(f"check:{i.code}", f"{i.code} {i.name}：{i.message}") for i in report.failures]


def _copy_tree(src: Path, dest: Path) -> None:
    """Copy every regular file under `src` (links and special files are left behind), fsynced."""
    for dirpath, _dirnames, filenames in os.walk(src, followlinks=False):
        base = Path(dirpath)
        for name in filenames:
            source = base / name
            if not stat.S_ISREG(os.lstat(source).st_mode):
                continue
            target = dest / source.relative_to(src)
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(source, "rb") as fin, open(target, "wb") as fout:
                shutil.copyfileobj(fin, fout, 1024 * 1024)
                fout.flush()
                os.fsync(fout.fileno())


def quarantine_root(archive: Archive) -> Path:
    path = archive.settings.home / QUARANTINE_DIR
    path.mkdir(parents=True, exist_ok=True)
    return path


def quarantine_package(
    archive: Archive, pkg: CasePackage, report: CheckReport, scheme: dict[str, Any], actor: str
) -> str:
    """Copy the package aside and record why; returns the quarantine id.

    The copy is written to a hidden folder first and renamed into place inside the catalogue
    transaction, so a reader never finds a half-copied package behind a row.
    """
    root = quarantine_root(archive)
    meta = pkg.metadata
    reasons = [p.as_dict() for p in reasons_of(report)]
    incoming = Path(tempfile.mkdtemp(prefix=".incoming-", dir=root))
    retired: Path | None = None
    try:
        _copy_tree(pkg.root, incoming)
        with archive.db.write() as session:
            entry = session.scalars(
                select(QuarantineEntry).where(
                    QuarantineEntry.source_system == meta.source_system,
                    QuarantineEntry.source_id == meta.source_id,
                    QuarantineEntry.status == QuarantineStatus.HELD,
                )
            ).first()
            if entry is None:
                qid = new_id()
                entry = QuarantineEntry(
                    id=qid, folder=f"{QUARANTINE_DIR}/{qid}", created_by=actor, status=QuarantineStatus.HELD
                )
                session.add(entry)
            entry.source_system, entry.source_id = meta.source_system, meta.source_id
            entry.origin, entry.department, entry.matter = pkg.origin, meta.department, meta.matter_name
            entry.title, entry.reasons, entry.updated_at = meta.title, reasons, utcnow()
            session.add(CheckReportRow(quarantine_id=entry.id, stage=report.stage.value, passed=False,
                                       report=report.as_json(), scheme=scheme, actor=actor))  # fmt: skip
            record_event(session, "quarantine", actor, None,
                         {"quarantine_id": entry.id, "source": [meta.source_system, meta.source_id],
                          "reasons": [r["code"] for r in reasons]})  # fmt: skip
            session.flush()
            final = archive.settings.home / entry.folder
            if final.exists():
                retired = Path(tempfile.mkdtemp(prefix=".retired-", dir=root))
                os.replace(final, retired / "old")
            os.replace(incoming, final)
            return entry.id
    except BaseException:
        shutil.rmtree(incoming, ignore_errors=True)
        raise
    finally:
        if retired is not None:
            shutil.rmtree(retired, ignore_errors=True)


def require_archivist(user: Principal) -> None:
    if user.role is not Role.ARCHIVIST:
        raise PermissionDenied("只有档案管理员可以处理隔离区中的案卷包", code="quarantine_forbidden")


def require_quarantine_access(user: Principal) -> None:
    """Archivists see every quarantined package; a department's clerks and head see their own
    department's, to fix and resubmit what they sent; nobody else sees the quarantine."""
    if user.role is not Role.ARCHIVIST and user.role not in DEPARTMENT_SCOPED:
        raise PermissionDenied("只有档案管理员和部门经办人可以查看隔离区", code="quarantine_forbidden")


def may_see_entry(user: Principal, department: str | None) -> bool:
    if user.role is Role.ARCHIVIST:
        return True
    return user.role in DEPARTMENT_SCOPED and bool(department) and department == user.department


def origin_label(origin: str) -> str:
    """Where a package came from, without the server's paths: '网页上传', a ZIP's or folder's name."""
    text = (origin or "").strip()
    for prefix, label in (("web", "网页上传"), ("api", "接口推送"), ("watch", "监视目录")):
        if text.startswith(prefix + ":"):
            return label
    name = text.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]
    if name.startswith(".") or name in ("", "package", "data"):
        return "上传的案卷包"
    return name


@dataclass(frozen=True)
class QuarantineView:
    entry: QuarantineEntry
    report: CheckReport | None

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.entry.status, self.entry.status)


def list_quarantine(
    archive: Archive, user: Principal, status: str | None = QuarantineStatus.HELD
) -> list[QuarantineEntry]:
    require_quarantine_access(user)
    query = select(QuarantineEntry).order_by(QuarantineEntry.updated_at.desc())
    if user.role is not Role.ARCHIVIST:
        query = query.where(QuarantineEntry.department == (user.department or ""))
    if status:
        query = query.where(QuarantineEntry.status == status)
    with archive.db.read() as session:
        return list(session.scalars(query.limit(500)))


def count_held(archive: Archive) -> int:
    with archive.db.read() as session:
        held = (
            select(func.count())
            .select_from(QuarantineEntry)
            .where(QuarantineEntry.status == QuarantineStatus.HELD)
        )
        return int(session.scalar(held) or 0)


def quarantine_entry(archive: Archive, user: Principal, qid: str) -> QuarantineView:
    """One package (another department's is not found, exactly like a missing one)."""
    require_quarantine_access(user)
    with archive.db.read() as session:
        entry = session.get(QuarantineEntry, qid)
        if entry is None or not may_see_entry(user, entry.department):
            raise NotFound("隔离区中没有这个案卷包", code="quarantine_not_found")
        row = session.scalars(
            select(CheckReportRow)
            .where(CheckReportRow.quarantine_id == qid)
            .order_by(CheckReportRow.created_at.desc())
            .limit(1)
        ).first()
    return QuarantineView(entry, CheckReport.from_json(row.report) if row is not None else None)


def quarantine_folder(archive: Archive, entry: QuarantineEntry) -> Path:
    return archive.settings.home / entry.folder


def return_to_department(archive: Archive, user: Principal, qid: str, note: str) -> QuarantineEntry:
    """Send a held package back to its department with a reason; its copy stays for the record."""
    require_archivist(user)
    note = note.strip()
    if not note:
        raise Conflict("退回时须填写退回理由", code="note_required")
    with archive.db.write() as session:
        entry = session.get(QuarantineEntry, qid)
        if entry is None:
            raise NotFound("隔离区中没有这个案卷包", code="quarantine_not_found")
        if entry.status != QuarantineStatus.HELD:
            raise Conflict("该案卷包已处理，不能再退回", code="quarantine_closed")
        now = utcnow()
        entry.status, entry.note = QuarantineStatus.RETURNED, note[:2000]
        entry.resolved_by, entry.resolved_at, entry.updated_at = user.username, now, now
        record_event(session, "quarantine_return", user.username, None,
                     {"quarantine_id": qid, "department": entry.department, "note": entry.note})  # fmt: skip
        return entry
