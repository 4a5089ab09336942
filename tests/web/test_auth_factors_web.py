"""Authentication in the browser and the API: TOTP enrolment and two-step login, session expiry, cookie
flags, per-key API rate limits, the account page, and /admin/users for the security officer only."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from dangan.access.totp import code_at, time_step
from dangan.services.accounts import add_user, create_api_key
from dangan.services.archive import Archive
from dangan.store.catalog import Event
from dangan.web import create_app
from tests.web.conftest import PASSWORD, csrf_of, login

OTHER_ROLES = ["sysadmin", "auditor", "archivist", "clerk", "dept_head", "reader", "public"]


@pytest.fixture
def app_archive(archive: Archive) -> Archive:
    add_user(archive, "sec", PASSWORD, "secadmin")
    add_user(archive, "li", PASSWORD, "archivist", clearance="秘密")
    return archive


@pytest.fixture
def client(app_archive: Archive) -> Iterator[TestClient]:
    with TestClient(create_app(app_archive), follow_redirects=False) as c:
        yield c


def _enrol(c: TestClient) -> tuple[str, list[str]]:
    page = c.post("/account/totp/start", data={"csrf_token": csrf_of(c.get("/account").text)})
    assert page.status_code == 200 and "data:image/svg+xml" in page.text  # the QR code
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page.text)
    assert secret, page.text
    code = code_at(secret.group(1), time_step(time.time()))
    done = c.post("/account/totp/confirm", data={"code": code, "csrf_token": csrf_of(page.text)})
    assert done.status_code == 200 and "动态口令已启用" in done.text
    codes = re.findall(r"<li>([a-z0-9]{5}-[a-z0-9]{5}-[a-z0-9]{5})</li>", done.text)
    assert len(codes) == 8
    return secret.group(1), codes


def _wrong(secret: str) -> str:
    valid = {code_at(secret, time_step(time.time()) + d) for d in (-2, -1, 0, 1, 2)}
    return next(c for c in ("000000", "111111", "222222", "333333", "444444", "555555") if c not in valid)


def _code_form(c: TestClient, code: str) -> Any:
    page = c.get("/login/totp")
    assert page.status_code == 200, page.status_code
    return c.post("/login/totp", data={"code": code, "csrf_token": csrf_of(page.text)})


def test_totp_enrolment_and_two_step_login(app_archive: Archive, client: TestClient) -> None:
    assert login(client, "li").status_code == 303
    secret, recovery = _enrol(client)
    assert client.get("/records").status_code == 200  # the enrolling session itself survives
    app = client.app
    with TestClient(app, follow_redirects=False) as c:
        first = login(c, "li", next_="/records")
        assert (first.status_code, first.headers["location"]) == (303, "/login/totp")
        assert c.get("/records").status_code == 303  # a right password alone is no session
        assert _code_form(c, _wrong(secret)).status_code == 401
        step = time_step(time.time()) + 1  # the next window: never the code used at enrolment
        code = code_at(secret, step)
        done = _code_form(c, code)
        assert (done.status_code, done.headers["location"]) == (303, "/records")
        assert c.get("/records").status_code == 200
    with TestClient(app, follow_redirects=False) as replay:
        assert login(replay, "li").status_code == 303
        refused = _code_form(replay, code)  # the same code, still inside its window
        assert refused.status_code == 401 and "已使用" in refused.text
        assert _code_form(replay, recovery[0]).status_code == 303  # a recovery code instead
    with app_archive.db.read() as s:
        factors = [e.detail.get("factor") for e in s.scalars(select(Event).where(Event.kind == "login"))]
    assert factors[-2:] == ["totp", "recovery"]


def test_the_code_step_expires_and_cannot_be_skipped(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert login(client, "li").status_code == 303
    _enrol(client)
    with TestClient(client.app, follow_redirects=False) as c:
        assert c.get("/login/totp").headers["location"] == "/login"  # nothing pending
        login(c, "li")
        later = time.time() + 301
        monkeypatch.setattr("dangan.web.routes.auth.now", lambda: later)
        assert c.get("/login/totp").status_code == 303


def test_sessions_expire_when_idle_and_absolutely(
    app_archive: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = app_archive.settings
    settings.session_idle_seconds, settings.session_max_age = 600, 3600
    clock = [1_800_000_000.0]
    monkeypatch.setattr("dangan.web.deps.now", lambda: clock[0])
    with TestClient(create_app(app_archive), follow_redirects=False) as c:
        assert login(c, "li").status_code == 303
        for _ in range(6):  # active every 9 minutes for 54 minutes: never idle, but ...
            clock[0] += 540
            assert c.get("/records").status_code == 200
        clock[0] += 540 + 1  # ... past the absolute lifetime of an hour
        assert c.get("/records").status_code == 303
        assert login(c, "li").status_code == 303
        clock[0] += 601  # idle too long
        assert c.get("/records").status_code == 303


def test_cookie_flags(app_archive: Archive) -> None:
    with TestClient(create_app(app_archive), follow_redirects=False) as c:
        cookie = login(c, "li").headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "secure" not in cookie
    app_archive.settings.public_url = "https://archive.example.gov.cn"
    with TestClient(create_app(app_archive), base_url="https://testserver", follow_redirects=False) as c:
        cookie = login(c, "li").headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "; secure" in cookie


def test_api_keys_are_rate_limited_per_key(app_archive: Archive) -> None:
    app_archive.settings.api_rate_limit = 3
    _, key_a = create_api_key(app_archive, "sys-a", "甲局")
    _, key_b = create_api_key(app_archive, "sys-b", "甲局")
    with TestClient(create_app(app_archive), follow_redirects=False) as c:

        def push(key: str) -> Any:
            return c.post("/api/v1/cases", headers={"Authorization": f"Bearer {key}"}, data={"x": "1"})

        assert all(push(key_a).status_code != 429 for _ in range(3))
        limited = push(key_a)
        assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
        assert limited.json()["error"] == {"code": "too_many_requests", "message": "请求过于频繁，请稍后再试"}
        assert push(key_b).status_code != 429  # another key has its own budget


def test_account_password_change(app_archive: Archive) -> None:
    app = create_app(app_archive)
    with TestClient(app, follow_redirects=False) as c, TestClient(app, follow_redirects=False) as other:
        login(c, "li")
        login(other, "li")
        token = csrf_of(c.get("/account").text)
        weak = c.post(
            "/account/password",
            data={"current": PASSWORD, "new": "li123456789", "repeat": "li123456789", "csrf_token": token},
        )
        assert weak.status_code == 422 and "至少三类" in weak.text
        wrong = c.post(
            "/account/password",
            data={
                "current": "Nope@12345",
                "new": "Fresh#Pass2025",
                "repeat": "Fresh#Pass2025",
                "csrf_token": token,
            },
        )
        assert wrong.status_code == 401 and "当前密码不正确" in wrong.text
        ok = c.post(
            "/account/password",
            data={
                "current": PASSWORD,
                "new": "Fresh#Pass2025",
                "repeat": "Fresh#Pass2025",
                "csrf_token": token,
            },
        )
        assert ok.status_code == 200 and "密码已修改" in ok.text
        assert c.get("/records").status_code == 200  # this session goes on
        assert other.get("/records").status_code == 303  # the other one has ended


@pytest.mark.parametrize("role", OTHER_ROLES)
def test_user_administration_is_forbidden_to_every_other_role(app_archive: Archive, role: str) -> None:
    add_user(app_archive, "someone", PASSWORD, role, department="甲局")
    with TestClient(create_app(app_archive), follow_redirects=False) as c:
        login(c, "someone")
        token = csrf_of(c.get("/account").text)
        assert c.get("/admin/users").status_code == 403
        assert c.get("/admin/users/li").status_code == 403
        made = c.post(
            "/admin/users",
            data={"username": "x1", "password": "Fresh#Pass2025", "role": "reader", "csrf_token": token},
        )
        assert made.status_code == 403
        assert c.post("/admin/users/li/deactivate", data={"csrf_token": token}).status_code == 403
        assert c.get("/api/v1/users").status_code == 403
        api = c.post(
            "/api/v1/users",
            json={"username": "x2", "password": "Fresh#Pass2025", "role": "reader"},
            headers={"x-csrf-token": token},
        )
        assert api.status_code == 403 and api.json()["error"]["code"] == "forbidden"
        assert "/admin/users" not in c.get("/account").text  # no menu entry either
    with app_archive.db.read() as s:
        assert not s.scalar(select(Event).where(Event.kind == "user_add", Event.actor == "someone"))


def test_the_security_officer_manages_users_in_the_ui_and_the_api(app_archive: Archive) -> None:
    with TestClient(create_app(app_archive), follow_redirects=False) as c:
        login(c, "sec")
        page = c.get("/admin/users")
        assert page.status_code == 200 and "用户管理" in page.text and "li" in page.text
        token = csrf_of(page.text)
        weak = c.post(
            "/admin/users",
            data={"username": "wang", "password": "wang12345678", "role": "reader", "csrf_token": token},
        )
        assert weak.status_code == 422 and "至少三类" in weak.text
        made = c.post(
            "/admin/users",
            data={
                "username": "wang",
                "password": "Fresh#Pass2025",
                "role": "reader",
                "clearance": "公开",
                "csrf_token": token,
            },
        )
        assert made.status_code == 201 and "已创建用户 wang" in made.text
        changed = c.post(
            "/admin/users/wang", data={"role": "archivist", "clearance": "秘密", "csrf_token": token}
        )
        assert changed.status_code == 200 and "已保存" in changed.text
        self_change = c.post("/admin/users/sec", data={"role": "archivist", "csrf_token": token})
        assert self_change.status_code == 403
        api = c.patch(
            "/api/v1/users/wang", json={"clearance": "机密", "active": False}, headers={"x-csrf-token": token}
        )
        assert api.status_code == 200 and api.json()["clearance"] == "机密" and api.json()["active"] is False
        own = c.patch("/api/v1/users/sec", json={"clearance": "机密"}, headers={"x-csrf-token": token})
        assert own.status_code == 403 and own.json()["error"]["code"] == "self_change_refused"
        admin = c.post(
            "/api/v1/users",
            json={"username": "aud2", "password": "Fresh#Pass2025", "role": "auditor"},
            headers={"x-csrf-token": token},
        )
        assert admin.status_code == 403 and admin.json()["error"]["code"] == "three_admins_shell_only"
        assert c.get("/api/v1/users/nobody").status_code == 404
        listed = {u["username"]: u for u in c.get("/api/v1/users").json()["users"]}
        assert listed["wang"]["role"] == "archivist" and listed["wang"]["active"] is False
    with app_archive.db.read() as s:
        kinds = [e.kind for e in s.scalars(select(Event).where(Event.actor == "sec").order_by(Event.id))]
    changes = [k for k in kinds if k.startswith("user_")]  # (refusals may be logged beside them)
    assert changes == ["user_add", "user_update", "user_update", "user_deactivate"]
