"""Account administration and 三员分立: only the 安全保密管理员 manages users, never his own account nor the
three administrator accounts (those only from the shell), and every change is an event in the ledger."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from dangan.access import Principal
from dangan.core import NotFound, PermissionDenied, ValidationFailed
from dangan.services.accounts import (
    add_user,
    begin_login,
    create_user,
    get_principal,
    list_users,
    reset_password,
    reset_totp,
    session_stamp,
    set_active,
    unlock_user,
    update_user,
)
from dangan.services.archive import Archive
from dangan.store.catalog import Event, User

PASSWORD = "Dangan@2024"
DEPT = "秦皇岛市市场监督管理局"


@pytest.fixture
def people(archive: Archive) -> dict[str, Principal]:
    for name, role in [("sec", "secadmin"), ("ops", "sysadmin"), ("aud", "auditor"), ("arc", "archivist")]:
        add_user(archive, name, PASSWORD, role)
    add_user(archive, "clerk", PASSWORD, "clerk", department=DEPT)
    return {n: get_principal(archive, n) for n in ("sec", "ops", "aud", "arc", "clerk")}


def _events(archive: Archive) -> list[tuple[str, str | None, dict[str, Any]]]:
    with archive.db.read() as s:
        return [(e.kind, e.actor, e.detail) for e in s.scalars(select(Event).order_by(Event.id))]


@pytest.mark.parametrize("who", ["ops", "aud", "arc", "clerk"])
def test_only_the_security_officer_manages_users(
    archive: Archive, people: dict[str, Principal], who: str
) -> None:
    by = people[who]
    before = len(_events(archive))
    for call in (
        lambda: list_users(archive, by),
        lambda: create_user(archive, by, "newbie", PASSWORD, "reader"),
        lambda: update_user(archive, by, "clerk", clearance="机密"),
        lambda: set_active(archive, by, "clerk", False),
        lambda: reset_password(archive, by, "clerk", "Another#Pass99"),
        lambda: reset_totp(archive, by, "clerk"),
        lambda: unlock_user(archive, by, "clerk"),
    ):
        with pytest.raises(PermissionDenied):
            call()
    assert len(_events(archive)) == before
    with pytest.raises(NotFound):
        get_principal(archive, "newbie")


def test_the_security_officer_cannot_change_himself(archive: Archive, people: dict[str, Principal]) -> None:
    sec = people["sec"]
    for call in (
        lambda: update_user(archive, sec, "sec", role="archivist"),
        lambda: update_user(archive, sec, "sec", clearance="机密"),
        lambda: update_user(archive, sec, "sec", department=DEPT),
        lambda: reset_password(archive, sec, "sec", "Another#Pass99"),
        lambda: reset_totp(archive, sec, "sec"),
        lambda: set_active(archive, sec, "sec", False),
    ):
        with pytest.raises(PermissionDenied) as info:
            call()
        assert info.value.code == "self_change_refused"
    assert get_principal(archive, "sec").role.code == "secadmin"


def test_the_three_admin_accounts_are_managed_only_from_the_shell(
    archive: Archive, people: dict[str, Principal]
) -> None:
    sec = people["sec"]
    for role in ("sysadmin", "secadmin", "auditor"):
        with pytest.raises(PermissionDenied) as info:  # no second officer, no new auditor from the web
            create_user(archive, sec, f"x{role}", PASSWORD, role)
        assert info.value.code == "three_admins_shell_only"
    with pytest.raises(PermissionDenied):
        update_user(archive, sec, "arc", role="auditor")  # nor making one out of an archivist
    with pytest.raises(PermissionDenied):
        set_active(archive, sec, "aud", False)  # the officer cannot silence the auditor who watches him
    with pytest.raises(PermissionDenied):
        reset_password(archive, sec, "ops", "Another#Pass99")
    # The operator at the shell (by=None) can, but one account never moves between two 三员 roles.
    reset_password(archive, None, "ops", "Another#Pass99")
    with pytest.raises(PermissionDenied) as info:
        update_user(archive, None, "ops", role="auditor")
    assert info.value.code == "three_admins_exclusive"


def test_each_change_is_recorded_as_an_event(archive: Archive, people: dict[str, Principal]) -> None:
    sec = people["sec"]
    start = len(_events(archive))
    created = create_user(archive, sec, "wang", PASSWORD, "reader", clearance="公开", display_name="王五")
    assert created.role.code == "reader" and created.display_name == "王五"
    update_user(archive, sec, "wang", role="dept_head", department=DEPT, clearance="秘密")
    update_user(archive, sec, "wang", clearance="秘密")  # no change: no event
    reset_password(archive, sec, "wang", "Brand-New#Pass1")
    reset_totp(archive, sec, "wang")
    unlock_user(archive, sec, "wang")
    set_active(archive, sec, "wang", False)
    set_active(archive, sec, "wang", True)
    events = _events(archive)[start:]
    assert [k for k, _, _ in events] == [
        "user_add", "user_update", "password_reset", "totp_reset", "user_unlock", "user_deactivate",
        "user_activate",
    ]  # fmt: skip
    assert all(actor == "sec" and detail["username"] == "wang" for _, actor, detail in events)
    assert events[1][2]["changes"] == {
        "role": ["reader", "dept_head"], "department": [None, DEPT], "clearance": ["公开", "秘密"]
    }  # fmt: skip
    p = get_principal(archive, "wang")
    assert (p.role.code, p.department, p.clearance.label) == ("dept_head", DEPT, "秘密")


def test_deactivation_and_password_reset_end_sessions_and_unlock(
    archive: Archive, people: dict[str, Principal]
) -> None:
    sec = people["sec"]
    stamp = session_stamp(archive, "clerk")
    with archive.db.write() as s:
        s.scalars(select(User).where(User.username == "clerk")).one().failed_logins = 99
    assert next(u for u in list_users(archive, sec) if u.username == "clerk").locked
    reset_password(archive, sec, "clerk", "Brand-New#Pass1")
    assert session_stamp(archive, "clerk") != stamp
    assert begin_login(archive, "clerk", "Brand-New#Pass1").principal.username == "clerk"
    set_active(archive, sec, "clerk", False)
    with pytest.raises(NotFound):
        get_principal(archive, "clerk")


def test_bad_input_is_refused_and_nothing_changes(archive: Archive, people: dict[str, Principal]) -> None:
    sec = people["sec"]
    with pytest.raises(ValidationFailed) as info:
        create_user(archive, sec, "weak", "password123", "reader")
    assert info.value.code == "weak_password"
    with pytest.raises(ValidationFailed):
        create_user(archive, sec, "weak", "Weak#Pass-weak", "reader")  # contains the username
    with pytest.raises(ValidationFailed):
        update_user(archive, sec, "arc", role="clerk")  # a clerk needs a department
    with pytest.raises(ValidationFailed):
        update_user(archive, sec, "arc", clearance="绝密")
    with pytest.raises(ValidationFailed):
        reset_password(archive, sec, "arc", "short")
    with pytest.raises(NotFound):
        update_user(archive, sec, "nobody", clearance="公开")
    with pytest.raises(ValidationFailed):
        create_user(
            archive, sec, "nul", PASSWORD, "reader", display_name="王\x00五"
        )  # NUL: PostgreSQL refuses
    with pytest.raises(ValidationFailed):
        update_user(archive, sec, "arc", department="甲局\n乙局")
    assert get_principal(archive, "arc").role.code == "archivist"
    assert {u.username for u in list_users(archive, sec)} == {"sec", "ops", "aud", "arc", "clerk"}
