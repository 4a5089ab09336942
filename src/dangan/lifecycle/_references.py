"""Who names a stored object: the catalogue queries both disposal and ingest ask.

Content addressing stores equal bytes once, so one object can belong to several records. Disposal must
not destroy an object a live record still names, and an ingest that reused an object of a record being
disposed must not end up naming bytes the disposal has just destroyed. Both sides ask the same question
here, under the catalogue's write lock, so that they cannot miss each other (the ingest sits below the
lifecycle services and cannot ask them).

"A record's objects" are everything stored from its content: its files, their preservation copies,
digitization derivatives (enhanced page images, scan PDF/As) and the PDFs of certified copies.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from dangan.store.catalog import (
    Certificate,
    DigitizationFile,
    DigitizationPage,
    PreservationCopy,
    Record,
    RecordFile,
)
from dangan.store.objects import ObjectStore, object_key

from ._rules import RecordState

ObjectRef = tuple[str, bool]  # (sha256, encrypted)
CHUNK = 500


def chunks(values: list[str]) -> Iterable[list[str]]:
    for i in range(0, len(values), CHUNK):
        yield values[i : i + CHUNK]


def referrers(s: Session, shas: Iterable[str]) -> dict[ObjectRef, set[str]]:
    """(sha256, encrypted) → ids of every record (live or not) that names an object with these bytes."""
    refs: dict[ObjectRef, set[str]] = defaultdict(set)
    page, dfile, copy, cert = DigitizationPage, DigitizationFile, PreservationCopy, Certificate
    for chunk in chunks(sorted(set(shas))):
        queries = [
            select(RecordFile.sha256, RecordFile.encrypted, Record.id)
            .join(Record, Record.seq == RecordFile.record_seq).where(RecordFile.sha256.in_(chunk)),
            select(copy.sha256, copy.encrypted, copy.record_id).where(copy.sha256.in_(chunk)),
            select(page.image_sha256, page.image_encrypted, page.record_id).where(page.image_sha256.in_(chunk)),
            select(dfile.pdf_sha256, dfile.pdf_encrypted, dfile.record_id).where(dfile.pdf_sha256.in_(chunk)),
            select(cert.pdf_sha256, cert.encrypted, cert.record_id).where(cert.pdf_sha256.in_(chunk)),
        ]  # fmt: skip
        for query in queries:
            for sha, enc, record_id in s.execute(query):
                refs[(str(sha), bool(enc))].add(str(record_id))
    return refs


def live_records(s: Session, record_ids: Iterable[str]) -> set[str]:
    """The ids among `record_ids` whose content has not been destroyed (nor marked for destruction)."""
    out: set[str] = set()
    for chunk in chunks(sorted(set(record_ids))):
        rows = s.execute(select(Record.id, Record.lifecycle_status).where(Record.id.in_(chunk)))
        out.update(rid for rid, state in rows if state not in RecordState.GONE)
    return out


def disposed_objects(s: Session, refs: Iterable[ObjectRef]) -> set[ObjectRef]:
    """The objects among `refs` that a record being (or already) destroyed names: their bytes may be
    deleted, or already gone, although a caller about to name them believed it had stored them.

    Costs one indexed look-up when nothing was ever disposed (the ingest asks for every package).
    """
    wanted = set(refs)
    if not wanted or s.scalar(select(Record.id).where(Record.lifecycle_status.is_not(None)).limit(1)) is None:
        return set()
    named = referrers(s, {sha for sha, _ in wanted})
    candidates = {ref: ids for ref, ids in named.items() if ref in wanted}
    everyone = {r for ids in candidates.values() for r in ids}
    alive = live_records(s, everyone)
    return {ref for ref, ids in candidates.items() if ids - alive}


def restore_disposed(
    s: Session, objects: ObjectStore, sources: Mapping[ObjectRef, tuple[Path, str]]
) -> list[ObjectRef]:
    """Before rows name objects just stored (`sources`: each object's file and label), store again any
    that a disposal destroyed after this writer had found and reused them; returns those restored.

    Called inside the writer's transaction, after it took the catalogue's write lock: disposal deletes
    under that lock, so an object found whole here stays whole (the disposal, re-reading references
    under the lock, sees the new record and leaves it). Remains of a half-destroyed object (a data key
    gone, bytes left) are cleared first, so the object is stored afresh with a new key.
    """
    restored: list[ObjectRef] = []
    for sha, enc in sorted(disposed_objects(s, sources)):
        key = object_key(sha, enc)
        names = [key + ".key", key] if enc else [key]
        if all(loc.exists(name) for loc in objects.locations for name in names):
            continue
        objects.destroy(sha, enc)
        source, label = sources[(sha, enc)]
        objects.put_file(source, sha, label, encrypt=enc)
        restored.append((sha, enc))
    return restored
