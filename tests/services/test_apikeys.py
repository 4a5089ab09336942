"""API keys: shown once, stored hashed, scoped, revocable; the table comes and goes with migration 0005."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect, select, text

from dangan.core import AuthenticationFailed, NotFound, ValidationFailed
from dangan.services.accounts import authenticate_api_key, create_api_key, list_api_keys, revoke_api_key
from dangan.services.archive import Archive
from dangan.store.catalog import ApiKey, Database, Event, downgrade, upgrade
from tests.helpers import json_of, run_dangan

DEPT = "秦皇岛市市场监督管理局"


def test_key_is_shown_once_and_stored_only_as_a_digest(any_archive: Archive) -> None:
    info, key = create_api_key(
        any_archive, "scjg-approval", DEPT, ["食品经营许可"], label="生产", actor="admin"
    )
    prefix, key_id, secret = key.split("_", 2)
    assert prefix == "dgk" and key_id == info.id and len(secret) >= 40
    with any_archive.db.read() as s:
        row = s.get(ApiKey, info.id)
        assert row is not None and row.secret_sha256 == hashlib.sha256(secret.encode()).hexdigest()
        stored = " ".join(str(v) for v in s.execute(text("SELECT * FROM api_key")).one())
        assert secret not in stored
        events = s.scalars(select(Event).where(Event.kind == "apikey_create")).all()
        assert [e.actor for e in events] == ["admin"] and events[0].detail["key_id"] == info.id
    got = authenticate_api_key(any_archive, key)
    assert (got.id, got.system, got.department, got.matters) == (
        info.id,
        "scjg-approval",
        DEPT,
        ("食品经营许可",),
    )
    assert got.actor == f"apikey:{info.id}"


def test_two_keys_never_share_a_secret(archive: Archive) -> None:
    keys = {create_api_key(archive, "a-sys", DEPT)[1] for _ in range(20)}
    assert len(keys) == 20
    assert len({k.split("_")[1] for k in keys}) == 20


@pytest.mark.parametrize(
    "mangle",
    [
        lambda k: k[:-1] + ("A" if k[-1] != "A" else "B"),  # wrong secret
        lambda k: "dgk_000000000000_" + k.split("_", 2)[2],  # unknown id
        lambda k: k.replace("dgk_", "xyz_"),  # wrong prefix
        lambda k: "",
        lambda k: "dgk_",
        lambda k: k + "\x00",
    ],
)
def test_wrong_keys_are_refused_with_one_answer(archive: Archive, mangle: Callable[[str], str]) -> None:
    _, key = create_api_key(archive, "a-sys", DEPT)
    with pytest.raises(AuthenticationFailed) as info:
        authenticate_api_key(archive, mangle(key))
    assert info.value.code == "invalid_api_key" and info.value.status == 401


def test_revoked_key_stops_working_and_revoking_twice_is_harmless(archive: Archive) -> None:
    info, key = create_api_key(archive, "a-sys", DEPT)
    other, other_key = create_api_key(archive, "b-sys", DEPT)
    revoked = revoke_api_key(archive, info.id.upper(), actor="admin")
    assert not revoked.active and revoked.revoked_by == "admin"
    with pytest.raises(AuthenticationFailed):
        authenticate_api_key(archive, key)
    assert authenticate_api_key(archive, other_key).id == other.id
    again = revoke_api_key(archive, info.id, actor="someone-else")
    assert again.revoked_at == revoked.revoked_at and again.revoked_by == "admin"
    with pytest.raises(NotFound):
        revoke_api_key(archive, "nosuchkey000")
    listed = {k.id: k.active for k in list_api_keys(archive)}
    assert listed == {info.id: False, other.id: True}
    assert [k.id for k in list_api_keys(archive, include_revoked=False)] == [other.id]
    with archive.db.read() as s:
        assert len(s.scalars(select(Event).where(Event.kind == "apikey_revoke")).all()) == 1


def test_last_use_is_recorded(archive: Archive) -> None:
    _, key = create_api_key(archive, "a-sys", DEPT)
    assert list_api_keys(archive)[0].last_used_at is None
    authenticate_api_key(archive, key)
    assert list_api_keys(archive)[0].last_used_at is not None


@pytest.mark.parametrize(
    ("system", "department", "matters", "code"),
    [
        ("", DEPT, None, "invalid_system"),
        ("has space", DEPT, None, "invalid_system"),
        ("a" * 129, DEPT, None, "invalid_system"),
        ("ok-sys", "", None, "invalid_department"),
        ("ok-sys", "部" * 201, None, "invalid_department"),
        ("ok-sys", DEPT, ["事" * 201], "invalid_matters"),
    ],
)
def test_bad_key_details_are_refused_and_nothing_is_stored(
    archive: Archive, system: str, department: str, matters: list[str] | None, code: str
) -> None:
    with pytest.raises(ValidationFailed) as info:
        create_api_key(archive, system, department, matters)
    assert code in {p.code for p in info.value.problems}
    assert list_api_keys(archive) == []


def test_matter_scope_accepts_name_or_code(archive: Archive) -> None:
    info, _ = create_api_key(archive, "a-sys", DEPT, [" 食品经营许可 ", "SCJG-XK-102", "食品经营许可", ""])
    assert info.matters == ("食品经营许可", "SCJG-XK-102")
    assert info.allows_matter("食品经营许可", None)
    assert info.allows_matter("特种设备使用登记", "SCJG-XK-102")
    assert not info.allows_matter("药品经营许可", "SCJG-XK-103")
    unscoped, _ = create_api_key(archive, "b-sys", DEPT)
    assert unscoped.allows_matter("任何事项", None)


def test_migration_0005_creates_and_drops_the_table(db_url: str) -> None:
    upgrade(db_url, "0005")
    db = Database(db_url)
    try:
        assert "api_key" in inspect(db.engine).get_table_names()
        columns = {c["name"] for c in inspect(db.engine).get_columns("api_key")}
        assert {"id", "secret_sha256", "system", "department", "matters", "revoked_at"} <= columns
        downgrade(db_url, "0004")
        assert "api_key" not in inspect(db.engine).get_table_names()
        upgrade(db_url, "0005")
        assert "api_key" in inspect(db.engine).get_table_names()
    finally:
        db.dispose()


def test_cli_create_list_revoke(tmp_path: Path) -> None:
    data = str(tmp_path / "data")
    created = run_dangan("apikey", "create", "--system", "scjg-approval", "--department", DEPT,
                         "--matters", "食品经营许可,SCJG-XK-102", "--data", data, "--json")  # fmt: skip
    assert created.returncode == 0, created.stderr
    doc = json_of(created)
    assert doc["key"].startswith("dgk_") and doc["matters"] == ["食品经营许可", "SCJG-XK-102"]
    listed = json_of(run_dangan("apikey", "list", "--data", data, "--json"))
    assert [k["id"] for k in listed["keys"]] == [doc["id"]]
    assert doc["key"] not in json_of_text(listed) and listed["keys"][0]["active"] is True
    revoked = run_dangan("apikey", "revoke", doc["id"], "--data", data, "--json")
    assert revoked.returncode == 0 and json_of(revoked)["active"] is False
    assert json_of(run_dangan("apikey", "list", "--active", "--data", data, "--json")) == {"keys": []}
    missing = run_dangan("apikey", "revoke", "000000000000", "--data", data)
    assert missing.returncode == 1 and "不存在" in missing.stderr
    bad = run_dangan("apikey", "create", "--system", "bad system", "--department", DEPT, "--data", data)
    assert bad.returncode == 2 and "来源系统" in bad.stderr


def json_of_text(doc: Any) -> str:
    import json

    return json.dumps(doc, ensure_ascii=False)
