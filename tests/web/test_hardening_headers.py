"""Security headers on every kind of answer, and hostile request headers answered calmly.

The CSP forbids inline scripts and styles, so the templates must not contain any: a template that
did would silently stop working in the browser. That is checked here on the template sources.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx
import pytest
from fastapi.testclient import TestClient

from dangan.web.render import TEMPLATES_DIR
from tests.web.conftest import WebEnv, csrf_of, login

Client = Callable[[str], TestClient]
REQUIRED = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "SAMEORIGIN",
    "referrer-policy": "same-origin",
    "cross-origin-opener-policy": "same-origin",
}


def assert_secured(response: httpx.Response) -> None:
    for name, value in REQUIRED.items():
        assert response.headers.get(name) == value, (response.request.url, name)
    csp = response.headers["content-security-policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["default-src"] == "'self'" and directives["script-src"] == "'self'", csp
    assert directives["object-src"] == "'none'" and "frame-ancestors" in directives, csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, csp


def test_every_kind_of_answer_carries_the_security_headers(web_env: WebEnv, as_user: Client) -> None:
    archivist = as_user("archivist")
    anonymous = TestClient(web_env.app, follow_redirects=False)
    record = web_env.ids["odd"]
    for response in (
        anonymous.get("/login"),
        anonymous.get("/records"),  # redirect to the login page
        anonymous.get("/api/v1/stats"),  # 401 JSON
        anonymous.get("/static/css/dangan.css"),
        anonymous.get("/api/openapi.json"),
        archivist.get("/"),
        archivist.get(f"/records/{record}"),
        archivist.get(f"/records/{record}/files/1/download"),
        archivist.get("/records/nope"),  # 404 page
        archivist.get("/api/v1/records/nope"),  # 404 JSON
        archivist.get("/search", params={"q": "审批"}),
        archivist.get("/api/v1/search", params={"q": "x" * 500}),  # 422 JSON
    ):
        assert_secured(response)


def test_templates_have_no_inline_script_or_style() -> None:
    """What the CSP would block: inline <script> bodies, on* handlers, style attributes, <style> blocks."""
    inline_script = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
    handler = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)
    for template in sorted(TEMPLATES_DIR.rglob("*.html")):
        text = template.read_text(encoding="utf-8")
        assert not inline_script.search(text), template.name
        assert not handler.search(text), template.name
        assert not re.search(r"<[^>]+\sstyle\s*=", text, re.I), template.name
        assert "<style" not in text.lower(), template.name
        assert "javascript:" not in text.lower(), template.name


def test_host_and_forwarded_headers_are_not_trusted(web_env: WebEnv, as_user: Client) -> None:
    anonymous = TestClient(web_env.app, follow_redirects=False)
    response = anonymous.get("/records", headers={"Host": "evil.example"})
    assert response.status_code == 303 and response.headers["location"].startswith("/login?")
    archivist = as_user("archivist")
    payload = "1.2.3.4' OR '1'='1, <script>alert(1)</script>"
    for headers in ({"X-Forwarded-For": payload}, {"X-Forwarded-Host": "evil.example"},
                    {"X-Real-IP": payload}, {"Forwarded": f"for={payload};host=evil.example"}):  # fmt: skip
        page = archivist.get(f"/records/{web_env.ids['odd']}", headers=headers)
        assert (
            page.status_code == 200
            and "evil.example" not in page.text
            and "<script>alert(1)" not in page.text
        )


def test_crlf_never_reaches_a_response_header(web_env: WebEnv) -> None:
    """A `next` target with CR/LF must not split the Location header (it is replaced by "/")."""
    client = TestClient(web_env.app, follow_redirects=False)
    for target in ("/\r\nSet-Cookie: evil=1", "/%0d%0aSet-Cookie:%20evil=1", "/records\nX-Evil: 1"):
        response = login(client, "archivist", next_=target)
        assert response.status_code == 303
        assert "evil" not in response.headers["location"].lower().replace("%0d%0aset-cookie:%20evil", "")
        assert all("evil" not in value for name, value in response.headers.items() if name != "location")
        assert "\r" not in response.headers["location"] and "\n" not in response.headers["location"]
        client.cookies.clear()


@pytest.mark.parametrize(
    "cookie",
    [
        "A" * 8000,
        "!!!%%%;;;",
        "eyJ1c2VybmFtZSI6ICJhcmNoaXZpc3QifQ==.AAAA.BBBB",
        "\u6863\u6848".encode().hex(),
    ],
)
def test_forged_or_huge_session_cookies_are_just_no_session(web_env: WebEnv, cookie: str) -> None:
    client = TestClient(web_env.app, follow_redirects=False, cookies={"dangan_session": cookie})
    api = client.get("/api/v1/stats")
    assert api.status_code == 401 and api.json()["error"]["code"] == "unauthenticated"
    page = client.get("/records")
    assert page.status_code == 303 and page.headers["location"].startswith("/login")


def test_odd_authorization_headers_are_401_in_the_envelope(web_env: WebEnv) -> None:
    client = TestClient(web_env.app, follow_redirects=False)
    for value in ("Bearer", "Bearer ", "Bearer " + "x" * 10_000, "Basic YWRtaW46YWRtaW4=", "Bearer ' OR 1=1 --",
                  "bearer dgk_%00", "Bearer dgk_\u00e9"):  # fmt: skip
        response = client.post(
            "/api/v1/cases", headers={"Authorization": value.encode()}, files={"case": (None, "{}")}
        )
        assert response.status_code == 401, (value, response.status_code)
        error = response.json()["error"]
        assert error["code"] in ("api_key_required", "invalid_api_key") and "API Key" in error["message"]


def test_odd_content_types_are_refused_not_crashed(web_env: WebEnv) -> None:
    client = TestClient(web_env.app, follow_redirects=False)
    token = csrf_of(client.get("/login").text)
    for content_type, body in (
        ("application/json", b'{"username": "archivist"}'),
        ("text/plain; charset=utf-99", b"username=archivist"),
        ("multipart/form-data", b"--x\r\n"),  # no boundary
        ("multipart/form-data; boundary=zzz", b"garbage"),
        ("application/x-www-form-urlencoded", b"%%%&&==\xff\xfe"),
        ("application/x-www-form-urlencoded; charset=latin-1", "username=é".encode("latin-1")),
        ("", b"\x00\x01\x02"),
    ):
        headers = {"Content-Type": content_type, "X-CSRF-Token": token}
        response = client.post("/login", content=body, headers=headers)
        assert 400 <= response.status_code < 500, (content_type, response.status_code)
        assert "Traceback" not in response.text and "dangan_session" not in response.headers.get(
            "set-cookie", ""
        )
