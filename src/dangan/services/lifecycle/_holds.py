"""Legal holds (冻结): a record under hold can be neither proposed nor destroyed, whatever its period.

Placing and lifting are audited (ledger events with who and why); a lifted hold stays as history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from dangan.access import Principal
from dangan.core import Conflict, ValidationFailed, utcnow
from dangan.lifecycle import BatchStatus, RecordState, hold_reason_problem
from dangan.services.archive import Archive, lock_log, record_event
from dangan.store.catalog import DisposalBatch, DisposalItem, LegalHold

from ._common import APPRAISERS, find_records, iso_utc, require


@dataclass(frozen=True)
class HoldView:
    record_id: str
    archival_code: str
    on_hold: bool
    reason: str
    by: str
    at: datetime

    def as_json(self) -> dict[str, Any]:
        return {"record_id": self.record_id, "archival_code": self.archival_code, "on_hold": self.on_hold,
                "reason": self.reason, "by": self.by, "at": iso_utc(self.at)}  # fmt: skip


def _reason(reason: str) -> str:
    if problem := hold_reason_problem(reason):
        raise ValidationFailed(problem.message, code=problem.code)
    return reason.strip()


def add_hold(archive: Archive, user: Principal, record_key: str, reason: str) -> HoldView:
    require(user, APPRAISERS, "冻结档案")
    why = _reason(reason)
    try:
        with archive.db.write() as s:
            lock_log(s)
            record = find_records(s, user, [record_key])[0]
            if record.lifecycle_status in RecordState.GONE:
                raise Conflict(
                    f"档案 {record.archival_code} 已销毁（或正在销毁），不能冻结", code="already_destroyed"
                )
            executing = s.scalar(
                select(DisposalItem.batch_id).join(DisposalBatch)
                .where(DisposalItem.open_record_id == record.id, DisposalBatch.status == BatchStatus.EXECUTING)
            )  # fmt: skip
            if executing:
                raise Conflict(
                    f"档案 {record.archival_code} 所在批次正在执行销毁，不能冻结", code="disposing"
                )
            if s.scalar(select(LegalHold.id).where(LegalHold.active_record_id == record.id)):
                raise Conflict(f"档案 {record.archival_code} 已处于冻结状态", code="already_on_hold")
            hold = LegalHold(record_id=record.id, active_record_id=record.id, reason=why, placed_by=user.username,
                             placed_at=utcnow())  # fmt: skip
            s.add(hold)
            record_event(s, "hold_add", user.username, record.id, {"reason": why})
            view = HoldView(record.id, record.archival_code, True, why, user.username, hold.placed_at)
    except IntegrityError:
        raise Conflict("该档案刚被他人冻结", code="already_on_hold") from None
    return view


def remove_hold(archive: Archive, user: Principal, record_key: str, reason: str) -> HoldView:
    require(user, APPRAISERS, "解除冻结")
    why = _reason(reason)
    with archive.db.write() as s:
        lock_log(s)
        record = find_records(s, user, [record_key])[0]
        hold = s.scalar(select(LegalHold).where(LegalHold.active_record_id == record.id))
        if hold is None:
            raise Conflict(f"档案 {record.archival_code} 未处于冻结状态", code="not_on_hold")
        now = utcnow()
        hold.active_record_id, hold.removed_by, hold.removed_at, hold.removal_reason = (
            None,
            user.username,
            now,
            why,
        )
        record_event(s, "hold_remove", user.username, record.id, {"reason": why, "placed_by": hold.placed_by})
        return HoldView(record.id, record.archival_code, False, why, user.username, now)


def holds_of(archive: Archive, record_id: str) -> list[LegalHold]:
    """Every hold a record had, newest first (the current one, if any, has no `removed_at`)."""
    with archive.db.read() as s:
        return list(s.scalars(select(LegalHold).where(LegalHold.record_id == record_id)
                              .order_by(LegalHold.placed_at.desc())))  # fmt: skip
