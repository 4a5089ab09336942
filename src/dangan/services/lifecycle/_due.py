"""The expiry list (到期档案): records whose period has run out on a given day, as the user may see them.

SQL narrows to records decided at least N years before the day (every start rule ends a period of N
years no earlier than that), then the exact rule — start per matter, a period an appraisal gave — is
applied in Python. Records already destroyed are left out; held records and records already in an open
batch are listed, flagged, because they did reach expiry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, true

from dangan.access import Principal, mask_record_view, record_filter
from dangan.domain import Retention
from dangan.services.archive import Archive
from dangan.store.catalog import Record, RetentionReview

from ._common import policy_of
from ._facts import candidates

PAGE = 2000


@dataclass(frozen=True)
class DueRecord:
    record_id: str
    archival_code: str
    title: str
    department: str
    decided_at: date
    retention: str
    expires_on: date
    on_hold: bool
    in_batch: bool

    def as_json(self) -> dict[str, Any]:
        return {
            "record_id": self.record_id, "archival_code": self.archival_code, "retention": self.retention,
            "expires_on": self.expires_on.isoformat(), "title": self.title, "department": self.department,
            "decided_at": self.decided_at.isoformat(), "on_hold": self.on_hold, "in_batch": self.in_batch,
        }  # fmt: skip


def _back(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def due_records(archive: Archive, user: Principal | None, on: date) -> list[DueRecord]:
    """Records due on `on` that `user` may read (None: the operator at the shell, every record)."""
    policy = policy_of(archive)
    periods = [r for r in Retention if r.years is not None]
    old_enough = or_(*[
        and_(Record.retention == r.label, Record.decided_at <= _back(on, r.years or 0) + timedelta(days=1))
        for r in periods
    ])  # fmt: skip
    reviewed = select(RetentionReview.record_id)
    where = and_(
        Record.lifecycle_status.is_(None),
        or_(old_enough, Record.id.in_(reviewed)),
        record_filter(user) if user is not None else true(),
    )
    out: list[DueRecord] = []
    last = 0
    with archive.db.read() as s:
        while True:
            rows = list(
                s.scalars(select(Record).where(where, Record.seq > last).order_by(Record.seq).limit(PAGE))
            )
            if not rows:
                break
            last = int(rows[-1].seq)
            for rid, facts in candidates(s, rows, policy, shared=False).items():
                c = facts.candidate
                end = c.expiry.expires_on
                if end is None or end > on:
                    continue
                r = facts.record
                title = mask_record_view(user, r).title if user is not None else r.title  # as the UI shows it
                out.append(DueRecord(rid, r.archival_code, title, r.department.name, r.decided_at,
                                     c.expiry.retention, end, c.on_hold, c.in_open_batch))  # fmt: skip
    return sorted(out, key=lambda d: (d.expires_on, d.archival_code))
