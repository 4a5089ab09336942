"""People: accounts with roles, departments and clearances, and the checks at login."""

from __future__ import annotations

import hashlib
import hmac

from sqlalchemy import select

from dangan.access import THREE_ADMINS, Principal, Role, hash_password, password_problem, verify_password
from dangan.core import AuthenticationFailed, Conflict, NotFound, ValidationFailed
from dangan.domain import SecurityLevel
from dangan.store import User

from .archive import Archive
from .ledger import record_event

MAX_FAILED_LOGINS = 5


def principal_of(user: User) -> Principal:
    return Principal(
        username=user.username,
        role=Role.parse(user.role),
        department=user.department,
        clearance=SecurityLevel.parse(user.clearance),
        display_name=user.display_name,
    )


def add_user(
    archive: Archive,
    username: str,
    password: str,
    role: str,
    *,
    department: str | None = None,
    clearance: str = "内部",
    display_name: str | None = None,
    actor: str = "system",
) -> Principal:
    try:
        role_ = Role.parse(role)
    except ValueError:
        raise ValidationFailed(f"未知角色：{role}", code="unknown_role") from None
    try:
        level = SecurityLevel.parse(clearance)
    except ValueError:
        raise ValidationFailed(
            f"未知密级：{clearance}（可选 公开、内部、秘密、机密）", code="unknown_clearance"
        ) from None
    if role_ in (Role.CLERK, Role.DEPT_HEAD) and not department:
        raise ValidationFailed(
            "部门经办人和部门负责人必须指定所属部门（--department）", code="department_required"
        )
    if role_ in THREE_ADMINS and department:
        department = None
    if reason := password_problem(password):
        raise ValidationFailed(reason, code="weak_password")
    if (
        not username
        or len(username) > 64
        or not username.replace("_", "").replace("-", "").replace(".", "").isalnum()
    ):
        raise ValidationFailed("用户名只能含字母、数字、_ - .，且不超过64个字符", code="invalid_username")
    with archive.db.write() as s:
        if s.scalar(select(User).where(User.username == username)):
            raise Conflict(f"用户名 {username} 已存在", code="user_exists")
        user = User(
            username=username, display_name=display_name or username, password_hash=hash_password(password),
            role=role_.code, department=department, clearance=level.label,
        )  # fmt: skip
        s.add(user)
        record_event(s, "user_add", actor, None, {"username": username, "role": role_.code})
        s.flush()
        return principal_of(user)


def get_principal(archive: Archive, username: str) -> Principal:
    with archive.db.read() as s:
        user = s.scalar(select(User).where(User.username == username, User.active.is_(True)))
    if user is None:
        raise NotFound(f"用户 {username} 不存在", code="unknown_user")
    return principal_of(user)


def authenticate(archive: Archive, username: str, password: str, source: str = "") -> Principal:
    """The principal for a correct password; one message for every failure so usernames do not leak.

    Failures are committed (counter and event) before the error is raised: a rollback would erase them.
    """
    principal: Principal | None = None
    with archive.db.write() as s:
        user = s.scalar(select(User).where(User.username == username))
        if user is None or not user.active:
            record_event(s, "login_failed", username[:64], None, {"source": source})
        elif user.failed_logins >= MAX_FAILED_LOGINS:
            record_event(s, "login_locked", username, None, {"source": source})
        elif not verify_password(user.password_hash, password):
            user.failed_logins += 1
            record_event(s, "login_failed", username, None, {"source": source})
        else:
            user.failed_logins = 0
            record_event(s, "login", username, None, {"source": source})
            principal = principal_of(user)
    if principal is None:
        raise AuthenticationFailed("用户名或密码错误，或账户已被锁定", code="login_failed")
    return principal


def _stamp(user: User) -> str:
    """A fingerprint of the current password hash: a session made under another password is void."""
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def session_stamp(archive: Archive, username: str) -> str:
    """What a new session of `username` records, so that a later password change revokes it."""
    with archive.db.read() as s:
        user = s.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"用户 {username} 不存在", code="unknown_user")
    return _stamp(user)


def session_principal(archive: Archive, username: str, stamp: str) -> Principal:
    """The principal of a session, or NotFound when the user is gone, inactive or has a new password."""
    with archive.db.read() as s:
        user = s.scalar(select(User).where(User.username == username, User.active.is_(True)))
    if user is None or not hmac.compare_digest(_stamp(user), stamp):
        raise NotFound("会话已失效，请重新登录", code="session_revoked")
    return principal_of(user)


def set_password(archive: Archive, username: str, new_password: str, actor: str = "system") -> None:
    """Change a password (policy checked); every session made under the old one stops working at once."""
    if reason := password_problem(new_password):
        raise ValidationFailed(reason, code="weak_password")
    with archive.db.write() as s:
        user = s.scalar(select(User).where(User.username == username))
        if user is None:
            raise NotFound(f"用户 {username} 不存在", code="unknown_user")
        user.password_hash = hash_password(new_password)
        user.failed_logins = 0
        record_event(s, "password_change", actor[:64], None, {"username": username})
