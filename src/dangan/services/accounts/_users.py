"""People: accounts with roles, departments and clearances, and the checks at login.

Login is one step (password) or two (password, then a TOTP or recovery code). Wrong codes count towards
the same per-account lockout as wrong passwords, and a right password alone never resets that count for
an account with a second factor — otherwise password + four guesses, repeated, would outrun the lockout.

Administration of other people's accounts is in `user_admin`.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass

from sqlalchemy import select

from dangan.access import THREE_ADMINS, Principal, Role, hash_password, password_problem, verify_password
from dangan.core import AuthenticationFailed, Conflict, NotFound, ValidationFailed
from dangan.domain import SecurityLevel
from dangan.services.archive import Archive, record_event
from dangan.store.catalog import Event, User

from ._auth_factors import check_second_factor, session_epoch, totp_enabled
from ._grants import with_grants

MAX_FAILED_LOGINS = 5  # the default of DANGAN_LOCKOUT_THRESHOLD


@dataclass(frozen=True)
class LoginStep:
    """The outcome of a right password: the principal, and whether a second factor must follow."""

    principal: Principal
    second_factor: bool


def principal_of(user: User) -> Principal:
    return Principal(
        username=user.username,
        role=Role.parse(user.role),
        department=user.department,
        clearance=SecurityLevel.parse(user.clearance),
        display_name=user.display_name,
    )


def parse_role(role: str) -> Role:
    try:
        return Role.parse(role)
    except ValueError:
        raise ValidationFailed(f"未知角色：{role}", code="unknown_role") from None


def parse_clearance(clearance: str) -> SecurityLevel:
    try:
        return SecurityLevel.parse(clearance)
    except ValueError:
        raise ValidationFailed(
            f"未知密级：{clearance}（可选 公开、内部、秘密、机密）", code="unknown_clearance"
        ) from None


def check_text(*values: str | None) -> None:
    """Names and departments are shown everywhere: no control characters (PostgreSQL refuses NUL)."""
    if any(v and any(ord(c) < 0x20 or ord(c) == 0x7F for c in v) for v in values):
        raise ValidationFailed("显示名称或部门名称中含有不允许的控制字符", code="invalid_characters")


def check_password_policy(password: str, username: str) -> None:
    if reason := password_problem(password, username):
        raise ValidationFailed(reason, code="weak_password")


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
    role_ = parse_role(role)
    level = parse_clearance(clearance)
    department = (department or "").strip() or None
    if role_ in (Role.CLERK, Role.DEPT_HEAD) and not department:
        raise ValidationFailed(
            "部门经办人和部门负责人必须指定所属部门（--department）", code="department_required"
        )
    if role_ in THREE_ADMINS and department:
        department = None
    if (
        not username
        or len(username) > 64
        or not username.replace("_", "").replace("-", "").replace(".", "").isalnum()
    ):
        raise ValidationFailed("用户名只能含字母、数字、_ - .，且不超过64个字符", code="invalid_username")
    check_password_policy(password, username)
    check_text(display_name, department)
    if display_name is not None and len(display_name) > 100:
        raise ValidationFailed("显示名称不能超过100个字符", code="invalid_display_name")
    with archive.db.write() as s:
        if s.scalar(select(User).where(User.username == username)):
            raise Conflict(f"用户名 {username} 已存在", code="user_exists")
        user = User(
            username=username, display_name=display_name or username, password_hash=hash_password(password),
            role=role_.code, department=department, clearance=level.label,
        )  # fmt: skip
        s.add(user)
        detail = {
            "username": username,
            "role": role_.code,
            "department": department,
            "clearance": level.label,
        }
        record_event(s, "user_add", actor[:64], None, detail)
        s.flush()
        return principal_of(user)


def get_principal(archive: Archive, username: str) -> Principal:
    with archive.db.read() as s:
        user = s.scalar(select(User).where(User.username == username, User.active.is_(True)))
    if user is None:
        raise NotFound(f"用户 {username} 不存在", code="unknown_user")
    return with_grants(archive, principal_of(user))


def _login_failed() -> AuthenticationFailed:
    return AuthenticationFailed("用户名或密码错误，或账户已被锁定", code="login_failed")


def begin_login(archive: Archive, username: str, password: str, source: str = "") -> LoginStep:
    """Check the password; one message for every failure so usernames do not leak.

    Failures are committed (counter and event) before the error is raised: a rollback would erase them.
    """
    step: LoginStep | None = None
    threshold = archive.settings.lockout_threshold
    with archive.db.write() as s:
        user = s.scalar(select(User).where(User.username == username))
        if user is None or not user.active:
            record_event(s, "login_failed", username[:64], None, {"source": source})
        elif user.failed_logins >= threshold:
            record_event(s, "login_locked", username, None, {"source": source})
        elif not verify_password(user.password_hash, password):
            user.failed_logins += 1
            record_event(s, "login_failed", username, None, {"source": source})
        elif totp_enabled(s, user):
            record_event(s, "login_password_ok", username, None, {"source": source})
            step = LoginStep(principal_of(user), True)
        else:
            user.failed_logins = 0
            record_event(s, "login", username, None, {"source": source})
            step = LoginStep(principal_of(user), False)
    if step is None:
        raise _login_failed()
    return step


def is_first_login(archive: Archive, username: str) -> bool:
    """Whether the login just made is this user's first (one `login` event in the audit trail): the
    guided tour then starts by itself instead of being offered. Reads at most two events."""
    with archive.db.read() as s:
        found = s.scalars(
            select(Event.id).where(Event.kind == "login", Event.actor == username).limit(2)
        ).all()
    return len(found) <= 1


def authenticate(archive: Archive, username: str, password: str, source: str = "") -> Principal:
    """The principal for a correct password of an account without a second factor."""
    step = begin_login(archive, username, password, source)
    if step.second_factor:
        raise AuthenticationFailed(
            "该账户已启用动态口令，请在登录页面输入动态口令", code="second_factor_required"
        )
    return step.principal


def finish_login(
    archive: Archive, username: str, code: str, source: str = "", now: float | None = None
) -> Principal:
    """The second step: a TOTP code (not used before) or an unused recovery code."""
    now = time.time() if now is None else now
    principal: Principal | None = None
    with archive.db.write() as s:
        user = s.scalar(select(User).where(User.username == username, User.active.is_(True)))
        if user is None:
            record_event(s, "login_failed", username[:64], None, {"source": source, "factor": "totp"})
        elif user.failed_logins >= archive.settings.lockout_threshold:
            record_event(s, "login_locked", username, None, {"source": source, "factor": "totp"})
        elif (factor := check_second_factor(archive, s, user, code.strip()[:64], now)) is None:
            user.failed_logins += 1
            record_event(s, "login_failed", username, None, {"source": source, "factor": "totp"})
        else:
            user.failed_logins = 0
            record_event(s, "login", username, None, {"source": source, "factor": factor})
            principal = principal_of(user)
    if principal is None:
        raise AuthenticationFailed("动态口令错误或已使用过，或账户已被锁定", code="totp_failed")
    return principal


def _stamp(user: User, epoch: int) -> str:
    """A fingerprint of the password hash and the session epoch: a session made before either changed
    (new password, second factor switched on or off, sessions revoked) is void."""
    return hashlib.sha256(f"{user.password_hash}|{epoch}".encode()).hexdigest()[:16]


def session_stamp(archive: Archive, username: str) -> str:
    """What a new session of `username` records, so that a later change revokes it."""
    with archive.db.read() as s:
        user = s.scalar(select(User).where(User.username == username))
        if user is None:
            raise NotFound(f"用户 {username} 不存在", code="unknown_user")
        return _stamp(user, session_epoch(s, user))


def session_principal(archive: Archive, username: str, stamp: str) -> Principal:
    """The principal of a session, or NotFound when the user is gone, inactive or the stamp is stale."""
    with archive.db.read() as s:
        user = s.scalar(select(User).where(User.username == username, User.active.is_(True)))
        good = user is not None and hmac.compare_digest(_stamp(user, session_epoch(s, user)), stamp)
    if user is None or not good:
        raise NotFound("会话已失效，请重新登录", code="session_revoked")
    return with_grants(archive, principal_of(user))


def set_password(archive: Archive, username: str, new_password: str, actor: str = "system") -> None:
    """Change a password (policy checked); every session made under the old one stops working at once."""
    check_password_policy(new_password, username)
    with archive.db.write() as s:
        user = s.scalar(select(User).where(User.username == username))
        if user is None:
            raise NotFound(f"用户 {username} 不存在", code="unknown_user")
        user.password_hash = hash_password(new_password)
        user.failed_logins = 0
        kind = "password_change" if actor == username else "password_reset"
        record_event(s, kind, actor[:64], None, {"username": username})


def change_own_password(archive: Archive, username: str, current: str, new_password: str) -> None:
    """The account page: the current password proves it is the owner, not a borrowed session."""
    with archive.db.read() as s:
        user = s.scalar(select(User).where(User.username == username, User.active.is_(True)))
        good = user is not None and verify_password(user.password_hash, current)
    if not good:
        raise AuthenticationFailed("当前密码不正确", code="wrong_password")
    if current == new_password:
        raise ValidationFailed("新密码不能与当前密码相同", code="same_password")
    set_password(archive, username, new_password, actor=username)
