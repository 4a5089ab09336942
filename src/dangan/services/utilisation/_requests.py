"""Utilization requests (利用申请): a user asks to read records he may not read by his role, for a stated
purpose; the department head of the records' department or an archivist approves (scope and expiry,
never wider than asked) or rejects with a reason; an approved request is a time-limited grant that the
approver or an archivist may revoke. Every step is a ledger event.

Nothing about the catalogue is told to the requester while he writes: the request keeps what he typed
(档号 list or a set description) and is resolved only by the approver (who may decide which records is
the concern of `_approvers`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dangan.access import Principal, Role
from dangan.core import Conflict, NotFound, PermissionDenied, ValidationFailed, utcnow
from dangan.domain import ACCESS_SCOPES, AccessScope, RequestStatus
from dangan.services.accounts import aware, current_rules
from dangan.services.archive import Archive, record_event
from dangan.services.utilisation._approvers import (
    APPROVERS,
    beyond_clearance,
    concerns,
    require_approver,
    resolve,
)
from dangan.share import sharing_kind
from dangan.store.catalog import Record, UtilizationItem, UtilizationRequest

MAX_DAYS = 365
MAX_CODES = 200
MAX_ITEMS = 1000
MAX_PURPOSE = 500
SCOPE_LABELS = {AccessScope.VIEW: "仅查看", AccessScope.DOWNLOAD: "查看并下载"}
_NOT_FOUND = "利用申请不存在或您无权处理"


@dataclass(frozen=True)
class RequestForm:
    """What the requester typed: a 档号 list, or a set by department / matter / year / keyword."""

    purpose: str
    scope: str = AccessScope.VIEW
    days: int = 30
    codes: tuple[str, ...] = ()
    department: str = ""
    matter: str = ""
    year: int | None = None
    keyword: str = ""
    unmask: bool = False


def _clean(text: str, limit: int) -> str:
    return " ".join(str(text or "").split())[:limit]


def _validated(form: RequestForm) -> tuple[str, list[str], dict[str, Any]]:
    purpose = " ".join(form.purpose.split())
    if len(purpose) < 2 or len(purpose) > MAX_PURPOSE:
        raise ValidationFailed(f"请填写利用目的（2–{MAX_PURPOSE} 个字）", code="purpose_required")
    if form.scope not in ACCESS_SCOPES:
        raise ValidationFailed("利用方式只能是“仅查看”或“查看并下载”", code="invalid_scope")
    if not 1 <= form.days <= MAX_DAYS:
        raise ValidationFailed(f"利用期限须为 1–{MAX_DAYS} 天", code="invalid_days")
    codes = list(dict.fromkeys(c for c in (_clean(c, 120) for c in form.codes) if c))
    if len(codes) > MAX_CODES:
        raise ValidationFailed(f"一次最多申请 {MAX_CODES} 个档号", code="too_many_codes")
    criteria: dict[str, Any] = {
        k: v for k, v in (("department", _clean(form.department, 200)), ("matter", _clean(form.matter, 200)),
                          ("keyword", _clean(form.keyword, 100))) if v
    }  # fmt: skip
    if form.year is not None:
        if not 1900 <= form.year <= 9999:
            raise ValidationFailed("年度须为四位数字", code="invalid_year")
        criteria["year"] = form.year
    if codes and criteria:
        raise ValidationFailed(
            "请按档号申请，或按部门/事项/年度/关键词描述一组档案，二者择一", code="mixed_target"
        )
    if not codes and not criteria:
        raise ValidationFailed("请填写要利用的档号，或描述要利用的档案范围", code="target_required")
    return purpose, codes, criteria


def create_request(archive: Archive, user: Principal, form: RequestForm) -> UtilizationRequest:
    if not user.sees_records:
        raise PermissionDenied("三员（系统管理员、安全保密管理员、安全审计员）不能申请利用档案内容",
                               code="request_forbidden")  # fmt: skip
    purpose, codes, criteria = _validated(form)
    with archive.db.write() as s:
        req = UtilizationRequest(
            requester=user.username, requester_role=user.role.code, requester_department=user.department,
            purpose=purpose, scope=form.scope, unmask=form.unmask, days=form.days, codes=codes,
            criteria=criteria, status=RequestStatus.PENDING, created_at=utcnow(), expiry_logged=False,
        )  # fmt: skip
        s.add(req)
        s.flush()
        record_event(s, "utilization_request", user.username, None,
                     {"request_id": req.id, "purpose": purpose, "scope": form.scope, "days": form.days,
                      "unmask": form.unmask, "codes": codes, "criteria": criteria})  # fmt: skip
        return req


def _for_decision(
    s: Session, user: Principal, rid: str, rule: str = "dept_head"
) -> tuple[UtilizationRequest, list[Record]]:
    require_approver(user)
    req = s.get(UtilizationRequest, rid, with_for_update=True)
    if req is None:
        raise NotFound(_NOT_FOUND, code="request_not_found")
    if req.requester == user.username:
        raise PermissionDenied("不能审批本人提交的利用申请", code="self_approval")
    records = resolve(s, user, req, MAX_ITEMS + 1, rule)
    if not concerns(s, user, req, records, rule):
        raise NotFound(_NOT_FOUND, code="request_not_found")  # not his department's records
    if req.status != RequestStatus.PENDING:
        raise Conflict(f"该申请已处理（{req.status}）", code="request_decided")
    return req, records


def approve_request(
    archive: Archive, user: Principal, rid: str, *, scope: str | None = None, days: int | None = None,
    unmask: bool | None = None, note: str = "",
) -> UtilizationRequest:  # fmt: skip
    """Approve: the approver may narrow the scope and shorten the term, never widen either."""
    with archive.db.write() as s:
        req, records = _for_decision(s, user, rid, archive.settings.conditional_approver)
        scope = scope or req.scope
        if scope not in ACCESS_SCOPES or (scope == AccessScope.DOWNLOAD and req.scope == AccessScope.VIEW):
            raise ValidationFailed("批准的利用方式不能超出申请的范围", code="invalid_scope")
        days = req.days if days is None else days
        if not 1 <= days <= req.days:
            raise ValidationFailed(
                f"批准的期限须为 1–{req.days} 天（不能超过申请的期限）", code="invalid_days"
            )
        if not records:
            raise ValidationFailed(
                "在您可审批的范围内没有符合该申请的档案，请驳回并说明理由", code="nothing_to_grant"
            )
        if len(records) > MAX_ITEMS:
            raise ValidationFailed(
                f"申请范围超过 {MAX_ITEMS} 件，请驳回并请申请人缩小范围", code="too_many_records"
            )
        now = utcnow()
        req.status, req.decided_by, req.decided_at = RequestStatus.APPROVED, user.username, now
        req.granted_scope, req.granted_unmask = (
            scope,
            bool(req.unmask if unmask is None else unmask and req.unmask),
        )
        req.expires_at = now + timedelta(days=days)
        req.reason = _clean(note, 1000) or None
        req.items = [UtilizationItem(record_id=r.id, position=i, archival_code=r.archival_code)
                     for i, r in enumerate(records)]  # fmt: skip
        record_event(s, "utilization_approve", user.username, None,
                     {"request_id": req.id, "requester": req.requester, "scope": scope, "days": days,
                      "unmask": req.granted_unmask, "expires_at": req.expires_at.isoformat(),
                      "record_ids": [r.id for r in records]})  # fmt: skip
        _ = req.items
        return req


def reject_request(archive: Archive, user: Principal, rid: str, reason: str) -> UtilizationRequest:
    reason = _clean(reason, 1000)
    with archive.db.write() as s:
        req, _records = _for_decision(s, user, rid, archive.settings.conditional_approver)
        if len(reason) < 2:
            raise ValidationFailed("驳回须填写理由", code="reason_required")
        req.status, req.decided_by, req.decided_at, req.reason = (
            RequestStatus.REJECTED,
            user.username,
            utcnow(),
            reason,
        )
        record_event(s, "utilization_reject", user.username, None,
                     {"request_id": req.id, "requester": req.requester, "reason": reason})  # fmt: skip
        return req


def revoke_request(archive: Archive, user: Principal, rid: str, reason: str = "") -> UtilizationRequest:
    """End a grant early: its approver, or any archivist."""
    require_approver(user)
    with archive.db.write() as s:
        req = s.get(UtilizationRequest, rid, with_for_update=True)
        if req is None or (user.role is not Role.ARCHIVIST and req.decided_by != user.username):
            raise NotFound(_NOT_FOUND, code="request_not_found")
        if (
            req.status != RequestStatus.APPROVED
            or req.expires_at is None
            or aware(req.expires_at) <= utcnow()
        ):
            raise Conflict("只能撤销生效中的授权", code="grant_inactive")
        req.status, req.revoked_by, req.revoked_at = RequestStatus.REVOKED, user.username, utcnow()
        req.revoke_reason = _clean(reason, 1000) or None
        record_event(s, "utilization_revoke", user.username, None,
                     {"request_id": req.id, "requester": req.requester, "reason": req.revoke_reason})  # fmt: skip
        _ = req.items
        return req


def my_requests(archive: Archive, user: Principal) -> list[UtilizationRequest]:
    with archive.db.read() as s:
        rows = s.scalars(
            select(UtilizationRequest).where(UtilizationRequest.requester == user.username)
            .order_by(UtilizationRequest.created_at.desc()).limit(500)
        ).all()  # fmt: skip
        for r in rows:
            _ = r.items
        return list(rows)


@dataclass
class QueueEntry:
    request: UtilizationRequest
    records: list[Record]  # what this approver would lend (his own view), capped for display
    beyond_clearance: int = 0  # matching records he sees but may not lend to this requester


def approval_queue(archive: Archive, user: Principal) -> list[QueueEntry]:
    """Pending requests this user may decide: any for an archivist; for a department head, those naming
    records of his department. Never his own."""
    if user.role not in APPROVERS:
        return []
    with archive.db.read() as s:
        pending = s.scalars(
            select(UtilizationRequest)
            .where(UtilizationRequest.status == RequestStatus.PENDING, UtilizationRequest.requester != user.username)
            .order_by(UtilizationRequest.created_at).limit(200)
        ).all()  # fmt: skip
        out = []
        rule = archive.settings.conditional_approver
        for req in pending:
            records = resolve(s, user, req, 50, rule)
            beyond = beyond_clearance(s, user, req, rule)
            if records or beyond or user.role is Role.ARCHIVIST:
                for r in records:
                    _ = (r.department, r.matter)
                out.append(QueueEntry(req, records, beyond))
        return out


def awaiting_count(archive: Archive, user: Principal) -> int:
    """How many requests wait for this user's decision (the menu badge, on every page): an archivist may
    decide any but his own, so a count; a department head's queue is resolved against his department."""
    if user.role is Role.ARCHIVIST:
        with archive.db.read() as s:
            query = (
                select(func.count())
                .select_from(UtilizationRequest)
                .where(
                    UtilizationRequest.status == RequestStatus.PENDING,
                    UtilizationRequest.requester != user.username,
                )
            )
            return int(s.scalar(query) or 0)
    return len(approval_queue(archive, user))


def granted_by_me(archive: Archive, user: Principal) -> list[UtilizationRequest]:
    """Grants this user may revoke (an archivist: all), newest first, active or not."""
    if user.role not in APPROVERS:
        return []
    with archive.db.read() as s:
        stmt = select(UtilizationRequest).where(
            UtilizationRequest.status.in_([RequestStatus.APPROVED, RequestStatus.REVOKED])
        )
        if user.role is not Role.ARCHIVIST:
            stmt = stmt.where(UtilizationRequest.decided_by == user.username)
        rows = s.scalars(stmt.order_by(UtilizationRequest.decided_at.desc()).limit(500)).all()
        for r in rows:
            _ = r.items
        return list(rows)


def request_state(req: UtilizationRequest) -> str:
    """The status as a person reads it: an approved grant past its term shows as 已过期."""
    if (
        req.status == RequestStatus.APPROVED
        and req.expires_at is not None
        and aware(req.expires_at) <= utcnow()
    ):
        return "已过期"
    return req.status


def request_json(req: UtilizationRequest) -> dict[str, Any]:
    """A request as its requester or approver sees it (only the 档号 the approver lent, no content)."""

    def iso(value: Any) -> str | None:
        return aware(value).isoformat() if value is not None else None

    return {
        "id": req.id, "requester": req.requester, "purpose": req.purpose, "scope": req.scope,
        "unmask": req.unmask, "days": req.days, "codes": list(req.codes or []), "criteria": dict(req.criteria or {}),
        "status": request_state(req), "created_at": iso(req.created_at), "decided_by": req.decided_by,
        "decided_at": iso(req.decided_at), "reason": req.reason, "granted_scope": req.granted_scope,
        "granted_unmask": req.granted_unmask, "expires_at": iso(req.expires_at), "revoked_by": req.revoked_by,
        "revoked_at": iso(req.revoked_at), "revoke_reason": req.revoke_reason,
        "records": [{"record_id": i.record_id, "archival_code": i.archival_code} for i in req.items]
        if req.status in (RequestStatus.APPROVED, RequestStatus.REVOKED) else [],
    }  # fmt: skip


def get_request(archive: Archive, user: Principal, rid: str) -> UtilizationRequest:
    """One request for its requester, its decider, or anyone who could decide or revoke it now."""
    with archive.db.read() as s:
        req = s.get(UtilizationRequest, rid)
        if req is None:
            raise NotFound(_NOT_FOUND, code="request_not_found")
        mine = req.requester == user.username or req.decided_by == user.username
        rule = archive.settings.conditional_approver
        if not mine and not (
            user.role in APPROVERS and concerns(s, user, req, resolve(s, user, req, 1, rule), rule)
        ):
            raise NotFound(_NOT_FOUND, code="request_not_found")
        _ = req.items
        return req


def sharing_types(
    archive: Archive, department: str | None, records: list[Record] | list[str]
) -> dict[str, str]:
    """How the sharing catalogue opens each record to `department` (无条件共享 / 有条件共享 / 不予共享), or
    本部门 for its own: shown beside each record of a request, so the approver knows what he lends."""
    if not records or not department:
        return {}
    with archive.db.read() as s:
        rules = current_rules(s)
        if isinstance(records[0], str):  # record ids (a request's lent items): their rows
            records = list(s.scalars(select(Record).where(Record.id.in_(records))).unique())
    return {
        r.id: "本部门" if r.department.name == department
        else sharing_kind(rules, department, r.department.name, r.matter.name, r.security_level)
        for r in records
    }  # fmt: skip
