"""The facts the lifecycle rules judge, read from the catalogue in a few queries per batch of records:
each record's effective period, its active hold, its open batch, and the stored objects it shares with
other live records (content addressing stores equal bytes once, so two records can name one object).

"A record's objects" are everything stored from its content: its files, their preservation copies,
digitization derivatives (enhanced page images, scan PDF/As) and the PDFs of certified copies.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from dangan.lifecycle import Candidate, Expiry, LifecyclePolicy, RecordState, referrers
from dangan.store.catalog import (
    Certificate,
    DigitizationFile,
    DigitizationPage,
    DisposalItem,
    LegalHold,
    PreservationCopy,
    Record,
    RecordFile,
    RetentionReview,
)

ObjectRef = tuple[str, bool]  # (sha256, encrypted)
CHUNK = 500


def _chunks(values: list[str]) -> Iterable[list[str]]:
    for i in range(0, len(values), CHUNK):
        yield values[i : i + CHUNK]


def expiry_of(record: Record, review: RetentionReview | None, policy: LifecyclePolicy) -> Expiry:
    rule = policy.start_rule(record.matter.name if record.matter else None)
    if review is not None:
        return Expiry(review.retention, review.counted_from, rule)
    return Expiry(record.retention, record.decided_at, rule)


def reviews_of(s: Session, record_ids: list[str]) -> dict[str, RetentionReview]:
    found: dict[str, RetentionReview] = {}
    for chunk in _chunks(record_ids):
        for row in s.scalars(select(RetentionReview).where(RetentionReview.record_id.in_(chunk))):
            found[row.record_id] = row
    return found


def held(s: Session, record_ids: list[str]) -> set[str]:
    out: set[str] = set()
    for chunk in _chunks(record_ids):
        out.update(s.scalars(select(LegalHold.active_record_id).where(LegalHold.active_record_id.in_(chunk))))
    return out


def in_open_batch(s: Session, record_ids: list[str], except_batch: str | None = None) -> set[str]:
    out: set[str] = set()
    for chunk in _chunks(record_ids):
        query = select(DisposalItem.open_record_id).where(DisposalItem.open_record_id.in_(chunk))
        if except_batch:
            query = query.where(DisposalItem.batch_id != except_batch)
        out.update(v for v in s.scalars(query) if v)
    return out


def objects_of(s: Session, record_ids: list[str]) -> dict[str, set[ObjectRef]]:
    """Every stored object made from each record's content."""
    found: dict[str, set[ObjectRef]] = defaultdict(set)
    page, dfile, copy, cert = DigitizationPage, DigitizationFile, PreservationCopy, Certificate
    for chunk in _chunks(record_ids):
        queries = [
            select(Record.id, RecordFile.sha256, RecordFile.encrypted)
            .join(RecordFile, RecordFile.record_seq == Record.seq).where(Record.id.in_(chunk)),
            select(copy.record_id, copy.sha256, copy.encrypted)
            .where(copy.record_id.in_(chunk), copy.sha256.is_not(None)),
            select(page.record_id, page.image_sha256, page.image_encrypted)
            .where(page.record_id.in_(chunk), page.image_sha256.is_not(None)),
            select(dfile.record_id, dfile.pdf_sha256, dfile.pdf_encrypted)
            .where(dfile.record_id.in_(chunk), dfile.pdf_sha256.is_not(None)),
            select(cert.record_id, cert.pdf_sha256, cert.encrypted).where(cert.record_id.in_(chunk)),
        ]  # fmt: skip
        for query in queries:
            for record_id, sha, enc in s.execute(query):
                found[str(record_id)].add((str(sha), bool(enc)))
    return found


def _referrers(s: Session, shas: list[str]) -> dict[str, set[str]]:
    """sha256 → ids of every record (live or not) that names an object with these bytes (either way
    of storing them: sharing is judged on the bytes, the stricter view)."""
    refs: dict[str, set[str]] = defaultdict(set)
    for (sha, _), ids in referrers(s, shas).items():
        refs[sha] |= ids
    return refs


def sharers(s: Session, objects: dict[str, set[ObjectRef]], leaving: set[str]) -> dict[str, list[str]]:
    """record id → 档号 of the *live* records outside `leaving` that share one of its objects."""
    shas = sorted({sha for refs in objects.values() for sha, _ in refs})
    refs = _referrers(s, shas)
    others = sorted({r for ids in refs.values() for r in ids} - leaving)
    live: dict[str, str] = {}
    for chunk in _chunks(others):
        rows = s.execute(
            select(Record.id, Record.archival_code, Record.lifecycle_status).where(Record.id.in_(chunk))
        )
        live.update({rid: code for rid, code, state in rows if state not in RecordState.GONE})
    out: dict[str, list[str]] = {}
    for record_id, mine in objects.items():
        codes = {live[o] for sha, _ in mine for o in refs.get(sha, ()) if o != record_id and o in live}
        if codes:
            out[record_id] = sorted(codes)
    return out


@dataclass(frozen=True)
class RecordFacts:
    record: Record
    candidate: Candidate


def candidates(
    s: Session,
    records: list[Record],
    policy: LifecyclePolicy,
    *,
    leaving: set[str] | None = None,
    except_batch: str | None = None,
    shared: bool = True,
) -> dict[str, RecordFacts]:
    """The rules' view of each record; `leaving` are records destroyed together (they may share)."""
    ids = [r.id for r in records]
    reviews = reviews_of(s, ids)
    on_hold = held(s, ids)
    busy = in_open_batch(s, ids, except_batch)
    sharing = sharers(s, objects_of(s, ids), set(leaving or ())) if shared else {}
    return {
        r.id: RecordFacts(
            r,
            Candidate(
                r.id,
                r.archival_code,
                expiry_of(r, reviews.get(r.id), policy),
                r.lifecycle_status,
                r.id in on_hold,
                r.id in busy,
                tuple(sharing.get(r.id, ())),
            ),
        )
        for r in records
    }
