"""Login, logout, sessions, CSRF and the headers every response carries."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from dangan.core import load_settings
from dangan.services.accounts import add_user
from dangan.services.archive import open_archive
from dangan.store.catalog import Event, User
from dangan.web import create_app
from tests.web.conftest import PASSWORD, WebEnv, csrf_of, login


def test_login_page_shows_the_form_and_the_demo_hint(client: TestClient) -> None:
    page = client.get("/login")
    assert page.status_code == 200
    assert 'name="csrf_token"' in page.text and 'name="password"' in page.text
    assert "演示环境账户" in page.text and PASSWORD in page.text
    for name in ("archivist", "clerk1", "auditor"):
        assert f"<code>{name}</code>" in page.text


def test_demo_hint_is_hidden_outside_development(tmp_path: Path) -> None:
    settings = load_settings(tmp_path / "data", env="production", secret_key="s" * 40)
    archive = open_archive(settings)
    try:
        with TestClient(create_app(archive)) as c:
            page = c.get("/login")
        assert page.status_code == 200
        assert "演示环境账户" not in page.text and PASSWORD not in page.text
    finally:
        archive.close()


def test_login_success_redirects_to_next_and_loads_the_user(client: TestClient) -> None:
    response = login(client, "clerk_a", next_="/records?year=2023")
    assert response.status_code == 303
    assert response.headers["location"] == "/records?year=2023"
    home = client.get("/")
    assert home.status_code == 200
    assert "市场监管经办人" in home.text and "部门经办人" in home.text


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"]
)
def test_login_never_redirects_off_site(client: TestClient, target: str) -> None:
    response = login(client, "archivist", next_=target)
    assert response.status_code == 303
    assert response.headers["location"] == "/"


def test_wrong_password_shows_the_chinese_error(client: TestClient) -> None:
    response = login(client, "archivist", password="wrong-password-1")
    assert response.status_code == 401
    assert "用户名或密码错误" in response.text
    assert 'value="archivist"' in response.text  # the username is kept in the form
    assert client.get("/").status_code == 303


def test_unknown_user_gets_the_same_message(client: TestClient) -> None:
    response = login(client, "nobody-here")
    assert response.status_code == 401 and "用户名或密码错误" in response.text


def test_empty_fields_are_refused_politely(client: TestClient) -> None:
    token = csrf_of(client.get("/login").text)
    response = client.post("/login", data={"username": "", "password": "", "csrf_token": token})
    assert response.status_code == 400 and "请输入用户名和密码" in response.text


def test_five_failures_lock_the_account(web_env: WebEnv, client: TestClient) -> None:
    add_user(web_env.archive, "lockme", PASSWORD, "archivist")
    for _ in range(5):
        assert login(client, "lockme", password="Wrong@2024").status_code == 401
    locked = login(client, "lockme")  # the right password no longer opens it
    assert locked.status_code == 401
    assert "已被锁定" in locked.text
    with web_env.archive.db.read() as s:
        kinds = s.scalars(select(Event.kind).where(Event.actor == "lockme")).all()
    assert "login_locked" in kinds and "login" not in kinds


def test_logged_out_pages_redirect_to_login_with_next(client: TestClient) -> None:
    for path in ("/", "/records?department=x&page=2", "/search?q=食品", "/records/NOPE/files/0/download"):
        response = client.get(path)
        assert response.status_code == 303, path
        location = response.headers["location"]
        assert location.startswith("/login?next=")
        assert unquote(unquote(location.split("next=", 1)[1])) == path


def test_logout_needs_the_csrf_token(as_user: Callable[[str], TestClient]) -> None:
    c = as_user("archivist")
    assert c.post("/logout").status_code == 403
    assert c.post("/logout", data={"csrf_token": "forged"}).status_code == 403
    assert c.get("/").status_code == 200  # still logged in
    token = csrf_of(c.get("/").text)
    response = c.post("/logout", data={"csrf_token": token})
    assert response.status_code == 303 and response.headers["location"] == "/login?logged_out=1"
    assert c.get("/").status_code == 303
    assert "您已安全退出" in c.get("/login?logged_out=1").text


def test_login_post_without_csrf_is_rejected(client: TestClient) -> None:
    client.get("/login")
    response = client.post("/login", data={"username": "archivist", "password": PASSWORD})
    assert response.status_code == 403
    assert "请刷新页面后重试" in response.text
    assert client.get("/").status_code == 303


def test_csrf_token_is_accepted_from_the_header(as_user: Callable[[str], TestClient]) -> None:
    c = as_user("archivist")
    token = csrf_of(c.get("/").text)
    assert c.post("/logout", headers={"X-CSRF-Token": token}).status_code == 303


def test_login_rotates_the_session(client: TestClient) -> None:
    before = csrf_of(client.get("/login").text)
    login(client, "archivist")
    after = csrf_of(client.get("/").text)
    assert before != after


def test_deactivated_user_loses_access_at_once(web_env: WebEnv) -> None:
    add_user(web_env.archive, "leaver", PASSWORD, "archivist")
    with TestClient(web_env.app, follow_redirects=False) as c:
        assert login(c, "leaver").status_code == 303
        assert c.get("/").status_code == 200
        with web_env.archive.db.write() as s:
            s.scalars(select(User).where(User.username == "leaver")).one().active = False
        assert c.get("/").status_code == 303
        assert c.get("/api/v1/stats").status_code == 401


def test_session_cookie_flags(client: TestClient) -> None:
    response = login(client, "archivist")
    cookie = response.headers["set-cookie"]
    assert "dangan_session=" in cookie
    assert "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()


def test_security_headers_on_pages_api_static_and_errors(client: TestClient) -> None:
    for path in ("/login", "/static/css/dangan.css", "/api/v1/stats", "/nowhere", "/api/openapi.json"):
        response = client.get(path)
        headers = response.headers
        assert headers["x-content-type-options"] == "nosniff", path
        assert headers["x-frame-options"] == "SAMEORIGIN", path
        assert headers["referrer-policy"] == "same-origin", path
        csp = headers["content-security-policy"]
        assert "default-src 'self'" in csp and "script-src 'self'" in csp and "http" not in csp, path
