"""The one policy that decides which records a user may read.

Every route asks here: `record_filter` narrows catalogue queries (lists, search, counts) and `can_read`
decides a single record. Both are written from the same rules so that a list can never show what a
record page would refuse. A refused record is reported as missing, never as forbidden, so its existence
does not leak.

Grants of approved utilization requests (利用申请) widen what a user may read. They travel in the
`Principal`: the services load the user's *active* grants (approved, not revoked, `expires_at` later than
now) when they build the principal for a request, so a grant expires by itself without any job, and the
policy stays a pure function of (user, record, grants). A grant never lifts a user above his clearance,
and the three administrators (三员) ignore grants entirely: whatever rows exist, they read no content.

The sharing catalogue (共享目录) reaches the policy the same way, as data: `Principal.shares` holds the
categories of other departments' records that the catalogue's current version opens to the user's
department, precedence already applied by the services (`dangan.share.shares_for`). A department-scoped
user reads 无条件共享 records like his own, within his clearance, downloading them only where the rule
says so; 有条件共享 adds nothing by itself (an approved, unexpired request's grant does), it only names
how a lent record was shared; everything else (不予共享) stays closed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import ColumnElement, and_, false, not_, or_, select, true

from dangan.domain import SecurityLevel
from dangan.store.catalog import Department, Record

from .roles import DEPARTMENT_SCOPED, THREE_ADMINS, Role


@dataclass(frozen=True)
class Grant:
    """One record made readable to one user by an approved utilization request, until `expires_at`."""

    request_id: str
    record_id: str
    download: bool
    unmask: bool
    expires_at: datetime


SHARE_FREE = "无条件共享"
SHARE_CONDITIONAL = "有条件共享"
SHARE_NONE = "不予共享"


@dataclass(frozen=True)
class Share:
    """A category of one other department's records and how the sharing catalogue opens it to the user.

    `unless` names the more specific categories (matter id, security rank; None = any) of the same
    department that have a rule of their own: those records follow that rule, never this one."""

    department_id: int
    matter_id: int | None
    security_rank: int | None
    kind: str
    download: bool = False
    unless: tuple[tuple[int | None, int | None], ...] = ()

    def covers(self, record: Record) -> bool:
        def hits(matter: int | None, rank: int | None) -> bool:
            return (matter is None or record.matter_id == matter) and (
                rank is None or record.security_rank == rank
            )

        return (
            record.department_id == self.department_id
            and hits(self.matter_id, self.security_rank)
            and not any(hits(m, r) for m, r in self.unless)
        )

    def clause(self) -> ColumnElement[bool]:
        def hits(matter: int | None, rank: int | None) -> list[ColumnElement[bool]]:
            out: list[ColumnElement[bool]] = []
            if matter is not None:
                out.append(Record.matter_id == matter)
            if rank is not None:
                out.append(Record.security_rank == rank)
            return out

        parts = [Record.department_id == self.department_id, *hits(self.matter_id, self.security_rank)]
        parts += [not_(and_(*hits(m, r))) for m, r in self.unless]
        return and_(*parts)


@dataclass(frozen=True)
class Principal:
    """Who is asking: a logged-in user, a user named by `--as`, or the anonymous public."""

    username: str
    role: Role
    department: str | None = None
    clearance: SecurityLevel = SecurityLevel.PUBLIC
    display_name: str = ""
    grants: tuple[Grant, ...] = ()
    shares: tuple[Share, ...] = ()  # the sharing catalogue as it opens other departments' records to him

    @property
    def sees_records(self) -> bool:
        return self.role not in THREE_ADMINS

    def without_grants(self) -> Principal:
        """The same user by his role alone: what an approver may hand on is never what he was lent, nor
        what another department shares with his."""
        return replace(self, grants=(), shares=()) if self.grants or self.shares else self


ANONYMOUS = Principal(username="anonymous", role=Role.PUBLIC, display_name="公众")


def _by_role(user: Principal, record: Record) -> bool:
    if not user.sees_records:
        return False
    if user.role in (Role.PUBLIC, Role.READER):
        return bool(record.open_to_public) and record.security_rank == SecurityLevel.PUBLIC.rank
    if record.security_rank > user.clearance.rank:
        return False
    if user.role in DEPARTMENT_SCOPED:
        return record.department is not None and record.department.name == user.department
    return user.role is Role.ARCHIVIST


def _own(user: Principal, record: Record) -> bool:
    return record.department is not None and record.department.name == user.department


def shared_as(user: Principal, record: Record) -> Share | None:
    """The sharing-catalogue category through which `record` of another department reaches `user`
    (无条件 or 有条件), or None: his own department's, not shared with his, or he is not department-scoped."""
    if not user.shares or user.role not in DEPARTMENT_SCOPED or not user.sees_records or _own(user, record):
        return None
    return next((share for share in user.shares if share.covers(record)), None)


def _shared_freely(user: Principal, record: Record) -> Share | None:
    if record.security_rank > user.clearance.rank:
        return None
    share = shared_as(user, record)
    return share if share is not None and share.kind == SHARE_FREE else None


def _standing(user: Principal, record: Record) -> bool:
    """Readable without any grant: by role, or shared unconditionally with the user's department."""
    return _by_role(user, record) or _shared_freely(user, record) is not None


def grant_for(user: Principal, record: Record) -> Grant | None:
    """The strongest grant of `user` that covers `record` (download and unmask preferred), if any."""
    if not user.sees_records or record.security_rank > user.clearance.rank:
        return None
    found = [g for g in user.grants if g.record_id == record.id]
    if not found:
        return None
    return max(found, key=lambda g: (g.download, g.unmask, g.expires_at))


def granted_only(user: Principal, record: Record) -> Grant | None:
    """The grant `user` reads `record` through, when his role alone would not let him (else None)."""
    return None if _standing(user, record) else grant_for(user, record)


def can_read(user: Principal, record: Record) -> bool:
    return _standing(user, record) or grant_for(user, record) is not None


def can_download(user: Principal, record: Record) -> bool:
    """Whoever reads a record by his role may download its files; a sharing rule (its download flag) or
    a grant (scope 下载) must say so."""
    if _by_role(user, record):
        return True
    share = _shared_freely(user, record)
    if share is not None and share.download:
        return True
    grant = grant_for(user, record)
    return grant is not None and grant.download


def _filter_by_role(user: Principal) -> ColumnElement[bool]:
    if not user.sees_records:
        return false()
    if user.role in (Role.PUBLIC, Role.READER):
        return and_(Record.open_to_public == true(), Record.security_rank == SecurityLevel.PUBLIC.rank)
    within_clearance = Record.security_rank <= user.clearance.rank
    if user.role in DEPARTMENT_SCOPED:
        dept_ids = select(Department.id).where(Department.name == (user.department or "")).scalar_subquery()
        return and_(within_clearance, Record.department_id.in_(dept_ids))
    if user.role is Role.ARCHIVIST:
        return within_clearance
    return false()


def record_filter(user: Principal) -> ColumnElement[bool]:
    """A WHERE clause over `Record` equal to `can_read` for every row."""
    by_role = _filter_by_role(user)
    shared = shared_filter(user)
    if shared is not None:
        by_role = or_(by_role, shared)
    if not user.sees_records or not user.grants:
        return by_role
    granted = sorted({g.record_id for g in user.grants})
    return or_(by_role, and_(Record.security_rank <= user.clearance.rank, Record.id.in_(granted)))


def shared_filter(user: Principal) -> ColumnElement[bool] | None:
    """The records of other departments shared unconditionally with `user`, within his clearance, as a
    WHERE clause over `Record` (None: none are); a part of `record_filter`, for translations of it."""
    if not user.sees_records or user.role not in DEPARTMENT_SCOPED:
        return None
    free = [share.clause() for share in user.shares if share.kind == SHARE_FREE]
    if not free:
        return None
    return and_(Record.security_rank <= user.clearance.rank, or_(*free))
