"""Asking for digitization: on demand for records (the CLI, the web) or for the scans ingest just stored."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import or_, select

from dangan.access import Principal, record_filter
from dangan.services.archive import Archive
from dangan.services.records import record_for
from dangan.store.catalog import Record, RecordFile

from ._jobs import enqueue
from ._plan import DigitizeSettings, new_batch, plan
from ._results import require_digitizer
from ._scans import IMAGE_SUFFIXES, PDF


@dataclass
class Started:
    batch_id: int
    record_ids: list[str] = field(default_factory=list)
    queued: int = 0  # files queued (scans not done yet, or all scans with redo)

    def as_json(self) -> dict[str, Any]:
        return {"batch": self.batch_id, "records": len(self.record_ids), "files_queued": self.queued}


def _readable_with_possible_scans(archive: Archive, user: Principal) -> list[str]:
    suffixes = [RecordFile.path.ilike(f"%{s}") for s in sorted(IMAGE_SUFFIXES)]
    with archive.db.read() as s:
        has_scan = (
            select(RecordFile.id)
            .where(
                RecordFile.record_seq == Record.seq,
                or_(RecordFile.media_type.like("image/%"), RecordFile.media_type == PDF, *suffixes),
            )
            .exists()
        )
        return list(s.scalars(select(Record.id).where(record_filter(user), has_scan).order_by(Record.seq)))


def start(
    archive: Archive,
    user: Principal,
    record_ids: list[str],
    *,
    all_records: bool = False,
    redo: bool = False,
    settings: DigitizeSettings | None = None,
    origin: str = "cli",
    background: bool = False,
) -> Started:
    """A batch for these records (or every record the archivist may read that may hold a scan), its scans
    queued; with `background` the queue's workers read them, else the caller runs `run_open`.

    A record the user may not read is "not found", as everywhere."""
    require_digitizer(user)
    settings = settings or DigitizeSettings()
    if all_records:
        ids = _readable_with_possible_scans(archive, user)
    else:
        ids = list(dict.fromkeys(record_for(archive, user, rid).id for rid in record_ids))
    batch = new_batch(archive, user.username, origin, settings, len(ids))
    queued = plan(archive, ids, batch_id=batch, settings=settings, redo=redo)
    if background and queued:
        enqueue(archive, ids, batch, user.username)
    return Started(batch, ids, queued)


def enqueue_scans(archive: Archive, scans: dict[str, list[str]], actor: str) -> int | None:
    """What ingest calls after its commit: `scans` maps each new record to the paths of its scans (images,
    and PDFs the checks found without a text layer). Returns the batch, None when there was nothing."""
    scans = {rid: paths for rid, paths in scans.items() if paths}
    if not scans:
        return None
    settings = DigitizeSettings()
    batch = new_batch(archive, actor, "ingest", settings, len(scans))
    known = {rid: set(paths) for rid, paths in scans.items()}
    plan(archive, list(scans), batch_id=batch, settings=settings, known_scans=known)
    enqueue(archive, list(scans), batch, actor)
    return batch
