"""The one policy that decides which records a user may read.

Every route asks here: `record_filter` narrows catalogue queries (lists, search, counts) and `can_read`
decides a single record. Both are written from the same rules so that a list can never show what a
record page would refuse. A refused record is reported as missing, never as forbidden, so its existence
does not leak.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, false, select, true

from dangan.domain import SecurityLevel
from dangan.store import Department, Record

from .roles import DEPARTMENT_SCOPED, THREE_ADMINS, Role


@dataclass(frozen=True)
class Principal:
    """Who is asking: a logged-in user, a user named by `--as`, or the anonymous public."""

    username: str
    role: Role
    department: str | None = None
    clearance: SecurityLevel = SecurityLevel.PUBLIC
    display_name: str = ""

    @property
    def sees_records(self) -> bool:
        return self.role not in THREE_ADMINS


ANONYMOUS = Principal(username="anonymous", role=Role.PUBLIC, display_name="公众")


def can_read(user: Principal, record: Record) -> bool:
    if not user.sees_records:
        return False
    if user.role in (Role.PUBLIC, Role.READER):
        return bool(record.open_to_public) and record.security_rank == SecurityLevel.PUBLIC.rank
    if record.security_rank > user.clearance.rank:
        return False
    if user.role in DEPARTMENT_SCOPED:
        return record.department is not None and record.department.name == user.department
    return user.role is Role.ARCHIVIST


def record_filter(user: Principal) -> ColumnElement[bool]:
    """A WHERE clause over `Record` equal to `can_read` for every row."""
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
