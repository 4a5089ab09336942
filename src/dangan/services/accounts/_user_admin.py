"""Administration of accounts by the 安全保密管理员 (`by=None`: the operator at the server's shell).

Account administration is the 安全保密管理员's alone (三员分立): the system administrator and the auditor
manage no one, the security officer changes nothing of his own account, and the three administrator
accounts themselves are managed only from the server's shell (`dangan user ...`, actor `system`) — the
security officer could otherwise disable the auditor who watches him, or make a second officer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from dangan.access import THREE_ADMINS, Principal, Role, hash_password
from dangan.core import NotFound, PermissionDenied, ValidationFailed
from dangan.services.archive import Archive, record_event
from dangan.store.catalog import User

from ._auth_factors import bump_session_epoch, clear_totp, totp_enabled
from ._users import add_user, check_password_policy, check_text, parse_clearance, parse_role

USER_ADMINS = frozenset({Role.SECADMIN})


@dataclass(frozen=True)
class UserInfo:
    username: str
    display_name: str
    role: Role
    department: str | None
    clearance: str
    active: bool
    locked: bool
    totp: bool
    created_at: datetime

    def as_json(self) -> dict[str, Any]:
        return {
            "username": self.username, "display_name": self.display_name, "role": self.role.code,
            "role_label": self.role.label, "department": self.department, "clearance": self.clearance,
            "active": self.active, "locked": self.locked, "totp": self.totp,
            "created_at": self.created_at.isoformat(),
        }  # fmt: skip


def may_manage_users(user: Principal) -> bool:
    return user.role in USER_ADMINS


def require_user_admin(user: Principal) -> None:
    if not may_manage_users(user):
        raise PermissionDenied("只有安全保密管理员可以管理用户", code="forbidden")


def _require_manager(by: Principal | None) -> None:
    if by is not None:
        require_user_admin(by)


def _find(s: Any, username: str) -> User:
    user: User | None = s.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"用户 {username} 不存在", code="unknown_user")
    return user


def _target(s: Any, by: Principal | None, username: str) -> User:
    """The account `by` is about to change, refused when he may not change it."""
    user = _find(s, username)
    if by is not None:
        if user.username == by.username:
            raise PermissionDenied(
                "不能更改自己的账户（角色、部门、密级、状态、密码重置、动态口令），请由部署人员办理",
                code="self_change_refused",
            )
        if Role.parse(user.role) in THREE_ADMINS:
            raise PermissionDenied(_THREE_ADMINS_SHELL, code="three_admins_shell_only")
    return user


_THREE_ADMINS_SHELL = (
    "系统管理员、安全保密管理员、安全审计员账户只能由部署人员在服务器上用 dangan user 命令管理"
)


def _info(s: Any, user: User, threshold: int) -> UserInfo:
    return UserInfo(
        user.username, user.display_name, Role.parse(user.role), user.department, user.clearance,
        user.active, user.failed_logins >= threshold, totp_enabled(s, user), user.created_at,
    )  # fmt: skip


def list_users(archive: Archive, by: Principal | None) -> list[UserInfo]:
    _require_manager(by)
    with archive.db.read() as s:
        users = s.scalars(select(User).order_by(User.username)).all()
        return [_info(s, u, archive.settings.lockout_threshold) for u in users]


def get_user(archive: Archive, by: Principal | None, username: str) -> UserInfo:
    _require_manager(by)
    with archive.db.read() as s:
        return _info(s, _find(s, username), archive.settings.lockout_threshold)


def create_user(
    archive: Archive, by: Principal | None, username: str, password: str, role: str, *,
    department: str | None = None, clearance: str = "内部", display_name: str | None = None,
) -> UserInfo:  # fmt: skip
    _require_manager(by)
    if by is not None and parse_role(role) in THREE_ADMINS:
        raise PermissionDenied(_THREE_ADMINS_SHELL, code="three_admins_shell_only")
    actor = by.username if by else "system"
    add_user(archive, username, password, role, department=department, clearance=clearance,
             display_name=display_name, actor=actor)  # fmt: skip
    return get_user(archive, by, username)


def update_user(
    archive: Archive, by: Principal | None, username: str, *, role: str | None = None,
    department: str | None = None, clearance: str | None = None, display_name: str | None = None,
) -> UserInfo:  # fmt: skip
    """Change role, department, clearance or display name; every change is one `user_update` event."""
    _require_manager(by)
    with archive.db.write() as s:
        user = _target(s, by, username)
        old_role = Role.parse(user.role)
        new_role = parse_role(role) if role else old_role
        if new_role != old_role and new_role in THREE_ADMINS and (by is not None or old_role in THREE_ADMINS):
            raise PermissionDenied(
                _THREE_ADMINS_SHELL if by is not None else "一个账户不能先后担任两种三员角色，请另建账户",
                code="three_admins_shell_only" if by is not None else "three_admins_exclusive",
            )
        dept = user.department if department is None else (department.strip() or None)
        if new_role in THREE_ADMINS:
            dept = None
        if new_role in (Role.CLERK, Role.DEPT_HEAD) and not dept:
            raise ValidationFailed("部门经办人和部门负责人必须指定所属部门", code="department_required")
        level = parse_clearance(clearance).label if clearance else user.clearance
        name = user.display_name if display_name is None else (display_name.strip() or user.username)
        check_text(name, dept)
        if len(name) > 100 or (dept and len(dept) > 200):
            raise ValidationFailed("显示名称或部门名称过长", code="too_long")
        new = {"role": new_role.code, "department": dept, "clearance": level, "display_name": name}
        changes = {k: [getattr(user, k), v] for k, v in new.items() if getattr(user, k) != v}
        for key, (_, value) in changes.items():
            setattr(user, key, value)
        if changes:
            record_event(s, "user_update", by.username if by else "system", None,
                         {"username": username, "changes": changes})  # fmt: skip
    return get_user(archive, by, username)


def _admin_change(archive: Archive, by: Principal | None, username: str, kind: str, change: Any) -> UserInfo:
    _require_manager(by)
    with archive.db.write() as s:
        user = _target(s, by, username)
        detail = change(s, user) or {}
        record_event(s, kind, by.username if by else "system", None, {"username": username, **detail})
    return get_user(archive, by, username)


def set_active(archive: Archive, by: Principal | None, username: str, active: bool) -> UserInfo:
    """Deactivate (every session ends at once: sessions are reloaded per request) or reactivate."""

    def change(s: Any, user: User) -> None:
        user.active = active
        bump_session_epoch(s, user)

    return _admin_change(archive, by, username, "user_activate" if active else "user_deactivate", change)


def reset_password(archive: Archive, by: Principal | None, username: str, new_password: str) -> UserInfo:
    """A new password chosen by the officer (policy checked); unlocks the account, ends its sessions."""
    check_password_policy(new_password, username)

    def change(s: Any, user: User) -> None:
        user.password_hash = hash_password(new_password)
        user.failed_logins = 0

    return _admin_change(archive, by, username, "password_reset", change)


def reset_totp(archive: Archive, by: Principal | None, username: str) -> UserInfo:
    """For a lost phone: the second factor is dropped; the user may enrol again after logging in."""
    return _admin_change(archive, by, username, "totp_reset", lambda s, u: {"was_enabled": clear_totp(s, u)})


def unlock_user(archive: Archive, by: Principal | None, username: str) -> UserInfo:
    def change(s: Any, user: User) -> dict[str, Any]:
        count, user.failed_logins = user.failed_logins, 0
        return {"failed_logins": count}

    return _admin_change(archive, by, username, "user_unlock", change)
