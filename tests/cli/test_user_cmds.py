"""`dangan user ...` at the shell: the operator who alone manages the three administrator accounts."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from dangan.access.totp import code_at, time_step
from dangan.core import load_settings
from dangan.services.accounts import begin_login, confirm_totp, start_totp, totp_status
from dangan.services.archive import open_archive
from dangan.store.catalog import Event, User
from tests.cli.invoke import invoke
from tests.helpers import json_of

PASSWORD = "Dangan@2024"


def test_user_commands_round_trip(tmp_path: Path) -> None:
    data = str(tmp_path / "data")
    add = invoke("user", "add", "aud", "--role", "auditor", "--password-stdin", "--json", "--data", data,
                     input=PASSWORD + "\n")  # fmt: skip
    assert add.returncode == 0, add.stderr
    assert json_of(add) == {"username": "aud", "role": "auditor", "department": None, "clearance": "内部"}
    weak = invoke("user", "passwd", "aud", "--password-stdin", "--data", data, input="aud-Password1\n")
    assert weak.returncode == 2 and "用户名" in weak.stderr  # the policy applies at the shell too
    archive = open_archive(load_settings(tmp_path / "data"))
    try:
        secret = start_totp(archive, "aud").secret
        confirm_totp(archive, "aud", code_at(secret, time_step(1_800_000_000)), now=1_800_000_000)
        with archive.db.write() as s:
            s.scalar(select(User).where(User.username == "aud")).failed_logins = 9  # type: ignore[union-attr]
    finally:
        archive.close()
    listed = json_of(invoke("user", "list", "--json", "--data", data))["users"]
    assert [(u["username"], u["locked"], u["totp"]) for u in listed] == [("aud", True, True)]
    assert json_of(invoke("user", "unlock", "aud", "--json", "--data", data))["locked"] is False
    assert json_of(invoke("user", "totp-reset", "aud", "--json", "--data", data))["totp"] is False
    new = invoke(
        "user", "passwd", "aud", "--password-stdin", "--json", "--data", data, input="Fresh#Pass2025\n"
    )
    assert new.returncode == 0, new.stderr
    assert json_of(invoke("user", "deactivate", "aud", "--json", "--data", data))["active"] is False
    assert (
        json_of(invoke("user", "deactivate", "aud", "--enable", "--json", "--data", data))["active"] is True
    )
    missing = invoke("user", "unlock", "nobody", "--data", data)
    assert missing.returncode != 0 and "不存在" in missing.stderr
    archive = open_archive(load_settings(tmp_path / "data"))
    try:
        assert not totp_status(archive, "aud").enabled
        assert not begin_login(archive, "aud", "Fresh#Pass2025").second_factor
        with archive.db.read() as s:
            events = [(e.kind, e.actor) for e in s.scalars(select(Event).order_by(Event.id))]
    finally:
        archive.close()
    kinds = [k for k, actor in events if actor == "system"]
    assert kinds == [
        "user_add",
        "user_unlock",
        "totp_reset",
        "password_reset",
        "user_deactivate",
        "user_activate",
    ]
