"""Disposal (销毁) of an approved batch: every copy of every object made from a record's content is
destroyed — primary, replicas (local or S3) — by deleting the data keys of encrypted objects
(crypto-shredding) and the bytes; the catalogue keeps the metadata, marked 已销毁, and the 销毁清册
gets its line.

Crash safety, per record: (1) one transaction marks the record 销毁中 — from then on it is gone to
every reader (content routes answer 410) and the batch is 执行中; (2) its objects are destroyed, which
is safe to repeat; (3) one transaction marks it 已销毁 with its register line and ledger event. A crash
leaves earlier records fully disposed, at most one record marked and later ones untouched; running
`execute` again (or `resume_disposals`) finishes every marked record before going on. A marked record is
never rolled back: some of its copies may already be gone.

Objects shared with a live record outside the batch are never touched: such a record is refused before
anything starts, checked again under the write lock when it is marked (skipped if shared by then), and
each object is checked once more in the transaction that holds the lock while its copies are deleted
(an ingest may have reused it since: the new record keeps it).
Backups made earlier still hold copies (with their wrapped keys) until they age out: the register says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from dangan.access import Principal, Role
from dangan.core import Conflict, Problem, ValidationFailed, as_local, utcnow
from dangan.graph import remove_record_from_graph
from dangan.lifecycle import (
    DESTROY,
    BatchStatus,
    RecordState,
    live_records,
    referrers,
    witness_problems,
    years_kept,
)
from dangan.services.archive import Archive, lock_log, record_event
from dangan.services.utilisation import forget_pages
from dangan.store.catalog import (
    DigitizationFile,
    DigitizationPage,
    DisposalBatch,
    DisposalItem,
    DisposalRegister,
    Record,
    RecordEmbedding,
    SearchDoc,
    SearchOutbox,
)

from ._batches import _load, get_batch
from ._common import iso_utc, policy_of, require
from ._facts import ObjectRef, held, objects_of, sharers

BACKUP_NOTE = (
    "销毁前制作的备份中仍有该档案电子文件的副本（含其加密数据密钥），须待备份按保存期限轮换后才消失；"
    "在此之前如从备份恢复，须对照本清册重新销毁。"
)


@dataclass
class Execution:
    batch_id: str
    destroyed: list[str]
    skipped: list[dict[str, str]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"batch_id": self.batch_id, "destroyed": self.destroyed, "skipped": self.skipped}


def _doomed(batch: DisposalBatch) -> list[DisposalItem]:
    return [i for i in batch.items if i.decision == DESTROY]


def _refusals(s: Session, batch: DisposalBatch) -> list[Problem]:
    items = [i for i in _doomed(batch) if i.state is None]
    ids = [i.record_id for i in items]
    on_hold = held(s, ids)
    shared = sharers(s, objects_of(s, ids), set(ids))
    problems = [
        Problem("on_hold", f"档案 {i.archival_code} 处于冻结（法律保全）状态，不能销毁", i.record_id)
        for i in items if i.record_id in on_hold
    ]  # fmt: skip
    problems += [
        Problem("shared_content", f"档案 {i.archival_code} 的文件与其他在存档案（{'、'.join(shared[i.record_id][:5])}）"
                "共用同一存储对象，不能销毁", i.record_id)
        for i in items if i.record_id in shared
    ]  # fmt: skip
    return problems


def execute(archive: Archive, user: Principal, batch_id: str, witnesses: list[str]) -> Execution:
    require(user, frozenset({Role.ARCHIVIST}), "执行销毁")
    batch = get_batch(archive, user, batch_id)
    if batch.status == BatchStatus.EXECUTED:
        raise Conflict("该批次已执行销毁，不能重复执行", code="already_executed")
    if batch.status == BatchStatus.APPROVED:
        names = [w.strip() for w in witnesses if w.strip()]
        if problems := witness_problems(names):
            raise ValidationFailed(problems[0].message, code=problems[0].code, problems=problems)
        with archive.db.write() as s:
            lock_log(s)
            row = _load(s, batch_id)
            assert row is not None
            if row.status != BatchStatus.APPROVED:
                raise Conflict("该批次状态已变化，请刷新后重试", code="batch_changed")
            if problems := _refusals(s, row):
                raise Conflict(
                    "；".join(p.message for p in problems), code="disposal_refused", problems=problems
                )
            row.status, row.witnesses, row.executed_by = BatchStatus.EXECUTING, names, user.username
            record_event(s, "disposal_start", user.username, None,
                         {"batch": row.id, "witnesses": names})  # fmt: skip
    elif batch.status != BatchStatus.EXECUTING:
        raise Conflict(
            f"该批次状态为“{batch.status}”，须审批通过（已批准）后才能执行销毁", code="not_approved"
        )
    return finish_batch(archive, batch_id)


def resume_disposals(archive: Archive) -> list[Execution]:
    """Finish every batch a crash left 执行中 (run at start-up, or by `disposal execute` again)."""
    with archive.db.read() as s:
        ids = list(s.scalars(select(DisposalBatch.id).where(DisposalBatch.status == BatchStatus.EXECUTING)))
    return [finish_batch(archive, batch_id) for batch_id in ids]


def finish_batch(archive: Archive, batch_id: str) -> Execution:
    with archive.db.read() as s:
        batch = _load(s, batch_id)
    assert batch is not None and batch.status in (BatchStatus.EXECUTING, BatchStatus.EXECUTED)
    skipped: list[dict[str, str]] = []
    for item in _doomed(batch):
        if item.state == RecordState.DESTROYED:
            continue
        reason = _mark(archive, batch, item)
        if reason:
            skipped.append({"record_id": item.record_id, "reason": reason})
            continue
        _shred(archive, item.record_id, {i.record_id for i in _doomed(batch)})
        _commit_destroyed(archive, batch_id, item.record_id)
    with archive.db.write() as s:
        lock_log(s)
        row = _load(s, batch_id)
        assert row is not None
        destroyed = [i.record_id for i in _doomed(row) if i.state == RecordState.DESTROYED]
        if row.status == BatchStatus.EXECUTING:
            row.status, row.executed_at = BatchStatus.EXECUTED, utcnow()
            record_event(s, "disposal_execute", row.executed_by, None, {
                "batch": row.id, "destroyed": destroyed, "skipped": skipped, "witnesses": row.witnesses or [],
            })  # fmt: skip
    return Execution(batch_id, destroyed, skipped)


def _mark(archive: Archive, batch: DisposalBatch, item: DisposalItem) -> str | None:
    """Step 1: mark the record 销毁中 (or find it marked); a reason instead when it must be left alone."""
    with archive.db.write() as s:
        record = s.scalar(select(Record).where(Record.id == item.record_id))
        assert record is not None
        if record.lifecycle_status in RecordState.GONE:
            return None
        if held(s, [record.id]):
            return "处于冻结（法律保全）状态，未销毁"
        if sharers(s, objects_of(s, [record.id]), {i.record_id for i in _doomed(batch)}):
            return "其文件已被其他在存档案共用，未销毁"
        record.lifecycle_status = RecordState.DISPOSING
        s.execute(update(DisposalItem).where(DisposalItem.batch_id == batch.id,
                  DisposalItem.record_id == record.id).values(state=RecordState.DISPOSING))  # fmt: skip
    return None


def _shred(archive: Archive, record_id: str, leaving: set[str]) -> list[str]:
    """Step 2: destroy every copy of every object of the record that no live record names (idempotent).

    Done under the catalogue's write lock, with the references read again inside it: an ingest that
    reused one of these objects (content addressing) either committed before — its record is live and
    the object is kept — or commits after and finds the object gone, and stores it again (see
    `dangan.lifecycle.disposed_objects`). `leaving`: the records destroyed together with this one.
    """
    removed: list[str] = []
    gone: set[str] = set()
    with archive.db.write() as s:
        lock_log(s)
        refs: set[ObjectRef] = objects_of(s, [record_id]).get(record_id, set())
        named = referrers(s, {sha for sha, _ in refs})
        others = {r for ids in named.values() for r in ids} - leaving - {record_id}
        alive = live_records(s, others)
        for sha, enc in sorted(refs):
            if named.get((sha, enc), set()) & alive:
                continue  # a live record names these very bytes now: they are its, not ours to destroy
            removed += archive.objects.destroy(sha, enc)
            gone.add(sha)
    for sha in sorted(gone):  # the preview cache's renderings of them too (sealed, but still their pages)
        forget_pages(archive, sha)
    return removed


def _commit_destroyed(archive: Archive, batch_id: str, record_id: str) -> None:
    """Step 3: the record is 已销毁: register line, content-derived text dropped, ledger event."""
    policy = policy_of(archive)
    now = utcnow()
    with archive.db.write() as s:
        lock_log(s)
        batch = _load(s, batch_id)
        record = s.scalar(select(Record).where(Record.id == record_id))
        assert batch is not None and record is not None
        refs = sorted(objects_of(s, [record_id]).get(record_id, set()))
        record.lifecycle_status = RecordState.DESTROYED
        s.execute(update(DisposalItem).where(DisposalItem.batch_id == batch_id, DisposalItem.record_id == record_id)
                  .values(state=RecordState.DESTROYED, destroyed_at=now))  # fmt: skip
        _drop_content_text(s, record)
        remove_record_from_graph(s, record.id)  # the archive no longer holds what the record asserted
        item = next(i for i in batch.items if i.record_id == record_id)
        approvals = [{"username": a.username, "role": a.role, "decision": a.decision, "at": iso_utc(a.at)}
                     for a in batch.approvals]  # fmt: skip
        pages = s.scalars(select(DigitizationFile.pages).where(DigitizationFile.record_id == record_id)).all()
        today: date = as_local(now, archive.settings.timezone).date()
        rule = policy.start_rule(record.matter.name)
        s.add(DisposalRegister(
            record_id=record.id, archival_code=record.archival_code, title=record.title,
            department=record.department.name, year=record.year, retention=item.retention,
            years_kept=years_kept(record.decided_at, today, rule), file_count=len(record.files),
            page_count=sum(p for p in pages if p) or None, total_bytes=sum(int(f.size) for f in record.files),
            batch_id=batch.id, approvals=approvals, witnesses=list(batch.witnesses or []),
            executed_by=batch.executed_by or "", destroyed_at=now,
            detail={"objects": [{"sha256": sha, "encrypted": enc} for sha, enc in refs], "backups": BACKUP_NOTE},
        ))  # fmt: skip
        record_event(s, "dispose", batch.executed_by, record.id, {
            "batch": batch.id, "archival_code": record.archival_code,
            "objects": [{"sha256": sha, "encrypted": enc} for sha, enc in refs],
            "witnesses": list(batch.witnesses or []),
        })  # fmt: skip


def _drop_content_text(s: Session, record: Record) -> None:
    """Text read from the content (search body, OCR, embedding) goes with it; the title stays searchable."""
    s.execute(
        update(SearchDoc).where(SearchDoc.record_seq == record.seq).values(body_tokens="", body_text=None)
    )
    s.add(SearchOutbox(record_seq=record.seq))
    s.execute(update(DigitizationPage).where(DigitizationPage.record_id == record.id).values(ocr=None))
    s.execute(delete(RecordEmbedding).where(RecordEmbedding.record_seq == record.seq))
