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
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import ColumnElement, and_, false, or_, select, true

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


@dataclass(frozen=True)
class Principal:
    """Who is asking: a logged-in user, a user named by `--as`, or the anonymous public."""

    username: str
    role: Role
    department: str | None = None
    clearance: SecurityLevel = SecurityLevel.PUBLIC
    display_name: str = ""
    grants: tuple[Grant, ...] = ()

    @property
    def sees_records(self) -> bool:
        return self.role not in THREE_ADMINS

    def without_grants(self) -> Principal:
        """The same user by his role alone: what an approver may hand on is never what he was lent."""
        return replace(self, grants=()) if self.grants else self


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
    return None if _by_role(user, record) else grant_for(user, record)


def can_read(user: Principal, record: Record) -> bool:
    return _by_role(user, record) or grant_for(user, record) is not None


def can_download(user: Principal, record: Record) -> bool:
    """Whoever reads a record by his role may download its files; a grant must say so (scope 下载)."""
    if _by_role(user, record):
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
    if not user.sees_records or not user.grants:
        return by_role
    granted = sorted({g.record_id for g in user.grants})
    return or_(by_role, and_(Record.security_rank <= user.clearance.rank, Record.id.in_(granted)))
