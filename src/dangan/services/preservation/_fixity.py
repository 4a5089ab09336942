"""Fixity audits: every copy of every object re-read and re-hashed, damage repaired from a good copy.

Oldest-checked first, at a configurable pace (MB/s) so an audit can run beside normal work. A copy is
*damaged* when it exists but no longer yields its hash (or fails authentication when encrypted), and
*missing* when it is absent. With `repair`, a bad copy is replaced from a good one and re-verified; an
object bad in every location cannot be repaired and raises a fixity alert.

"Every object" means every object the catalogue names: record files, preservation copies (status
"done"), certified-copy PDFs and what digitization derived from scans (enhanced page images and scan
PDF/As, found through the catalogue's `derivative_objects`, since the digitization service sits above
this one). Record files and the digitization derivatives keep their last check in a column; preservation
copies and certificates have none (adding one needs a migration), so theirs is kept as an ISO timestamp
under `verified_at` in their JSON column (`preservation_copy.detail`, `certificate.summary` — the
public verification page picks its keys explicitly, so it never shows it).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from dangan.core import utcnow
from dangan.domain import CopyStatus
from dangan.services.archive import Archive, record_event
from dangan.store.catalog import (
    Certificate,
    PreservationCopy,
    Record,
    RecordFile,
    derivative_objects,
    stamp_derivatives,
)
from dangan.store.objects import Location, object_key

from ._ledger_verify import verify_ledger

PARALLEL_BYTES = 4 * 1024 * 1024


@dataclass
class FixityReport:
    objects_checked: int = 0
    bytes_checked: int = 0
    damaged: list[dict[str, Any]] = field(default_factory=list)
    repaired: list[dict[str, Any]] = field(default_factory=list)
    missing: list[dict[str, Any]] = field(default_factory=list)
    unrecoverable: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.damaged or self.missing) or (not self.unrecoverable and self._all_repaired())

    def _all_repaired(self) -> bool:
        bad = {(d["sha256"], d["location"]) for d in self.damaged + self.missing}
        return bad == {(r["sha256"], r["location"]) for r in self.repaired}

    def as_json(self) -> dict[str, Any]:
        return {
            "objects_checked": self.objects_checked,
            "bytes_checked": self.bytes_checked,
            "damaged": self.damaged,
            "repaired": self.repaired,
            "missing": self.missing,
            "unrecoverable": self.unrecoverable,
        }


def _stamp(value: Any) -> datetime | None:
    """A `verified_at` kept in a JSON column (ISO text), as a datetime; None when never checked."""
    try:
        return datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _stored_rows(archive: Archive) -> list[tuple[str, bool, int, datetime | None, str | None]]:
    """(sha256, encrypted, size, last verified, record id) of every object row the catalogue names."""
    with archive.db.read() as s:
        ids = dict(s.execute(select(Record.seq, Record.id)).all())
        gone = set(s.scalars(select(Record.id).where(Record.lifecycle_status.is_not(None))))  # disposed
        files = s.execute(
            select(
                RecordFile.sha256,
                RecordFile.encrypted,
                RecordFile.size,
                RecordFile.verified_at,
                RecordFile.record_seq,
            )
        ).all()
        copies = s.execute(
            select(
                PreservationCopy.sha256,
                PreservationCopy.encrypted,
                PreservationCopy.size,
                PreservationCopy.detail,
                PreservationCopy.record_id,
            ).where(PreservationCopy.status == CopyStatus.DONE, PreservationCopy.sha256.is_not(None))
        ).all()
        certs = s.execute(
            select(
                Certificate.pdf_sha256,
                Certificate.encrypted,
                Certificate.size,
                Certificate.summary,
                Certificate.record_id,
            )
        ).all()
        derived = derivative_objects(s)
    rows = [
        (sha, bool(enc), int(size or 0), verified, ids.get(seq)) for sha, enc, size, verified, seq in files
    ]
    for sha, enc, size, extra, record_id in [*copies, *certs]:
        rows.append((sha, bool(enc), int(size or 0), _stamp((extra or {}).get("verified_at")), record_id))
    rows.extend(derived)
    return [row for row in rows if row[4] not in gone]


def _objects(archive: Archive, limit: int | None) -> list[tuple[str, bool, int, list[str]]]:
    """(sha256, encrypted, size, record ids) of every stored object, least recently verified first."""
    grouped: dict[tuple[str, bool], dict[str, Any]] = {}
    for sha, enc, size, verified, record_id in _stored_rows(archive):
        g = grouped.setdefault((sha, enc), {"size": size, "verified": verified, "records": set()})
        if record_id:
            g["records"].add(record_id)
        if verified is None or (g["verified"] is not None and verified < g["verified"]):
            g["verified"] = verified
    order = sorted(grouped.items(), key=lambda kv: (kv[1]["verified"] is not None, _epoch(kv[1]["verified"])))
    out = [(sha, enc, g["size"], sorted(g["records"])) for (sha, enc), g in order]
    return out[:limit] if limit else out


def _epoch(when: datetime | None) -> float:
    """Sort key for `verified_at` values: SQLite hands back naive datetimes, JSON aware ones (UTC)."""
    if when is None:
        return 0.0
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp()


def _state(archive: Archive, sha: str, enc: bool, loc: Location) -> str:
    if not loc.exists(object_key(sha, enc)):
        return "missing"
    return "ok" if archive.objects.verify(sha, enc, loc) else "damaged"


def audit_fixity(
    archive: Archive,
    *,
    repair: bool = False,
    mb_per_s: float | None = None,
    limit: int | None = None,
    actor: str = "system",
    on_object: Callable[[int, int], None] | None = None,
    claim: Callable[[str, bool], bool] | None = None,
) -> FixityReport:
    """`claim(sha256, encrypted)` False skips an object (another worker has it: see services.jobs)."""
    report = FixityReport()
    targets = _objects(archive, limit)
    started = time.monotonic()
    pending = _Pending()
    locations = archive.objects.locations
    # Copies in different locations are read and hashed side by side (hashlib releases the GIL): big
    # objects are checked at up to one core per copy. Small ones inline: a thread costs more.
    pool = ThreadPoolExecutor(len(locations), thread_name_prefix="fixity")
    try:
        for n, (sha, enc, size, records) in enumerate(targets, start=1):
            if claim is not None and not claim(sha, enc):
                continue
            if size >= PARALLEL_BYTES and len(locations) > 1:
                found = pool.map(lambda loc: _state(archive, sha, enc, loc), locations)  # noqa: B023
                states = dict(zip((loc.name for loc in locations), found, strict=True))
            else:
                states = {loc.name: _state(archive, sha, enc, loc) for loc in locations}
            _account(archive, report, pending, sha, enc, size, records, states, repair, actor)
            if on_object:
                on_object(n, len(targets))
            if mb_per_s:
                ahead = report.bytes_checked / (mb_per_s * 1e6) - (time.monotonic() - started)
                if ahead > 0:
                    time.sleep(ahead)
    finally:
        pool.shutdown()
    pending.flush(archive)
    return report


def _account(
    archive: Archive,
    report: FixityReport,
    pending: _Pending,
    sha: str,
    enc: bool,
    size: int,
    records: list[str],
    states: dict[str, str],
    repair: bool,
    actor: str,
) -> None:
    """Record one object's states in the report, repair what can be repaired, queue the outcome."""
    report.objects_checked += 1
    report.bytes_checked += size * len(states)
    good = [loc for loc in archive.objects.locations if states[loc.name] == "ok"]
    for loc in archive.objects.locations:
        state = states[loc.name]
        if state == "ok":
            continue
        entry = {"sha256": sha, "location": loc.name, "encrypted": enc, "records": records}
        (report.missing if state == "missing" else report.damaged).append(entry)
        if repair and good:
            archive.objects.copy_object(sha, enc, good[0], loc)
            if _state(archive, sha, enc, loc) == "ok":
                report.repaired.append({**entry, "from": good[0].name})
    if not good:
        report.unrecoverable.append({"sha256": sha, "encrypted": enc, "records": records})
    pending.add(sha, enc, states, good, repair, actor, records)
    if len(pending) >= 500:
        pending.flush(archive)


class _Pending:
    """Outcomes written in batches: one transaction per 500 objects, not one per object."""

    def __init__(self) -> None:
        self.verified: list[tuple[str, bool]] = []
        self.events: list[tuple[str, str, str | None, dict[str, Any]]] = []

    def __len__(self) -> int:
        return len(self.verified) + len(self.events)

    def add(self, sha: str, enc: bool, states: dict[str, str], good: list[Location], repaired: bool, actor: str,
            records: list[str]) -> None:  # fmt: skip
        if good:
            self.verified.append((sha, enc))
        bad = {name: state for name, state in states.items() if state != "ok"}
        if bad:
            kind = "fixity_repair" if repaired and good else "fixity_failure"
            detail = {"sha256": sha, "encrypted": enc, "locations": bad, "records": records}
            self.events.append((kind, actor, records[0] if records else None, detail))

    def flush(self, archive: Archive) -> None:
        if not len(self):
            return
        now = utcnow()
        with archive.db.write() as s:
            for enc in (False, True):
                shas = [sha for sha, e in self.verified if e is enc]
                for i in range(0, len(shas), 500):
                    s.execute(
                        update(RecordFile)
                        .where(RecordFile.sha256.in_(shas[i : i + 500]), RecordFile.encrypted.is_(enc))
                        .values(verified_at=now)
                    )
            _stamp_json_rows(s, self.verified, now)
            stamp_derivatives(s, self.verified, now)
            for kind, actor, record_id, detail in self.events:
                record_event(s, kind, actor, record_id, detail)
        self.verified, self.events = [], []


def _stamp_json_rows(s: Session, verified: list[tuple[str, bool]], now: datetime) -> None:
    """Preservation copies and certificates keep their last check in their JSON column (module doc)."""
    wanted = set(verified)
    shas = sorted({sha for sha, _ in verified})
    for i in range(0, len(shas), 500):
        chunk = shas[i : i + 500]
        for copy in s.scalars(select(PreservationCopy).where(PreservationCopy.sha256.in_(chunk))).all():
            if (copy.sha256, bool(copy.encrypted)) in wanted:
                copy.detail = {**(copy.detail or {}), "verified_at": now.isoformat()}
        for cert in s.scalars(select(Certificate).where(Certificate.pdf_sha256.in_(chunk))).all():
            if (cert.pdf_sha256, bool(cert.encrypted)) in wanted:
                cert.summary = {**(cert.summary or {}), "verified_at": now.isoformat()}


def ledger_summary(archive: Archive) -> dict[str, Any]:
    """The log part of `dangan verify`: size, root and whether the whole log checks out."""
    report = verify_ledger(archive, objects=False)
    return {"size": report.size, "root": report.root.hex(), "ok": report.ok,
            "problems": [p.as_json() for p in report.problems]}  # fmt: skip
