"""Appraisal batches (鉴定): propose, approve along the configured chain, or reject.

A proposal judges every record at once and is refused whole (nothing written) when any record may not
be destroyed or kept as asked; the reasons name each record. Each step writes its ledger event in the
transaction of the change. When the last approval lands, kept records get their new period.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from dangan.access import Principal, can_read
from dangan.core import Conflict, NotFound, PermissionDenied, Problem, ValidationFailed, as_local, utcnow
from dangan.lifecycle import (
    DESTROY,
    KEEP,
    Approval,
    BatchStatus,
    approval_problem,
    destroy_problems,
    keep_problems,
    next_step,
)
from dangan.services.archive import Archive, lock_log, record_event
from dangan.store.catalog import DisposalApproval, DisposalBatch, DisposalItem, Record, RetentionReview

from ._common import APPRAISERS, find_records, iso_utc, policy_of, require
from ._facts import candidates


@dataclass(frozen=True)
class Keep:
    """An appraisal decision to keep a record, with its new period and why."""

    record: str
    retention: str
    reason: str

    @classmethod
    def parse(cls, text: str) -> Keep:
        """`档案编号或档号:新期限:理由` as typed on the command line."""
        parts = text.split(":", 2)
        if len(parts) != 3 or not all(p.strip() for p in parts):
            raise ValidationFailed(f"保留决定“{text}”格式应为 档案编号:新保管期限:理由", code="bad_keep")
        return cls(parts[0].strip(), parts[1].strip(), parts[2].strip())


def _today(archive: Archive) -> date:
    return as_local(utcnow(), archive.settings.timezone).date()


def propose(
    archive: Archive, user: Principal, destroy: list[str], reason: str, keep: list[Keep] | None = None
) -> DisposalBatch:
    require(user, APPRAISERS, "提出鉴定销毁")
    keep = keep or []
    if not reason.strip():
        raise ValidationFailed("请写明鉴定销毁的理由（--reason）", code="reason_required")
    policy = policy_of(archive)
    today = _today(archive)
    try:
        with archive.db.write() as s:
            lock_log(s)
            doomed = find_records(s, user, destroy) if destroy else []
            kept = find_records(s, user, [k.record for k in keep]) if keep else []
            kept_by_id = {r.id: r for r in kept}
            overlap = set(kept_by_id) & {r.id for r in doomed}
            facts = candidates(s, doomed + [r for r in kept if r.id not in overlap], policy,
                               leaving={r.id for r in doomed})  # fmt: skip
            problems: list[Problem] = [
                Problem("both_decisions", f"档案 {kept_by_id[i].archival_code} 不能同时销毁和保留", i)
                for i in sorted(overlap)
            ]
            for r in doomed:
                problems += destroy_problems(facts[r.id].candidate, today)
            lookup = {r.id: r for r in kept} | {r.archival_code: r for r in kept}
            decisions = list({lookup[k.record].id: (lookup[k.record], k) for k in keep}.values())
            for r, k in decisions:
                problems += keep_problems(facts[r.id].candidate, k.retention, k.reason)
            if problems:
                raise Conflict(
                    "；".join(p.message for p in problems), code="disposal_refused", problems=problems
                )
            batch = DisposalBatch(
                status=BatchStatus.PENDING, reason=reason.strip(), chain=[list(s_) for s_ in policy.approval_chain],
                proposed_by=user.username, appraised_on=today,
            )  # fmt: skip
            s.add(batch)
            s.flush()
            rows: list[tuple[Record, str, str | None, str]] = [
                (r, DESTROY, None, reason.strip()) for r in doomed
            ]
            rows += [(r, KEEP, k.retention, k.reason) for r, k in decisions]
            for pos, (r, decision, new, why) in enumerate(rows, start=1):
                s.add(DisposalItem(
                    batch_id=batch.id, record_id=r.id, open_record_id=r.id, position=pos, decision=decision,
                    new_retention=new, reason=why, archival_code=r.archival_code, title=r.title, year=r.year,
                    retention=facts[r.id].candidate.expiry.retention,
                    expires_on=facts[r.id].candidate.expiry.expires_on,
                ))  # fmt: skip
            record_event(s, "disposal_propose", user.username, None, {
                "batch": batch.id, "reason": batch.reason, "destroy": [r.id for r in doomed],
                "keep": [r.id for r in kept],
            })  # fmt: skip
    except IntegrityError:  # another proposal took one of these records a moment ago
        raise Conflict("所选档案已被另一个鉴定销毁批次选中，请刷新后重试", code="disposal_refused") from None
    return get_batch(archive, user, batch.id)


def batch_json(batch: DisposalBatch) -> dict[str, Any]:
    """The batch as `disposal propose|approve|reject --json` print it (batch_id and status first)."""
    return {
        "batch_id": batch.id, "status": batch.status, "reason": batch.reason, "proposed_by": batch.proposed_by,
        "proposed_at": iso_utc(batch.proposed_at), "appraised_on": batch.appraised_on.isoformat(),
        "chain": batch.chain, "witnesses": batch.witnesses or [], "executed_by": batch.executed_by,
        "approvals": [{"username": a.username, "role": a.role, "decision": a.decision, "comment": a.comment,
                       "at": iso_utc(a.at)} for a in batch.approvals],
        "items": [{"record_id": i.record_id, "archival_code": i.archival_code, "title": i.title,
                   "decision": i.decision, "retention": i.retention,
                   "expires_on": i.expires_on.isoformat() if i.expires_on else None,
                   "new_retention": i.new_retention, "reason": i.reason, "state": i.state} for i in batch.items],
    }  # fmt: skip


def _load(s: Session, batch_id: str) -> DisposalBatch | None:
    return s.scalars(
        select(DisposalBatch)
        .options(selectinload(DisposalBatch.items), selectinload(DisposalBatch.approvals))
        .where(DisposalBatch.id == batch_id)
    ).first()


def _may_see(s: Session, user: Principal | None, batch: DisposalBatch) -> bool:
    if user is None:
        return True
    if user.role not in APPRAISERS:
        return False
    ids = [i.record_id for i in batch.items]
    records = s.scalars(select(Record).where(Record.id.in_(ids))).all()
    return all(can_read(user, r) for r in records)


def get_batch(archive: Archive, user: Principal | None, batch_id: str) -> DisposalBatch:
    """A batch its viewer may read every record of; NotFound otherwise (existence not revealed)."""
    with archive.db.read() as s:
        batch = _load(s, batch_id)
        if batch is None or not _may_see(s, user, batch):
            raise NotFound("鉴定销毁批次不存在或您无权查看", code="disposal_not_found")
        return batch


def list_batches(archive: Archive, user: Principal | None, status: str | None = None) -> list[DisposalBatch]:
    with archive.db.read() as s:
        query = (
            select(DisposalBatch)
            .options(selectinload(DisposalBatch.items), selectinload(DisposalBatch.approvals))
            .order_by(DisposalBatch.proposed_at.desc())
        )
        if status:
            query = query.where(DisposalBatch.status == status)
        return [b for b in s.scalars(query) if _may_see(s, user, b)]


def _judge(s: Session, user: Principal, batch: DisposalBatch) -> None:
    approvals = [Approval(a.username, a.role) for a in batch.approvals if a.decision == "批准"]
    problem = approval_problem(batch.chain, approvals, batch.proposed_by, batch.status,
                               Approval(user.username, user.role.code))  # fmt: skip
    if problem is None:
        return
    if problem.code in ("proposer_cannot_approve", "role_not_in_chain"):
        raise PermissionDenied(problem.message, code=problem.code)
    raise Conflict(problem.message, code=problem.code)


def approve(archive: Archive, user: Principal, batch_id: str, comment: str = "") -> DisposalBatch:
    get_batch(archive, user, batch_id)  # NotFound for who may not see it
    with archive.db.write() as s:
        lock_log(s)
        batch = _load(s, batch_id)
        assert batch is not None
        _judge(s, user, batch)
        approvals = [Approval(a.username, a.role) for a in batch.approvals if a.decision == "批准"]
        step = next_step(batch.chain, approvals)
        assert step is not None
        s.add(DisposalApproval(batch_id=batch.id, step=step, username=user.username, role=user.role.code,
                               decision="批准", comment=comment or None))  # fmt: skip
        done = step + 1 == len(batch.chain)
        if done:
            batch.status = BatchStatus.APPROVED
            _apply_keeps(s, batch, user.username)
        record_event(s, "disposal_approve", user.username, None,
                     {"batch": batch.id, "step": step + 1, "status": batch.status})  # fmt: skip
    return get_batch(archive, user, batch_id)


def _apply_keeps(s: Session, batch: DisposalBatch, actor: str) -> None:
    """Kept records get their new period, counted from the appraisal date, and leave the batch."""
    for item in batch.items:
        if item.decision != KEEP or item.new_retention is None:
            continue
        review = s.get(RetentionReview, item.record_id)
        if review is None:
            review = RetentionReview(record_id=item.record_id)
            s.add(review)
        review.retention, review.counted_from = item.new_retention, batch.appraised_on
        review.reason, review.batch_id, review.at = item.reason, batch.id, utcnow()
        item.open_record_id = None
        record_event(s, "retention_keep", actor, item.record_id, {
            "batch": batch.id, "retention": item.new_retention, "counted_from": batch.appraised_on.isoformat(),
            "reason": item.reason,
        })  # fmt: skip


def reject(archive: Archive, user: Principal, batch_id: str, reason: str) -> DisposalBatch:
    if not reason.strip():
        raise ValidationFailed("驳回须写明理由（--reason）", code="reason_required")
    get_batch(archive, user, batch_id)
    with archive.db.write() as s:
        lock_log(s)
        batch = _load(s, batch_id)
        assert batch is not None
        _judge(s, user, batch)
        approvals = [a for a in batch.approvals if a.decision == "批准"]
        s.add(DisposalApproval(batch_id=batch.id, step=len(approvals), username=user.username,
                               role=user.role.code, decision="驳回", comment=reason.strip()))  # fmt: skip
        batch.status, batch.rejected_by, batch.rejection_reason = BatchStatus.REJECTED, user.username, reason
        s.execute(update(DisposalItem).where(DisposalItem.batch_id == batch.id).values(open_record_id=None))
        record_event(s, "disposal_reject", user.username, None, {"batch": batch.id, "reason": reason.strip()})
    return get_batch(archive, user, batch_id)
