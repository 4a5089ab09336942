"""Which scanned files a run reads, and who reads each: batches, plans and claims.

Two workers never read the same file at once: a file is *claimed* with a compare-and-set on its row
(`claimed_by`, `claimed_until`), renewed after every page. A claim lapses when its lease runs out, or at
once when its holder was a process on this machine that no longer exists (a SIGKILLed worker).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update

from dangan.core import DanganError, utcnow
from dangan.services.archive import Archive
from dangan.store.catalog import DigitizationBatch, DigitizationFile, DigitizationPage, Record, RecordFile

from ._scan_pdfa import apply as apply_pdfa
from ._scan_pdfa import cleared
from ._scans import is_scan, may_be_scan

log = logging.getLogger("dangan.digitization")

LEASE = timedelta(minutes=15)
QUEUED, RUNNING, DONE, FAILED, SKIPPED = "queued", "running", "done", "failed", "skipped"
OPEN = (QUEUED, RUNNING)


@dataclass(frozen=True)
class DigitizeSettings:
    """What a run was asked to do; kept with every page, so a later run with others can be told apart."""

    enhance: bool = True
    archival: bool = True  # QC thresholds of the archival copy (an access copy only warns at low dpi)

    def as_json(self) -> dict[str, Any]:
        return {"enhance": self.enhance, "archival": self.archival, "engine": "rapidocr"}

    @classmethod
    def of(cls, doc: dict[str, Any] | None) -> DigitizeSettings:
        doc = doc or {}
        return cls(enhance=bool(doc.get("enhance", True)), archival=bool(doc.get("archival", True)))


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def _aware(value: datetime | None) -> datetime | None:
    """SQLite hands back naive UTC datetimes, PostgreSQL aware ones."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def _holder_dead(claimed_by: str) -> bool:
    host, _, rest = claimed_by.partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def _claimable(row: DigitizationFile, me: str, now: datetime) -> bool:
    if row.claimed_by is None or row.claimed_by == me:
        return True
    until = _aware(row.claimed_until)
    return until is None or until < now or _holder_dead(row.claimed_by)


# --- planning ---------------------------------------------------------------------------------------


def new_batch(archive: Archive, actor: str, origin: str, settings: DigitizeSettings, records: int) -> int:
    with archive.db.write() as s:
        batch = DigitizationBatch(
            actor=actor,
            origin=origin,
            records=records,
            files=0,
            settings=settings.as_json(),
            created_at=utcnow(),
        )
        s.add(batch)
        s.flush()
        return int(batch.id)


@dataclass(frozen=True)
class _Candidate:
    file_id: int
    record_id: str
    path: str
    media_type: str
    sha256: str
    encrypted: bool


def _candidates(archive: Archive, record_ids: Iterable[str]) -> list[_Candidate]:
    with archive.db.read() as s:
        rows = s.execute(
            select(RecordFile, Record.id)
            .join(Record, Record.seq == RecordFile.record_seq)
            .where(Record.id.in_(list(record_ids)))
            .order_by(Record.seq, RecordFile.position)
        ).all()
        return [
            _Candidate(f.id, rid, f.path, f.media_type, f.sha256, f.encrypted)
            for f, rid in rows
            if may_be_scan(f.media_type, f.path)
        ]


def plan(
    archive: Archive,
    record_ids: list[str],
    *,
    batch_id: int | None,
    settings: DigitizeSettings,
    redo: bool = False,
    known_scans: dict[str, set[str]] | None = None,
) -> int:
    """Queue the scanned files of these records; returns how many were queued.

    A file done before is left alone unless `redo` (its pages are then read again with `settings`); a
    PDF's text layer is read once to tell a scan from a born-digital PDF, and the verdict kept.
    `known_scans` (record id → paths) is what ingest already knows, so it opens nothing.
    """
    with archive.db.read() as s:
        existing = {
            r.record_file_id: (r.status, r.id)
            for r in s.scalars(select(DigitizationFile).where(DigitizationFile.record_id.in_(record_ids)))
        }
    verdicts: dict[int, bool] = {}
    candidates = _candidates(archive, record_ids)
    for c in candidates:
        if c.file_id in existing and not redo and existing[c.file_id][0] in (DONE, FAILED, SKIPPED):
            continue
        if known_scans is not None:
            verdicts[c.file_id] = c.path in known_scans.get(c.record_id, set())
            continue
        if c.file_id in existing and existing[c.file_id][0] != SKIPPED:
            verdicts[c.file_id] = True
            continue
        try:
            with archive.objects.plain_path(c.sha256, c.encrypted) as source:
                verdicts[c.file_id] = is_scan(c.media_type, c.path, source)
        except (DanganError, OSError):  # a missing object: the fixity audit's business, not a scan
            log.warning("file %s of %s could not be opened to tell whether it is a scan", c.path, c.record_id)
    queued = 0
    now = utcnow()
    by_file = {c.file_id: c for c in candidates}
    with archive.db.write() as s:
        for file_id, scan in verdicts.items():
            c = by_file[file_id]
            row = s.scalars(
                select(DigitizationFile).where(DigitizationFile.record_file_id == file_id)
            ).first()
            if row is None:
                row = DigitizationFile(record_file_id=file_id, record_id=c.record_id, created_at=now)
                s.add(row)
            elif redo and row.id is not None:
                s.execute(delete(DigitizationPage).where(DigitizationPage.file_id == row.id))
                apply_pdfa(row, cleared())  # the next run builds it again from the new OCR
            row.status = QUEUED if scan else SKIPPED
            row.settings = settings.as_json()
            row.error, row.finished_at, row.pages = None, None, None if redo else row.pages
            if scan:
                row.batch_id = batch_id
                queued += 1
        if batch_id is not None:
            batch = s.get(DigitizationBatch, batch_id)
            if batch is not None:
                batch.files = (batch.files or 0) + queued
    return queued


# --- running ----------------------------------------------------------------------------------------


def claim_file(archive: Archive, file_id: int, me: str) -> DigitizationFile | None:
    """Take the file for this worker (compare-and-set on the holder seen); None when another has it."""
    now = utcnow()
    with archive.db.write() as s:
        row = s.get(DigitizationFile, file_id)
        if row is None or row.status not in OPEN or not _claimable(row, me, now):
            return None
        seen = row.claimed_by
        holder = (
            DigitizationFile.claimed_by.is_(None) if seen is None else DigitizationFile.claimed_by == seen
        )
        done = s.execute(
            update(DigitizationFile)
            .where(DigitizationFile.id == file_id, holder)
            .values(
                claimed_by=me, claimed_until=now + LEASE, status=RUNNING, started_at=row.started_at or now
            )
            .execution_options(synchronize_session=False)
        )
        if getattr(done, "rowcount", 0) != 1:
            return None
        s.expire(row)
        s.refresh(row)
        s.expunge(row)
        return row


def renew_claim(archive: Archive, file_id: int, me: str, **values: Any) -> bool:
    with archive.db.write() as s:
        done = s.execute(
            update(DigitizationFile)
            .where(DigitizationFile.id == file_id, DigitizationFile.claimed_by == me)
            .values(claimed_until=utcnow() + LEASE, **values)
            .execution_options(synchronize_session=False)
        )
        return getattr(done, "rowcount", 0) == 1
