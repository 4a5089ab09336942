"""Editing the sharing catalogue (共享目录): the archive department sets and retires rules; every change
is a new version row (who, when, why) and a ledger event in one transaction.

The rules themselves (precedence, who a rule shares with) are `dangan.share`'s; what the access policy
makes of the current version is loaded with each principal (`services.accounts.with_shares`), so a
change takes effect on the next request of every user, with no cache to clear.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dangan.access import DEPARTMENT_SCOPED, Principal, Role
from dangan.core import Conflict, NotFound, PermissionDenied, ValidationFailed, utcnow
from dangan.services.accounts import aware
from dangan.services.archive import Archive, record_event
from dangan.share import checked_rule
from dangan.store.catalog import SharingRule, SharingRuleVersion

EDITORS = frozenset({Role.ARCHIVIST})
MAX_REASON = 500
_NOT_FOUND = "共享规则不存在"


@dataclass(frozen=True)
class RuleForm:
    """A rule as a person typed it (the CLI's options or the page's form)."""

    department: str
    kind: str
    reason: str
    matter: str = ""
    security_level: str = ""
    departments: tuple[str, ...] = ()
    to_all: bool = False
    download: bool = False
    conditions: str = ""


def may_view_catalogue(user: Principal) -> bool:
    """The archive department and the departments' own staff (who learn what they may use or ask for)."""
    return user.role is Role.ARCHIVIST or user.role in DEPARTMENT_SCOPED


def may_edit_catalogue(user: Principal) -> bool:
    return user.role in EDITORS


def _require_view(user: Principal) -> None:
    if not may_view_catalogue(user):
        raise PermissionDenied("只有档案管理员和部门人员可以查看共享目录", code="sharing_forbidden")


def _require_edit(user: Principal) -> None:
    if not may_edit_catalogue(user):
        raise PermissionDenied("只有档案管理员可以维护共享目录", code="sharing_forbidden")


def _reason(text: str) -> str:
    reason = " ".join(str(text or "").split())
    if len(reason) < 2 or len(reason) > MAX_REASON:
        raise ValidationFailed(f"请填写变更理由（2–{MAX_REASON} 个字）", code="reason_required")
    return reason


def _snapshot(row: SharingRule) -> dict[str, Any]:
    return {
        "kind": row.kind,
        "departments": list(row.departments or []),
        "to_all": bool(row.to_all),
        "download": bool(row.download),
        "conditions": row.conditions or "",
        "retired": bool(row.retired),
    }


def _new_version(
    s: Session, row: SharingRule, user: Principal, reason: str, event: str
) -> SharingRuleVersion:
    now = utcnow()
    row.updated_by, row.updated_at = user.username[:64], now
    version = SharingRuleVersion(
        rule_id=row.id, version=row.version, department=row.department, matter=row.matter,
        security_level=row.security_level, changed_by=user.username[:64], changed_at=now, reason=reason,
        **_snapshot(row),
    )  # fmt: skip
    s.add(version)
    s.flush()
    detail = {
        "rule_id": row.id, "version": row.version, "revision": version.id, "department": row.department,
        "matter": row.matter, "security_level": row.security_level, "reason": reason, **_snapshot(row),
    }  # fmt: skip
    record_event(s, event, user.username[:64], None, detail)
    return version


def set_rule(archive: Archive, user: Principal, form: RuleForm) -> SharingRule:
    """Add a rule for a category, or change (or revive) the one it has: a new version either way."""
    _require_edit(user)
    reason = _reason(form.reason)
    rule = checked_rule(
        form.department, form.matter, form.security_level, kind=form.kind, departments=form.departments,
        to_all=form.to_all, download=form.download, conditions=form.conditions,
    )  # fmt: skip
    cat = rule.category
    wanted = {
        "kind": rule.kind, "departments": list(rule.departments), "to_all": rule.to_all,
        "download": rule.download, "conditions": rule.conditions, "retired": False,
    }  # fmt: skip
    with archive.db.write() as s:
        row = s.scalar(
            select(SharingRule)
            .where(
                SharingRule.department == cat.department,
                SharingRule.matter == cat.matter,
                SharingRule.security_level == cat.security_level,
            )
            .with_for_update()
        )
        if row is None:
            row = SharingRule(department=cat.department, matter=cat.matter, security_level=cat.security_level,
                              version=0, updated_by=user.username[:64])  # fmt: skip
            s.add(row)
        elif _snapshot(row) == wanted:
            raise ValidationFailed("与当前版本相同，未生成新版本", code="rule_unchanged")
        for key, value in wanted.items():
            setattr(row, key, value)
        row.version += 1
        s.flush()
        _new_version(s, row, user, reason, "sharing_rule_set")
        return row


def retire_rule(archive: Archive, user: Principal, rule_id: str, reason: str) -> SharingRule:
    """Retire a rule: its records fall back to the next wider rule (or 不予共享); a new version says so."""
    _require_edit(user)
    text = _reason(reason)
    with archive.db.write() as s:
        row = s.get(SharingRule, rule_id, with_for_update=True)
        if row is None:
            raise NotFound(_NOT_FOUND, code="rule_not_found")
        if row.retired:
            raise Conflict("该共享规则已停用", code="rule_retired")
        row.retired = True
        row.version += 1
        _new_version(s, row, user, text, "sharing_rule_retire")
        return row


def find_rule(
    archive: Archive, user: Principal, department: str, matter: str = "", level: str = ""
) -> SharingRule:
    """The rule of a category named as typed (a level as 公开/内部/…), retired or not."""
    _require_view(user)
    cat = checked_rule(department, matter, level, kind="不予共享").category
    with archive.db.read() as s:
        row = s.scalar(
            select(SharingRule).where(
                SharingRule.department == cat.department,
                SharingRule.matter == cat.matter,
                SharingRule.security_level == cat.security_level,
            )
        )
    if row is None:
        raise NotFound(f"{cat.label()} 没有共享规则", code="rule_not_found")
    return row


def list_rules(
    archive: Archive, user: Principal, *, include_retired: bool = False, offset: int = 0, limit: int = 50
) -> tuple[list[SharingRule], int]:
    """A page of rules (by department, then matter and level: wider rules before narrower), and the count."""
    _require_view(user)
    where = [] if include_retired else [SharingRule.retired.is_(False)]
    with archive.db.read() as s:
        total = int(s.scalar(select(func.count()).select_from(SharingRule).where(*where)) or 0)
        rows = s.scalars(
            select(SharingRule).where(*where)
            .order_by(SharingRule.department, SharingRule.matter, SharingRule.security_level)
            .offset(max(0, offset)).limit(max(1, min(limit, 500)))
        ).all()  # fmt: skip
    return list(rows), total


def rule_history(
    archive: Archive, user: Principal, rule_id: str
) -> tuple[SharingRule, list[SharingRuleVersion]]:
    """A rule and all its versions, newest first."""
    _require_view(user)
    with archive.db.read() as s:
        row = s.get(SharingRule, rule_id)
        if row is None:
            raise NotFound(_NOT_FOUND, code="rule_not_found")
        versions = s.scalars(
            select(SharingRuleVersion).where(SharingRuleVersion.rule_id == rule_id)
            .order_by(SharingRuleVersion.version.desc())
        ).all()  # fmt: skip
    return row, list(versions)


def catalogue_revision(archive: Archive) -> int:
    """The catalogue's version: the newest version row's id (0 before the first rule)."""
    with archive.db.read() as s:
        return int(s.scalar(select(func.max(SharingRuleVersion.id))) or 0)


def _iso(value: datetime | None) -> str | None:
    return aware(value).isoformat() if value is not None else None


def rule_json(row: SharingRule) -> dict[str, Any]:
    return {
        "id": row.id, "department": row.department, "matter": row.matter or None,
        "security_level": row.security_level or None, "version": row.version, "updated_by": row.updated_by,
        "updated_at": _iso(row.updated_at), **_snapshot(row),
    }  # fmt: skip


def version_json(row: SharingRuleVersion) -> dict[str, Any]:
    return {
        "revision": row.id, "rule_id": row.rule_id, "version": row.version, "department": row.department,
        "matter": row.matter or None, "security_level": row.security_level or None, "kind": row.kind,
        "departments": list(row.departments or []), "to_all": bool(row.to_all), "download": bool(row.download),
        "conditions": row.conditions or "", "retired": bool(row.retired), "changed_by": row.changed_by,
        "changed_at": _iso(row.changed_at), "reason": row.reason,
    }  # fmt: skip
