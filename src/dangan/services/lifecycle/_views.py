"""Read models the lifecycle pages need beyond the CLI's: the expiry list narrowed by the page's filters,
the active holds, and one record's lifecycle (its hold history, open batch, register line).

Every read goes through the same checks as the use cases: who may appraise, and `can_read` on each
record, so a page cannot show what `disposal due --as` or `hold add --as` would not.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from dangan.access import Principal, Role, can_read, mask_record_view
from dangan.core import NotFound, PermissionDenied
from dangan.domain import Retention
from dangan.services.archive import Archive
from dangan.store.catalog import DisposalBatch, DisposalItem, DisposalRegister, LegalHold, Record

from ._common import APPRAISERS
from ._due import DueRecord, due_records
from ._holds import HoldView

RETENTIONS = tuple(r.label for r in Retention if r.years is not None)


def require_appraiser(user: Principal) -> None:
    """The lifecycle pages are the appraisal group's: archivists and department heads."""
    if user.role not in APPRAISERS:
        raise PermissionDenied("只有档案管理员和部门负责人可以进行档案鉴定与销毁", code="lifecycle_forbidden")


def may_appraise(user: Principal) -> bool:
    return user.role in APPRAISERS


def may_execute(user: Principal) -> bool:
    return user.role is Role.ARCHIVIST


@dataclass(frozen=True)
class DueFilter:
    department: str | None = None
    year: int | None = None
    retention: str | None = None

    def keeps(self, d: DueRecord) -> bool:
        return (
            (not self.department or d.department == self.department)
            and (not self.year or d.decided_at.year == self.year)
            and (not self.retention or d.retention == self.retention)
        )


def due_page(archive: Archive, user: Principal, on: date, f: DueFilter) -> tuple[list[DueRecord], list[str]]:
    """(the due records passing `f`, every department that has due records this user may see)."""
    require_appraiser(user)
    found = due_records(archive, user, on)
    departments = sorted({d.department for d in found})
    return [d for d in found if f.keeps(d)], departments


def active_holds(archive: Archive, user: Principal) -> list[HoldView]:
    """Holds in force on records this user may read, newest first."""
    require_appraiser(user)
    with archive.db.read() as s:
        rows = s.execute(
            select(LegalHold, Record)
            .join(Record, Record.id == LegalHold.record_id)
            .where(LegalHold.active_record_id.is_not(None))
            .order_by(LegalHold.placed_at.desc())
        ).all()
        return [
            HoldView(r.id, r.archival_code, True, h.reason, h.placed_by, h.placed_at)
            for h, r in rows
            if can_read(user, r)
        ]


@dataclass(frozen=True)
class RecordLifecycle:
    record_id: str
    archival_code: str
    title: str
    state: str | None  # None, 销毁中, 已销毁
    holds: list[LegalHold]  # newest first; the one in force has no `removed_at`
    open_batch: str | None
    register: DisposalRegister | None

    @property
    def on_hold(self) -> bool:
        return any(h.removed_at is None for h in self.holds)


def record_lifecycle(archive: Archive, user: Principal, record_id: str) -> RecordLifecycle:
    """One record's lifecycle as its reader may see it; NotFound when he may not read the record."""
    with archive.db.read() as s:
        record = s.scalar(select(Record).where(Record.id == record_id))
        if record is None or not can_read(user, record):
            raise NotFound("档案不存在或您无权查看", code="record_not_found")
        holds = list(
            s.scalars(
                select(LegalHold).where(LegalHold.record_id == record.id).order_by(LegalHold.placed_at.desc())
            )
        )
        open_batch = s.scalar(
            select(DisposalItem.batch_id)
            .join(DisposalBatch)
            .where(DisposalItem.record_id == record.id, DisposalItem.open_record_id.is_not(None))
        )
        entry = s.scalar(select(DisposalRegister).where(DisposalRegister.record_id == record.id))
        return RecordLifecycle(
            record.id,
            record.archival_code,
            mask_record_view(user, record).title,
            record.lifecycle_status,
            holds,
            open_batch,
            entry,
        )
