"""Injection payloads (full-text query syntax, SQL, paths, NUL) on both catalogue backends.

Whatever a caller types, the answer is a normal page or a clear 4xx in Chinese — never a database error,
never a record the caller may not read, never another table's content.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from dangan.services.accounts import add_user, get_principal
from dangan.services.archive import Archive
from dangan.services.intake import import_paths
from dangan.services.quality import list_matter_rules
from dangan.services.utilisation import search
from tests.factories import package_dir
from tests.web.conftest import PASSWORD, csrf_of, login

DEPT = "秦皇岛市市场监督管理局"
OTHER_DEPT = "秦皇岛市生态环境局"
TITLE = "关于海港区海鸥餐饮有限公司食品经营许可的审批"
SECRET_TITLE = "关于北戴河区机密工程有限公司排污许可证核发的审批"

FTS_PAYLOADS = [
    '"', '""', "*", "海鸥*", "NEAR(海鸥 餐饮)", "海鸥 OR 机密", "OR", "AND", "NOT 海鸥", "-", "-海鸥", ":",
    "title:海鸥", "(", ")", "(海鸥", "^海鸥", "'", "''", "\\", "\\'", "a:*", "':*", "& | ! <->", "海鸥 & 机密",
    "\u202e海鸥", "\ufeff", "%", "_", "!!!@@@###$$$", "。，、；：？！", "海鸥\u0000餐饮", "\ud800", "\udfff海鸥",
    "海鸥" * 60, "x" * 10_000, "a " * 2_000,
]  # fmt: skip
SQL_PAYLOADS = [
    "' OR '1'='1", "' OR 1=1 --", '" OR ""="', "1; DROP TABLE record; --", "'; SELECT * FROM users; --",
    "海鸥' UNION SELECT password_hash FROM users --", "%' OR '%'='", "1) OR (1=1", "$$; SELECT 1; $$",
]  # fmt: skip
PATH_PAYLOADS = [
    "..%2f..%2f..%2fetc%2fpasswd", "..%5c..%5cwindows%5cwin.ini", "%2fetc%2fpasswd", "C:%5cWindows%5cwin.ini",
    "%2e%2e", "..;", "a%00b", "%00", "%ff%fe", "%ed%a0%80", "%0d%0aSet-Cookie:%20x=1", "*", "x" * 3000,
]  # fmt: skip
PATH_TEMPLATES = [
    "/records/{}", "/api/v1/records/{}", "/api/v1/records/{}/proof", "/records/{}/files/1",
    "/records/{}/files/1/download", "/records/{}/files/1/preview.png", "/records/{}/files/1/pages/1.png",
    "/records/{}/files/{}", "/records/{}/checks.pdf", "/records/{}/checks.xlsx", "/quarantine/{}",
    "/quarantine/{}/report.pdf", "/handover/{}", "/handover/{}/form.pdf", "/verify/{}",
    "/api/v1/certificates/{}", "/certificates/{}.pdf",
]  # fmt: skip


@pytest.fixture
def hostile_env(any_archive: Archive, tmp_path: Path) -> Iterator[tuple[Archive, TestClient, str]]:
    """Two records (one secret, of another department), a clerk who may read only the first."""
    from dangan.web import create_app

    package_dir(tmp_path / "in", 1, title=TITLE, department=DEPT, security_level="内部", open_to_public=False)
    package_dir(tmp_path / "in", 2, title=SECRET_TITLE, department=OTHER_DEPT, security_level="秘密",
                open_to_public=False)  # fmt: skip
    report = import_paths(any_archive, [tmp_path / "in"])
    assert not report.rejected and len(report.accepted) == 2
    add_user(any_archive, "clerk", PASSWORD, "clerk", department=DEPT)
    with TestClient(create_app(any_archive), follow_redirects=False) as client:
        assert login(client, "clerk").status_code == 303
        yield any_archive, client, SECRET_TITLE


def _sane(response: Any, *, api: bool, hidden: tuple[str, ...] = (SECRET_TITLE,)) -> None:
    """A normal answer or a clear refusal; never a server error, a stack trace, SQL or `hidden`."""
    assert response.status_code < 500, (response.request.url, response.status_code, response.text[:300])
    text = response.text
    for leak in (
        "Traceback",
        "sqlalchemy",
        "psycopg",
        "OperationalError",
        "search_fts",
        "$argon2",
        *hidden,
    ):
        assert leak not in text, (response.request.url, leak)
    if api and response.status_code >= 400:
        error = response.json()["error"]
        assert error["code"] and any("\u4e00" <= ch <= "\u9fff" for ch in error["message"]), error


def test_full_text_syntax_is_only_ever_words(hostile_env: tuple[Archive, TestClient, str]) -> None:
    archive, client, _ = hostile_env
    clerk = get_principal(archive, "clerk")
    for q in FTS_PAYLOADS + SQL_PAYLOADS:
        result = search(archive, clerk, q)  # the service itself: any string, no length limit
        assert all(hit.title != SECRET_TITLE for hit in result.hits), q
        encoded = quote(q.encode("utf-8", "surrogatepass"))  # lone surrogates as the raw bytes a client sends
        api = client.get(f"/api/v1/search?q={encoded[:600].rstrip('%0123456789ABCDEF') or 'x'}")
        _sane(api, api=True)
        page = client.get(f"/search?q={encoded}")
        _sane(page, api=False)
        assert page.status_code in (200, 422), (q, page.status_code)
    # Sensible results: syntax characters are separators, the words still match.
    for q in ('"海鸥"', "海鸥*", "(海鸥)", "海鸥:餐饮", "'海鸥'", "海鸥^", "-海鸥"):
        titles = [h.title for h in search(archive, clerk, q).hits]
        assert titles == [TITLE], (q, titles)
    for q in ("海鸥 OR 机密", "NEAR(海鸥 机密)", "机密"):  # OR/NEAR are words, not operators: all must occur
        assert search(archive, clerk, q).total == 0, q
    assert search(archive, clerk, "!!!@@@").total == 0


def test_sql_and_nul_in_every_query_parameter(hostile_env: tuple[Archive, TestClient, str]) -> None:
    archive, clerk, _ = hostile_env
    add_user(archive, "archivist", PASSWORD, "archivist", clearance="秘密")
    archivist = TestClient(clerk.app, follow_redirects=False)  # reaches the archivist-only lists
    assert login(archivist, "archivist").status_code == 303
    params = {
        "/records": ["department", "matter", "year", "category", "page"],
        "/api/v1/records": ["department", "matter", "year", "category", "page", "per_page"],
        "/search": ["q", "page"],
        "/api/v1/search": ["q", "limit", "offset"],
        "/login": ["next"],
        "/quarantine": ["status", "page", "q"],
        "/handover": ["status", "year"],
    }
    for path, names in params.items():
        client = archivist if path in ("/quarantine", "/handover") else clerk
        for name in names:
            for payload in [*SQL_PAYLOADS[:5], "\x00", "a\x00b", "9" * 40, "-1"]:
                response = client.get(
                    path, params={**({"q": "海鸥"} if "search" in path else {}), name: payload}
                )
                _sane(
                    response,
                    api=path.startswith("/api"),
                    hidden=() if client is archivist else (SECRET_TITLE,),
                )
                if "\x00" in payload:
                    assert response.status_code == 422, (path, name)


def test_nul_in_a_form_field_is_refused_cleanly(hostile_env: tuple[Archive, TestClient, str]) -> None:
    """A NUL reaching the database (PostgreSQL cannot store one) is a 422, not a 500, and changes nothing."""
    archive, client, _ = hostile_env
    postgres = not archive.db.is_sqlite
    anonymous = TestClient(client.app, follow_redirects=False)
    token = csrf_of(anonymous.get("/login").text)
    response = anonymous.post(
        "/login", data={"username": "clerk\x00", "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == (422 if postgres else 401)
    assert "dangan_session" not in response.headers.get("set-cookie", "")
    _sane(response, api=False)
    add_user(archive, "archivist", PASSWORD, "archivist", clearance="秘密")
    admin = TestClient(client.app, follow_redirects=False)
    assert login(admin, "archivist").status_code == 303
    form = {
        "matter": "食品经营许可\x00",
        "required": "申请书\x00\n营业执照",
        "csrf_token": csrf_of(admin.get("/admin/matters").text),
    }
    response = admin.post("/admin/matters", data=form)
    _sane(response, api=False)
    assert response.status_code == (422 if postgres else 303), response.status_code
    if postgres:  # refused as a whole: no rule half-saved
        rules = list_matter_rules(archive, get_principal(archive, "archivist"))
        assert not any(rule.required for rule in rules), rules


def test_path_payloads_in_every_identifier(hostile_env: tuple[Archive, TestClient, str]) -> None:
    """Traversal, absolute paths, encoded NUL, CRLF and huge ids: a 404/422 like any unknown id."""
    archive, clerk, _ = hostile_env
    add_user(archive, "archivist", PASSWORD, "archivist", clearance="秘密")  # reaches every lookup
    client = TestClient(clerk.app, follow_redirects=False)
    assert login(client, "archivist").status_code == 303
    for template in PATH_TEMPLATES:
        for payload in PATH_PAYLOADS:
            url = template.replace("{}", payload)
            response = client.get(url)
            _sane(response, api=url.startswith("/api"))
            assert response.status_code in (307, 400, 404, 422), (url, response.status_code)
            if response.status_code == 307:  # a trailing-slash redirect stays on this site
                assert response.headers["location"].startswith("http://testserver/"), url
            assert "set-cookie: x=1" not in str(response.headers).lower()
            assert "root:" not in response.text and "[fonts]" not in response.text
