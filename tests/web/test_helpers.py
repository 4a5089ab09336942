"""Small pieces of the web layer: redirects, headers, sizes, page links, the 500 handler."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import unquote

import pytest
from fastapi.testclient import TestClient

from dangan.web import create_app
from dangan.web.paging import make_pager, to_int
from dangan.web.present import content_disposition, file_name
from dangan.web.render import filesize
from dangan.web.security import safe_next
from tests.web.conftest import WebEnv, login


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/records?page=2", "/records?page=2"),
        ("/search?q=%E9%A3%9F%E5%93%81", "/search?q=%E9%A3%9F%E5%93%81"),
        (None, "/"),
        ("", "/"),
        ("records", "/"),
        ("//evil.example", "/"),
        ("/\\evil.example", "/"),
        ("https://evil.example/", "/"),
        ("/ok\r\nSet-Cookie: x=1", "/"),
    ],
)
def test_safe_next(target: str | None, expected: str) -> None:
    assert safe_next(target) == expected


def test_content_disposition_has_ascii_fallback_and_utf8_name() -> None:
    header = content_disposition("决定书.pdf")
    assert header == "attachment; filename=\"file.pdf\"; filename*=UTF-8''%E5%86%B3%E5%AE%9A%E4%B9%A6.pdf"
    header = content_disposition('a"b;c.txt')
    assert header.startswith('attachment; filename="abc.txt"')
    assert unquote(header.split("''", 1)[1]) == 'a"b;c.txt'
    assert file_name("材料/扫描件/第1页.png") == "第1页.png"


@pytest.mark.parametrize(
    ("size", "text"), [(0, "0 B"), (1023, "1023 B"), (1536, "1.5 KB"), (5 * 1024**2, "5.0 MB"), (None, "—")]
)
def test_filesize(size: int | None, text: str) -> None:
    assert filesize(size) == text


def test_pager_windows_and_keeps_parameters() -> None:
    pager = make_pager("/records", {"department": "市场监管", "year": None}, page=6, pages=20)
    numbers = [link.number for link in pager.links]
    assert numbers == [1, None, 4, 5, 6, 7, 8, None, 20]
    assert next(link for link in pager.links if link.current).number == 6
    assert pager.prev_url is not None and "page=5" in pager.prev_url and "department=" in pager.prev_url
    assert pager.next_url is not None and "page=7" in pager.next_url
    first = make_pager("/records", {}, page=1, pages=1)
    assert first.prev_url is None and first.next_url is None and first.links[0].url == "/records"


def test_to_int_is_lenient() -> None:
    assert to_int("3") == 3
    assert to_int(" 7 ") == 7
    assert to_int("x", 1) == 1
    assert to_int("-2", 1) == 1
    assert to_int("0", 1) == 1
    assert to_int(None) is None


def test_unexpected_errors_get_a_chinese_500(web_env: WebEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    from dangan.web.routes import api
    from dangan.web.routes.use import pages

    def boom(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("database on fire")

    monkeypatch.setattr(pages, "overview", boom)
    monkeypatch.setattr(api, "overview", boom)
    with TestClient(create_app(web_env.archive), raise_server_exceptions=False, follow_redirects=False) as c:
        assert login(c, "archivist").status_code == 303
        page = c.get("/")
        assert page.status_code == 500
        assert "系统错误" in page.text and "database on fire" not in page.text
        assert page.headers["x-content-type-options"] == "nosniff"
        api_response = c.get("/api/v1/stats")
        assert api_response.status_code == 500
        assert api_response.json() == {
            "error": {"code": "internal_error", "message": api_response.json()["error"]["message"]}
        }
        assert "content-security-policy" in api_response.headers


def test_app_factory_builds_independent_apps(web_env: WebEnv, as_user: Callable[[str], TestClient]) -> None:
    first, second = create_app(web_env.archive), create_app(web_env.archive)
    assert first is not second and first.state.archive is second.state.archive is web_env.archive
