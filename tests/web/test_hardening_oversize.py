"""Oversize input: huge form fields, bodies, JSON, query strings, paths and headers.

Each is refused with 413 or 422 and a Chinese message (a JSON envelope under /api), or handled
within limits — never a 5xx, never an unbounded read.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from dangan.core import load_settings
from dangan.services.accounts import add_user, create_api_key
from dangan.services.archive import Archive, open_archive
from tests.web.conftest import PASSWORD, csrf_of, login

LIMIT = 1_000_000  # DANGAN_MAX_UPLOAD_BYTES for this archive
DEPT = "秦皇岛市市场监督管理局"


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Archive, TestClient, str]]:
    from dangan.web import create_app

    root: Path = tmp_path_factory.mktemp("oversize")
    archive = open_archive(load_settings(root / "data", max_upload_bytes=LIMIT))
    add_user(archive, "archivist", PASSWORD, "archivist", clearance="秘密")
    _, key = create_api_key(archive, "oversize-system", DEPT)
    try:
        with TestClient(create_app(archive), follow_redirects=False) as client:
            yield archive, client, key
    finally:
        archive.close()


def chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def assert_api_refusal(response: httpx.Response, *statuses: int) -> dict[str, str]:
    assert response.status_code in statuses, (response.status_code, response.text[:300])
    error: dict[str, str] = response.json()["error"]
    assert error["code"] and chinese(error["message"]), error
    return error


def test_huge_and_numerous_form_fields_are_413_in_chinese(env: tuple[Archive, TestClient, str]) -> None:
    _, client, _ = env
    token = csrf_of(client.get("/login").text)
    huge = client.post("/login", data={"username": "a" * 2_000_000, "password": "x", "csrf_token": token})
    assert huge.status_code == 413 and "表单中某一项内容过大" in huge.text
    many = "&".join(f"f{i}=1" for i in range(5_000)) + f"&csrf_token={token}"
    response = client.post(
        "/login", content=many, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert response.status_code == 413 and "表单项过多" in response.text
    assert "dangan_session" not in response.headers.get("set-cookie", "")


def test_pushes_over_the_limit_are_413_whatever_their_shape(env: tuple[Archive, TestClient, str]) -> None:
    _, client, key = env
    auth = {"Authorization": f"Bearer {key}"}
    big_json = b'{"case": "' + b"x" * (LIMIT + 10) + b'"}'
    error = assert_api_refusal(
        client.post("/api/v1/cases", content=big_json, headers={**auth, "Content-Type": "application/json"}),
        413,
    )
    assert error["code"] == "payload_too_large"
    big_field = client.post("/api/v1/cases", files={"case": (None, "x" * (LIMIT + 10))}, headers=auth)
    assert assert_api_refusal(big_field, 413)["code"] == "payload_too_large"

    def endless() -> Iterator[bytes]:  # no Content-Length: the limit is enforced while reading
        yield b'--b\r\nContent-Disposition: form-data; name="files"; filename="a.pdf"\r\n\r\n'
        for _ in range(LIMIT // 50_000 + 5):
            yield b"x" * 50_000

    streamed = client.post(
        "/api/v1/cases",
        content=endless(),
        headers={**auth, "Content-Type": "multipart/form-data; boundary=b"},
    )
    assert assert_api_refusal(streamed, 413)["code"] == "payload_too_large"


def test_pathological_json_is_a_validation_error(env: tuple[Archive, TestClient, str]) -> None:
    """Deeply nested case.json used to blow Python's recursion limit: a 500. Now it is invalid JSON."""
    _, client, key = env
    auth = {"Authorization": f"Bearer {key}"}
    for case in ("[" * 100_000 + "]" * 100_000, '{"a":' * 50_000 + "1" + "}" * 50_000, "\ud800", "1e999999"):
        response = client.post("/api/v1/cases", files={"case": (None, case.encode("utf-8", "surrogatepass"))},
                               headers=auth)  # fmt: skip
        assert_api_refusal(response, 422)


def test_over_long_query_strings_paths_and_headers(env: tuple[Archive, TestClient, str]) -> None:
    _, anonymous, _ = env
    client = TestClient(anonymous.app, follow_redirects=False)
    assert login(client, "archivist").status_code == 303
    error = assert_api_refusal(client.get("/api/v1/search", params={"q": "档" * 5_000}), 422)
    assert error["code"] == "validation_failed"
    detail = client.get("/api/v1/search", params={"q": "档" * 5_000}).json()["error"]["details"][0]
    assert detail == {"field": "query.q", "code": "string_too_long", "message": "长度不能超过 200 个字符"}
    assert_api_refusal(client.get("/api/v1/records", params={"department": "x" * 50_000}), 422)
    assert_api_refusal(client.get("/api/v1/records", params={"page": "9" * 5_000}), 422)
    page = client.get("/search", params={"q": "档案" * 3_000})  # the page cuts the query to 200 characters
    assert page.status_code == 200 and "档案" * 100 in page.text and "档案" * 101 not in page.text
    many = "&".join(f"x{i}={i}" for i in range(3_000))
    assert client.get(f"/api/v1/stats?{many}").status_code == 200
    assert client.get("/records/" + "x" * 30_000).status_code == 404
    assert_api_refusal(client.get("/api/v1/records/" + "x" * 30_000), 404)
    assert client.get("/api/v1/stats", headers={"X-Padding": "x" * 100_000}).status_code == 200
