"""Who may approve a utilization request (利用申请), and over which records: department heads for their
department's records, archivists for any, never the 三员, never the requester himself.

Records another department shares with the requester's as 有条件共享 are decided by one kind of approver
only, as `DANGAN_CONDITIONAL_APPROVER` says: the owning department's head (default) or the archive's
archivists; the other kind does not see them in its queue and cannot lend them.

A request is resolved only against the approver's own view by role (never through grants the approver
himself holds), capped by the requester's clearance: the requester learns nothing of the catalogue.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, func, not_, or_, select
from sqlalchemy.orm import Session

from dangan.access import SHARE_CONDITIONAL, THREE_ADMINS, Principal, Role, record_filter
from dangan.core import PermissionDenied
from dangan.domain import SecurityLevel
from dangan.services.accounts import shares_in
from dangan.store.catalog import Department, Matter, Record, User, UtilizationRequest

APPROVERS = frozenset({Role.ARCHIVIST, Role.DEPT_HEAD})
CONDITIONAL_DECIDERS = {"dept_head": Role.DEPT_HEAD, "archive": Role.ARCHIVIST}


def _target(req: UtilizationRequest) -> ColumnElement[bool]:
    if req.codes:
        return Record.archival_code.in_(list(req.codes))
    c = req.criteria or {}
    clauses: list[ColumnElement[bool]] = []
    if c.get("department"):
        clauses.append(Record.department.has(Department.name == c["department"]))
    if c.get("matter"):
        clauses.append(Record.matter.has(Matter.name == c["matter"]))
    if c.get("year"):
        clauses.append(Record.year == int(c["year"]))
    if c.get("keyword"):
        kw = c["keyword"]
        clauses.append(or_(Record.title.contains(kw), Record.applicant_name.contains(kw),
                           Record.doc_number.contains(kw)))  # fmt: skip
    return and_(*clauses)


def _requester(s: Session, req: UtilizationRequest) -> User | None:
    return s.scalar(select(User).where(User.username == req.requester, User.active.is_(True)))


def _not_his(
    s: Session, approver: Principal, req: UtilizationRequest, rule: str
) -> ColumnElement[bool] | None:
    """The records this approver may not decide for `req`: those shared 有条件共享 with the requester's
    department, when the setting gives them to the other kind of approver (None: nothing is withheld)."""
    if approver.role is CONDITIONAL_DECIDERS.get(rule, Role.DEPT_HEAD) or not req.requester_department:
        return None
    conditional = [
        sh.clause() for sh in shares_in(s, req.requester_department) if sh.kind == SHARE_CONDITIONAL
    ]
    return or_(*conditional) if conditional else None


def _view(s: Session, approver: Principal, req: UtilizationRequest, rule: str) -> ColumnElement[bool]:
    where = and_(record_filter(approver.without_grants()), _target(req))
    withheld = _not_his(s, approver, req, rule)
    return where if withheld is None else and_(where, not_(withheld))


def resolve(
    s: Session, approver: Principal, req: UtilizationRequest, limit: int, rule: str = "dept_head"
) -> list[Record]:
    """The records this approver may lend for `req`: his own view by role (less what the setting gives
    the other kind of approver), within the requester's clearance."""
    requester = _requester(s, req)
    if requester is None or Role.parse(requester.role) in THREE_ADMINS:
        return []
    cap = SecurityLevel.parse(requester.clearance).rank
    where = and_(_view(s, approver, req, rule), Record.security_rank <= cap)
    return list(s.scalars(select(Record).where(where).order_by(Record.archival_code).limit(limit)).all())


def beyond_clearance(
    s: Session, approver: Principal, req: UtilizationRequest, rule: str = "dept_head"
) -> int:
    """How many records in the approver's view match `req` but cannot be lent (above the requester's
    clearance, or the requester is gone or one of the 三员): told to the approver, never the requester."""
    requester = _requester(s, req)
    where = _view(s, approver, req, rule)
    if requester is not None and Role.parse(requester.role) not in THREE_ADMINS:
        where = and_(where, Record.security_rank > SecurityLevel.parse(requester.clearance).rank)
    return int(s.scalar(select(func.count()).select_from(Record).where(where)) or 0)


def concerns(
    s: Session, approver: Principal, req: UtilizationRequest, lendable: list[Record], rule: str = "dept_head"
) -> bool:
    """Whether a department head has a say: the request names records of his department."""
    return approver.role is Role.ARCHIVIST or bool(lendable) or beyond_clearance(s, approver, req, rule) > 0


def require_approver(user: Principal) -> None:
    """Refuse, before anything is read, a user whose role never decides requests."""
    if user.role in THREE_ADMINS:
        raise PermissionDenied("三员不参与档案利用审批", code="approve_forbidden")
    if user.role not in APPROVERS:
        raise PermissionDenied("只有部门负责人或档案管理员可以审批利用申请", code="approve_forbidden")
