"""The public's approval progress lookup (办件进度查询): an application number plus a second factor.

The answer must not help anyone enumerate applications or applicants, so it is uniform: an unknown
number, a wrong factor, a record of 秘密 or above and a destroyed record all answer the same NotFound, after
the same database work (the same look-up, a constant-time comparison against real or dummy values, the
same audit event). Only status, result, decision date, matter and department are told — never personal
data — which is why a record not open to the public may still be looked up by its applicant (the
factor proves knowledge of the applicant): "the public checks approval progress within their rights".

Tries are limited per client address and failures per application number. The counts are the audit
events themselves (kind `public_progress`), so every web process sees the same counts without a table
of its own; the ledger's head lock serialises the count and the new event across processes. Wrong
factors and unknown numbers are written and counted alike, so the limit cannot tell them apart either.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dangan.core import DanganError, NotFound, ValidationFailed, as_local, utcnow
from dangan.domain import SecurityLevel
from dangan.services.archive import Archive, lock_log, record_event
from dangan.store.catalog import Event, Record

EVENT_KIND = "public_progress"
ACTOR = "anonymous"
FACTOR_LENGTH = 6
MAX_APPLICATION = 128
MAX_CANDIDATES = 8  # records sharing one source_id (different source systems) compared at most
FOUND, NOT_FOUND = "found", "not_found"
STATUS_ACCEPTED, STATUS_IN_PROGRESS, STATUS_DONE = "已受理", "办理中", "已办结"
NOT_FOUND_MESSAGE = "未查到该办件：请核对办件编号和申请人证件号码后 6 位"
_DUMMY = ("\x00" * FACTOR_LENGTH, "\x01" * FACTOR_LENGTH)  # compared when there is nothing real to compare


@dataclass(frozen=True)
class ProgressLimits:
    """How many tries one client address, and how many failures one application number, are allowed."""

    per_client: int = 10
    client_window: timedelta = timedelta(minutes=10)
    failures_per_application: int = 5
    application_window: timedelta = timedelta(hours=1)


DEFAULT_LIMITS = ProgressLimits()


class TooManyLookups(DanganError):
    """429: the client or the number has used its tries; `retry_after` seconds until the next is allowed."""

    status = 429

    def __init__(self, retry_after: int) -> None:
        minutes = max(1, -(-retry_after // 60))
        super().__init__(f"查询过于频繁，请约 {minutes} 分钟后再试", code="too_many_lookups")
        self.retry_after = retry_after


@dataclass(frozen=True)
class ApplicationProgress:
    application: str
    matter: str
    department: str
    status: str
    result: str | None
    decided_at: date | None

    def as_json(self) -> dict[str, Any]:
        return {
            "application": self.application,
            "matter": self.matter,
            "department": self.department,
            "status": self.status,
            "result": self.result,
            "decided_at": self.decided_at.isoformat() if self.decided_at else None,
        }


def clean_application(value: str) -> str:
    """The number as typed, trimmed; a clear error for what can never be a number (not counted)."""
    text = (value or "").strip()
    if not text or len(text) > MAX_APPLICATION or not text.isprintable():
        raise ValidationFailed(f"请填写办件编号（不超过 {MAX_APPLICATION} 个字符）", code="bad_application")
    return text


def clean_factor(value: str) -> str:
    """Trimmed and upper-cased; anything else that is not 6 letters or digits is simply a wrong factor
    (answered and counted like one), so the refusal never says more than "not found"."""
    text = (value or "").strip().upper()[:MAX_APPLICATION]
    if not text:
        raise ValidationFailed("请填写申请人统一社会信用代码或身份证号码的后 6 位", code="bad_check")
    return text


def progress_status(record: Record, today: date) -> str:
    """已办结 once decided with a result; 办理中 after the day of acceptance; 已受理 on it (or before)."""
    if record.decided_at is not None and record.decided_at <= today and record.result:
        return STATUS_DONE
    if record.accepted_at is not None and record.accepted_at < today:
        return STATUS_IN_PROGRESS
    return STATUS_ACCEPTED


def _factors(record: Record | None) -> tuple[str, str]:
    if record is None:
        return _DUMMY
    uscc = (record.applicant_uscc or "").strip().upper()
    id_number = (record.id_number or "").strip().upper()
    return (
        uscc[-FACTOR_LENGTH:] if len(uscc) >= FACTOR_LENGTH else _DUMMY[0],
        id_number[-FACTOR_LENGTH:] if len(id_number) >= FACTOR_LENGTH else _DUMMY[1],
    )


def _matches(record: Record | None, factor: str) -> bool:
    """Both factors compared in constant time, without short-circuit (the time says nothing either)."""
    uscc, id_number = _factors(record)
    by_uscc = hmac.compare_digest(uscc.encode(), factor.encode())
    by_id = hmac.compare_digest(id_number.encode(), factor.encode())
    return by_uscc | by_id


def _answerable(record: Record) -> bool:
    return record.security_rank < SecurityLevel.SECRET.rank and record.lifecycle_status != "已销毁"


def _seconds_left(oldest: datetime | None, window: timedelta, now: datetime) -> int:
    if oldest is None:
        return 1
    start = oldest if oldest.tzinfo else oldest.replace(tzinfo=UTC)
    return max(1, int((start + window - now).total_seconds()) + 1)


def _throttle(
    s: Session, application: str, client: str | None, limits: ProgressLimits, now: datetime
) -> None:
    base = select(func.count(), func.min(Event.at)).where(Event.kind == EVENT_KIND)
    if client:
        since = now - limits.client_window
        count, oldest = s.execute(
            base.where(Event.at >= since, Event.detail["client"].as_string() == client)
        ).one()
        if count >= limits.per_client:
            raise TooManyLookups(_seconds_left(oldest, limits.client_window, now))
    since = now - limits.application_window
    count, oldest = s.execute(
        base.where(
            Event.at >= since,
            Event.detail["application"].as_string() == application,
            Event.detail["outcome"].as_string() == NOT_FOUND,
        )
    ).one()
    if count >= limits.failures_per_application:
        raise TooManyLookups(_seconds_left(oldest, limits.application_window, now))


def lookup_progress(
    archive: Archive,
    application: str,
    check: str,
    client: str | None,
    *,
    today: date | None = None,
    limits: ProgressLimits = DEFAULT_LIMITS,
) -> ApplicationProgress:
    """The progress of application `application` when `check` is the last 6 characters of its
    applicant's USCC or ID number (any case); NotFound otherwise, TooManyLookups past the limits.

    One transaction: the limits are counted and the audit event (number, outcome, client — never the
    factor) written under the ledger's head lock. A refused (429) try is not a lookup and writes nothing."""
    number = clean_application(application)
    factor = clean_factor(check)
    now = utcnow()
    day = today or as_local(now, archive.settings.timezone).date()
    with archive.db.write() as s:
        lock_log(s)
        _throttle(s, number, client, limits, now)
        rows = s.scalars(
            select(Record).where(Record.source_id == number).order_by(Record.seq.desc()).limit(MAX_CANDIDATES)
        ).all()
        candidates: list[Record | None] = [*rows] or [None]  # nothing found: compare with the dummy
        found: Record | None = None
        for record in candidates:
            matched = _matches(record, factor)
            if matched and record is not None and _answerable(record) and found is None:
                found = record
        detail: dict[str, Any] = {"application": number, "outcome": FOUND if found else NOT_FOUND}
        if client:
            detail["client"] = client
        record_event(s, EVENT_KIND, ACTOR, found.id if found else None, detail)
        if found is None:
            answer = None
        else:
            done = progress_status(found, day) == STATUS_DONE
            answer = ApplicationProgress(
                application=found.source_id,
                matter=found.matter.name,
                department=found.department.name,
                status=progress_status(found, day),
                result=found.result if done else None,
                decided_at=found.decided_at if done else None,
            )
    if answer is None:
        raise NotFound(NOT_FOUND_MESSAGE, code="not_found")
    return answer
