"""The sharing catalogue as the access policy reads it: loaded once where a principal is built.

The current rules (not retired) become `Share` terms for the user's department, with the catalogue's
precedence already applied by `dangan.share.view_for`; names become catalogue ids here so that the
policy compares plain columns. A rule naming a department or matter the catalogue does not hold yet
covers no record, so it is left out (a narrower one still hides its records from the wider rule only
once they exist, which is when it matters).
"""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from dangan.access import DEPARTMENT_SCOPED, Principal, Role, Share
from dangan.core import PermissionDenied
from dangan.domain import SecurityLevel
from dangan.services.archive import Archive
from dangan.share import Category, SharingRule, view_for
from dangan.store.catalog import Department, Matter
from dangan.store.catalog import SharingRule as RuleRow

from ._apikeys import ApiKeyInfo


def current_rules(s: Session) -> list[SharingRule]:
    rows = s.scalars(select(RuleRow).where(RuleRow.retired.is_(False))).all()
    return [
        SharingRule(
            Category(r.department, r.matter, r.security_level),
            r.kind,
            tuple(r.departments or ()),
            bool(r.to_all),
            bool(r.download),
            r.conditions or "",
        )
        for r in rows
    ]


def _rank(label: str) -> int | None:
    return SecurityLevel.parse(label).rank if label else None


def shares_in(s: Session, department: str | None) -> tuple[Share, ...]:
    """The categories of other departments shared with `department`, as the policy's terms."""
    if not department:
        return ()
    view = view_for(current_rules(s), department)
    if not view:
        return ()
    names = {v.category.department for v in view}
    dept_ids = dict(s.execute(select(Department.name, Department.id).where(Department.name.in_(names))).all())
    matter_ids: dict[tuple[int, str], int] = {
        (d, n): i
        for i, d, n in s.execute(
            select(Matter.id, Matter.department_id, Matter.name).where(
                Matter.department_id.in_(dept_ids.values())
            )
        ).all()
    }
    out = []
    for v in view:
        dept_id = dept_ids.get(v.category.department)
        if dept_id is None:
            continue
        matter_id = matter_ids.get((dept_id, v.category.matter)) if v.category.matter else None
        if v.category.matter and matter_id is None:
            continue
        unless = []
        for matter, level in v.unless:
            narrower = matter_ids.get((dept_id, matter)) if matter else None
            if matter and narrower is None:
                continue  # no record of that matter yet
            unless.append((narrower, _rank(level)))
        out.append(
            Share(dept_id, matter_id, _rank(v.category.security_level), v.kind, v.download, tuple(unless))
        )
    return tuple(out)


def with_shares(archive: Archive, principal: Principal) -> Principal:
    """`principal` carrying what the sharing catalogue opens to his department (department-scoped
    users only: an archivist reads every department already, readers and the public none)."""
    if not principal.sees_records or principal.role not in DEPARTMENT_SCOPED or not principal.department:
        return replace(principal, shares=()) if principal.shares else principal
    with archive.db.read() as s:
        return replace(principal, shares=shares_in(s, principal.department))


def system_principal(
    archive: Archive, system: str, department: str, clearance: SecurityLevel = SecurityLevel.INTERNAL
) -> Principal:
    """A department's business system (an API key) as a reader: its own department's records and what
    the sharing catalogue opens to that department, like that department's clerk, never above
    `clearance` and never through grants (a system cannot file a 利用申请)."""
    user = Principal(f"system:{system}"[:64], Role.CLERK, department, clearance, display_name=system)
    return with_shares(archive, user)


def key_reader(archive: Archive, key: ApiKeyInfo) -> Principal:
    """The business system behind a read-scoped API key, as the policy's principal; an ingest-only key
    is refused (403), so a leaked push key cannot read the archive."""
    if not key.may_read:
        raise PermissionDenied("该 API Key 仅用于推送案卷，不能查询档案", code="api_key_scope")
    return system_principal(archive, key.system, key.department, SecurityLevel.parse(key.clearance))
