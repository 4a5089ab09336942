"""What the lifecycle use cases share: the policy from settings, who may act, finding records."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from dangan.access import Principal, Role, can_read
from dangan.core import PermissionDenied, Problem, ValidationFailed
from dangan.lifecycle import LifecyclePolicy
from dangan.services.archive import Archive
from dangan.store.catalog import Record

APPRAISERS = frozenset({Role.ARCHIVIST, Role.DEPT_HEAD})


def iso_utc(value: datetime) -> str:
    """A stored time as ISO text with its zone (SQLite hands times back naive, meaning UTC)."""
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()


def policy_of(archive: Archive) -> LifecyclePolicy:
    return LifecyclePolicy.from_settings(archive.settings.lifecycle)


def require(user: Principal, roles: frozenset[Role], action: str) -> None:
    if user.role not in roles:
        names = "、".join(r.label for r in sorted(roles, key=lambda r: r.code))
        raise PermissionDenied(f"只有{names}可以{action}", code="lifecycle_forbidden")


def find_records(s: Session, user: Principal | None, keys: list[str]) -> list[Record]:
    """Records named by id or 档号, each readable by `user` (None: the operator at the shell, all).

    An unknown or unreadable record is a usage error naming every such key, and changes nothing.
    """
    wanted = list(dict.fromkeys(k.strip() for k in keys if k.strip()))
    if not wanted:
        raise ValidationFailed("请至少指定一件档案（档案编号或档号）", code="no_records")
    rows = s.scalars(select(Record).where(or_(Record.id.in_(wanted), Record.archival_code.in_(wanted)))).all()
    by_key = {r.id: r for r in rows} | {r.archival_code: r for r in rows}
    missing = [k for k in wanted if k not in by_key or (user is not None and not can_read(user, by_key[k]))]
    if missing:
        problems = [Problem("record_not_found", f"档案 {k} 不存在或您无权查看", k) for k in missing]
        raise ValidationFailed(
            "；".join(p.message for p in problems), code="record_not_found", problems=problems
        )
    return list({by_key[k].id: by_key[k] for k in wanted}.values())
