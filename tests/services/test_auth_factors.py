"""The TOTP second factor in services: enrolment, two-step login, replay, recovery codes, the lockout it
shares with passwords, the sealed secret, and migration 0011 on both backends."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import inspect, select

from dangan.access.totp import code_at, time_step
from dangan.core import AuthenticationFailed, Conflict
from dangan.services.accounts import (
    add_user,
    authenticate,
    begin_login,
    confirm_totp,
    disable_own_totp,
    finish_login,
    reset_totp,
    session_stamp,
    start_totp,
    totp_status,
)
from dangan.services.archive import Archive
from dangan.store.catalog import AuthFactor, Database, Event, RecoveryCode, User, downgrade, upgrade

PASSWORD = "Dangan@2024"
NOW = 1_800_000_000.0


def _enrolled(archive: Archive, username: str = "li") -> tuple[str, list[str]]:
    add_user(archive, username, PASSWORD, "archivist")
    secret = start_totp(archive, username).secret
    codes = confirm_totp(archive, username, code_at(secret, time_step(NOW)), now=NOW)
    return secret, codes


def _wrong(secret: str, at: float) -> str:
    """A well-formed code that is not valid at `at` (nor one step either side)."""
    valid = {code_at(secret, time_step(at) + d) for d in (-1, 0, 1)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in valid)


def _events(archive: Archive, kind: str) -> list[Event]:
    with archive.db.read() as s:
        return list(s.scalars(select(Event).where(Event.kind == kind)))


def test_enrolment_needs_a_valid_code_before_it_is_switched_on(archive: Archive) -> None:
    add_user(archive, "li", PASSWORD, "archivist")
    enrolment = start_totp(archive, "li")
    assert enrolment.uri.startswith("otpauth://totp/") and enrolment.secret in enrolment.uri
    assert totp_status(archive, "li").pending and not totp_status(archive, "li").enabled
    assert not begin_login(archive, "li", PASSWORD).second_factor  # not on until confirmed
    with pytest.raises(AuthenticationFailed):
        confirm_totp(
            archive,
            "li",
            _wrong(enrolment.secret, NOW),
            now=NOW,
        )
    assert not totp_status(archive, "li").enabled
    codes = confirm_totp(archive, "li", code_at(enrolment.secret, time_step(NOW)), now=NOW)
    assert len(codes) == 8
    assert totp_status(archive, "li").enabled and totp_status(archive, "li").recovery_left == 8
    assert len(_events(archive, "totp_enabled")) == 1
    with pytest.raises(Conflict):
        start_totp(archive, "li")


def test_the_secret_and_recovery_codes_are_not_stored_in_clear(archive: Archive) -> None:
    secret, codes = _enrolled(archive)
    with archive.db.read() as s:
        sealed = s.scalar(select(AuthFactor.totp_secret))
        digests = list(s.scalars(select(RecoveryCode.code_sha256)))
    assert sealed and secret not in sealed and '"ct"' in sealed
    assert all(c not in d and c.replace("-", "") not in d for c in codes for d in digests)


def test_login_with_a_code_and_no_replay(any_archive: Archive) -> None:
    archive = any_archive  # both catalogue backends
    secret, _ = _enrolled(archive)
    step = begin_login(archive, "li", PASSWORD)
    assert step.second_factor
    with pytest.raises(AuthenticationFailed) as info:
        authenticate(archive, "li", PASSWORD)  # the one-step entry refuses a two-factor account
    assert info.value.code == "second_factor_required"
    later = NOW + 60
    code = code_at(secret, time_step(later))
    assert finish_login(archive, "li", code, now=later).username == "li"
    with pytest.raises(AuthenticationFailed):
        finish_login(archive, "li", code, now=later + 5)  # the same code again, same window
    with pytest.raises(AuthenticationFailed):
        finish_login(archive, "li", code_at(secret, time_step(NOW)), now=later)  # the enrolment code, older
    assert (
        finish_login(archive, "li", code_at(secret, time_step(later + 30)), now=later + 30).username == "li"
    )
    logins = _events(archive, "login")
    assert [e.detail.get("factor") for e in logins] == ["totp", "totp"]


def test_recovery_codes_work_once(archive: Archive) -> None:
    _, codes = _enrolled(archive)
    assert finish_login(archive, "li", codes[0].upper(), now=NOW + 90).username == "li"
    with pytest.raises(AuthenticationFailed):
        finish_login(archive, "li", codes[0], now=NOW + 120)
    assert totp_status(archive, "li").recovery_left == 7


def test_wrong_codes_lock_the_account_and_a_right_password_does_not_reset_the_count(archive: Archive) -> None:
    secret, _ = _enrolled(archive)
    threshold = archive.settings.lockout_threshold
    wrong = _wrong(secret, NOW + 60)
    for _ in range(threshold):
        begin_login(archive, "li", PASSWORD)  # the password is right every time ...
        with pytest.raises(AuthenticationFailed):
            finish_login(archive, "li", wrong, now=NOW + 60)
    with archive.db.read() as s:
        assert s.scalar(select(User.failed_logins).where(User.username == "li")) == threshold
    with pytest.raises(AuthenticationFailed):  # ... yet the account is locked now
        begin_login(archive, "li", PASSWORD)
    with pytest.raises(AuthenticationFailed):  # and even the right code is refused
        finish_login(archive, "li", code_at(secret, time_step(NOW + 60)), now=NOW + 60)
    assert _events(archive, "login_locked")
    failed = [e for e in _events(archive, "login_failed") if e.detail.get("factor") == "totp"]
    assert len(failed) == threshold


def test_a_right_code_resets_the_failure_count(archive: Archive) -> None:
    secret, _ = _enrolled(archive)
    for _ in range(archive.settings.lockout_threshold - 1):
        with pytest.raises(AuthenticationFailed):
            finish_login(
                archive,
                "li",
                _wrong(secret, NOW + 60),
                now=NOW + 60,
            )
    finish_login(archive, "li", code_at(secret, time_step(NOW + 60)), now=NOW + 60)
    with archive.db.read() as s:
        assert s.scalar(select(User.failed_logins).where(User.username == "li")) == 0


def test_enabling_resetting_and_disabling_revoke_sessions(archive: Archive) -> None:
    add_user(archive, "li", PASSWORD, "archivist")
    before = session_stamp(archive, "li")
    secret = start_totp(archive, "li").secret
    assert session_stamp(archive, "li") == before  # an unconfirmed secret changes nothing
    confirm_totp(archive, "li", code_at(secret, time_step(time.time())))
    enabled = session_stamp(archive, "li")
    assert enabled != before
    reset_totp(archive, None, "li")
    assert session_stamp(archive, "li") not in (before, enabled)
    assert not totp_status(archive, "li").enabled and not begin_login(archive, "li", PASSWORD).second_factor
    assert _events(archive, "totp_reset")[0].detail == {"username": "li", "was_enabled": True}
    with archive.db.read() as s:
        assert s.scalar(select(RecoveryCode)) is None


def test_the_owner_disables_it_with_password_and_a_code(archive: Archive) -> None:
    _, codes = _enrolled(archive)
    with pytest.raises(AuthenticationFailed):
        disable_own_totp(archive, "li", "Wrong@pass1x", codes[0])
    with pytest.raises(AuthenticationFailed):
        disable_own_totp(archive, "li", PASSWORD, "not-a-code")
    assert totp_status(archive, "li").enabled
    disable_own_totp(archive, "li", PASSWORD, codes[1])
    assert not totp_status(archive, "li").enabled and _events(archive, "totp_disabled")


def test_migration_0011_creates_and_drops_the_tables(db_url: str) -> None:
    upgrade(db_url, "0011")
    db = Database(db_url)
    try:
        tables = set(inspect(db.engine).get_table_names())
        assert {"auth_factor", "recovery_code"} <= tables
        columns = {c["name"] for c in inspect(db.engine).get_columns("auth_factor")}
        assert {"user_id", "totp_secret", "totp_enabled", "totp_last_step", "session_epoch"} <= columns
        downgrade(db_url, "0010")
        tables = set(inspect(db.engine).get_table_names())
        assert not {"auth_factor", "recovery_code"} & tables and "app_user" in tables
        upgrade(db_url, "0011")
        assert "auth_factor" in inspect(db.engine).get_table_names()
    finally:
        db.engine.dispose()
