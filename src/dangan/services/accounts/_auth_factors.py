"""The TOTP second factor of an account: enrolment, the check at login (no replay), recovery codes, reset.

The secret is sealed like a stored object's content (envelope encryption): a fresh AES-256-GCM data key
per secret, wrapped by the archive's master key, with the username as associated data so a sealed secret
copied onto another account does not open. A stolen catalogue therefore holds no usable TOTP secret, and a
master-key rotation keeps old secrets readable through the retired keys the key ring still holds.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from dangan.access import (
    matching_step,
    new_recovery_codes,
    new_secret,
    provisioning_uri,
    recovery_digest,
    verify_password,
)
from dangan.core import AuthenticationFailed, Conflict, NotFound, utcnow
from dangan.services.archive import Archive, record_event
from dangan.store.catalog import AuthFactor, RecoveryCode, User
from dangan.store.crypto import seal_text, unseal_text


@dataclass(frozen=True)
class TotpStatus:
    enabled: bool
    pending: bool  # a secret was issued but not yet confirmed with a code
    recovery_left: int


@dataclass(frozen=True)
class TotpEnrolment:
    secret: str
    uri: str


def _seal(archive: Archive, username: str, secret: str) -> str:
    return seal_text(archive.objects.keyring, secret, f"totp:{username}")


def _unseal(archive: Archive, username: str, text: str) -> str:
    return unseal_text(archive.objects.keyring, text, f"totp:{username}")


def factor_of(s: Session, user: User) -> AuthFactor:
    """The account's factor row, created (with nothing enabled) on first use."""
    factor = s.get(AuthFactor, user.id)
    if factor is None:
        factor = AuthFactor(user_id=user.id, totp_enabled=False, totp_last_step=-1, session_epoch=0)
        s.add(factor)
        s.flush()
    return factor


def totp_enabled(s: Session, user: User) -> bool:
    factor = s.get(AuthFactor, user.id)
    return bool(factor and factor.totp_enabled)


def session_epoch(s: Session, user: User) -> int:
    factor = s.get(AuthFactor, user.id)
    return factor.session_epoch if factor else 0


def _user(s: Session, username: str) -> User:
    user = s.scalar(select(User).where(User.username == username, User.active.is_(True)))
    if user is None:
        raise NotFound(f"用户 {username} 不存在", code="unknown_user")
    return user


def totp_status(archive: Archive, username: str) -> TotpStatus:
    with archive.db.read() as s:
        user = _user(s, username)
        factor = s.get(AuthFactor, user.id)
        left = len(
            s.scalars(
                select(RecoveryCode.id).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
            ).all()
        )
    enabled = bool(factor and factor.totp_enabled)
    return TotpStatus(enabled, bool(factor and factor.totp_secret and not enabled), left if enabled else 0)


def start_totp(archive: Archive, username: str) -> TotpEnrolment:
    """Issue a new secret (replacing an unconfirmed one); nothing changes at login until it is confirmed."""
    secret = new_secret()
    with archive.db.write() as s:
        user = _user(s, username)
        factor = factor_of(s, user)
        if factor.totp_enabled:
            raise Conflict("动态口令已启用；如需更换，请先停用", code="totp_already_enabled")
        factor.totp_secret = _seal(archive, username, secret)
        factor.updated_at = utcnow()
    return TotpEnrolment(secret, provisioning_uri(secret, username, archive.settings.fonds_name))


def pending_enrolment(archive: Archive, username: str) -> TotpEnrolment | None:
    """The issued but unconfirmed secret (to show the QR code again), or None."""
    with archive.db.read() as s:
        user = _user(s, username)
        factor = s.get(AuthFactor, user.id)
        if factor is None or factor.totp_enabled or not factor.totp_secret:
            return None
        secret = _unseal(archive, username, factor.totp_secret)
    return TotpEnrolment(secret, provisioning_uri(secret, username, archive.settings.fonds_name))


def _replace_recovery_codes(s: Session, user: User) -> list[str]:
    s.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = new_recovery_codes()
    s.add_all(RecoveryCode(user_id=user.id, code_sha256=recovery_digest(c)) for c in codes)
    return codes


def confirm_totp(archive: Archive, username: str, code: str, now: float | None = None) -> list[str]:
    """Switch the factor on once the user proves the app holds the secret; returns the recovery codes
    (shown once). Every other session of the account ends: it was made without the second factor."""
    now = time.time() if now is None else now
    with archive.db.write() as s:
        user = _user(s, username)
        factor = factor_of(s, user)
        if factor.totp_enabled:
            raise Conflict("动态口令已启用", code="totp_already_enabled")
        if not factor.totp_secret:
            raise Conflict("请先生成动态口令密钥", code="totp_not_started")
        step = matching_step(_unseal(archive, username, factor.totp_secret), code, now)
        if step is None:
            raise AuthenticationFailed(
                "动态口令不正确，请核对手机时间后输入当前显示的 6 位数字", code="totp_failed"
            )
        factor.totp_enabled, factor.totp_last_step, factor.totp_enabled_at = True, step, utcnow()
        factor.session_epoch += 1
        codes = _replace_recovery_codes(s, user)
        record_event(s, "totp_enabled", username, None, {"username": username})
    return codes


def check_second_factor(archive: Archive, s: Session, user: User, code: str, now: float) -> str | None:
    """Which factor `code` satisfies ("totp" or "recovery"), consuming it; None when it satisfies none.

    A TOTP code is accepted only for a time step later than the last one used, so the same code (or an
    older one) cannot be used twice; a recovery code is marked used.
    """
    factor = s.get(AuthFactor, user.id)
    if factor is None or not factor.totp_enabled or not factor.totp_secret:
        return None
    step = matching_step(
        _unseal(archive, user.username, factor.totp_secret), code, now, factor.totp_last_step
    )
    if step is not None:
        factor.totp_last_step = step
        return "totp"
    row = s.scalar(
        select(RecoveryCode).where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_sha256 == recovery_digest(code),
            RecoveryCode.used_at.is_(None),
        )
    )
    if row is None:
        return None
    row.used_at = utcnow()
    return "recovery"


def clear_totp(s: Session, user: User) -> bool:
    """Drop the factor and its recovery codes and end every session; True when one was enabled."""
    factor = factor_of(s, user)
    was_enabled = factor.totp_enabled
    factor.totp_secret, factor.totp_enabled, factor.totp_enabled_at = None, False, None
    factor.totp_last_step = -1
    factor.session_epoch += 1
    factor.updated_at = utcnow()
    s.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    return was_enabled


def bump_session_epoch(s: Session, user: User) -> None:
    factor_of(s, user).session_epoch += 1


def disable_own_totp(archive: Archive, username: str, password: str, code: str) -> None:
    """Switch one's own second factor off: password and a current code (or a recovery code) both needed."""
    with archive.db.write() as s:
        user = s.scalar(select(User).where(User.username == username, User.active.is_(True)))
        if user is None or not verify_password(user.password_hash, password):
            raise AuthenticationFailed("当前密码不正确", code="wrong_password")
        if check_second_factor(archive, s, user, code.strip()[:64], time.time()) is None:
            raise AuthenticationFailed("动态口令错误或已使用过", code="totp_failed")
        clear_totp(s, user)
        record_event(s, "totp_disabled", username, None, {"username": username})
