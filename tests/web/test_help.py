"""The manual at /help: per role, searchable, every error code explained and linked from error answers,
a PDF per role, the administrator's guide with a configuration reference that cannot fall behind.

The manual names on-screen labels in each page's front matter; `test_every_label_the_manual_names_is_on_its_page`
renders each described page as its role and finds them, so a renamed button breaks a test, not the manual.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from dangan.core import Settings
from dangan.services.accounts import add_user
from dangan.web.help import (
    MARKER,
    ROLES,
    UndocumentedSetting,
    admin_guide,
    error_help,
    known_codes,
    load_manual,
    search,
    settings_reference,
    settings_rows,
)
from tests.web.conftest import DEPT_A, PASSWORD, WebEnv

ROOT = Path(__file__).resolve().parents[2]
# The test archive's account per role (conftest's, plus the four added here).
ACCOUNTS = {"archivist": "archivist", "clerk": "clerk_a", "auditor": "auditor", "dept_head": "help_head",
            "reader": "help_reader", "sysadmin": "help_admin", "secadmin": "help_sec"}  # fmt: skip


@pytest.fixture(scope="module")
def help_users(web_env: WebEnv) -> WebEnv:
    add_user(web_env.archive, "help_head", PASSWORD, "dept_head", department=DEPT_A, clearance="秘密")
    add_user(web_env.archive, "help_reader", PASSWORD, "reader")
    add_user(web_env.archive, "help_admin", PASSWORD, "sysadmin", clearance="公开")
    add_user(web_env.archive, "help_sec", PASSWORD, "secadmin", clearance="公开")
    return web_env


@pytest.fixture
def as_role(help_users: WebEnv, as_user: Callable[[str], TestClient]) -> Callable[[str], TestClient]:
    return lambda role: as_user(ACCOUNTS[role])


def test_every_role_has_a_manual_and_every_page_is_well_formed() -> None:
    manual = load_manual()
    for role in ROLES:
        assert len(manual.for_role(role)) >= 2, role
    codes = set(known_codes())
    for page in manual.pages:
        assert "## 用途" in page.body and "\n1. " in page.body, page.slug  # what it is for, then steps
        assert "可能遇到的问题" in page.body or "常见的" in page.body, page.slug
        assert set(page.errors) <= codes, (page.slug, set(page.errors) - codes)
        if page.screen:
            assert page.labels, f"{page.slug} names a screen but no labels to check on it"


def test_index_lists_the_readers_own_role_first(as_role: Callable[[str], TestClient]) -> None:
    page = as_role("clerk").get("/help")
    assert page.status_code == 200
    text = page.text
    assert text.index('id="role-clerk"') < text.index('id="role-archivist"')
    assert "（您的角色）" in text and "/help/clerk/upload" in text


def test_the_public_reads_only_the_public_manual(client: TestClient) -> None:
    index = client.get("/help")
    assert (
        index.status_code == 200 and 'id="role-public"' in index.text and 'id="role-clerk"' not in index.text
    )
    assert client.get("/help/public/portal-progress").status_code == 200
    assert client.get("/help/clerk/upload").status_code == 303  # to the login page
    assert client.get("/help/clerk.pdf").status_code == 303
    assert client.get("/help/admin").status_code == 303


def test_a_task_page_renders_markdown_with_linked_error_codes(as_role: Callable[[str], TestClient]) -> None:
    page = as_role("clerk").get("/help/clerk/quarantine")
    assert page.status_code == 200
    assert '<h2 id="步骤">步骤</h2>' in page.text and "重新检测" in page.text
    assert 'href="/help/errors/quarantine_closed"' in page.text
    # a page not in the role's manual, and a role that does not exist
    assert as_role("clerk").get("/help/clerk/audit").status_code == 404
    assert as_role("clerk").get("/help/nobody").status_code == 404


def test_markdown_source_cannot_inject_html() -> None:
    from dangan.web.help import to_html

    html = to_html("<script>alert(1)</script>\n\n[x](javascript:alert(1))")
    assert "<script>" not in html and 'href="javascript:' not in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [("张伟担任法定代表人的企业", "search"), ("重新检测", "quarantine"), ("动态口令", "login"),
     ("销毁清册", "lifecycle"), ("办件编号", "portal-progress"), ("吊销密钥", "apikeys")],
)  # fmt: skip
def test_search_finds_the_page_that_explains(query: str, expected: str) -> None:
    hits = search(query)
    assert hits and expected in [h.page.slug for h in hits[:3]], [h.page.slug for h in hits[:5]]


def test_search_page_only_offers_pages_the_reader_may_open(
    client: TestClient, as_role: Callable[[str], TestClient]
) -> None:
    public = client.get("/help/search", params={"q": "隔离区"})
    assert public.status_code == 200 and "/help/clerk/quarantine" not in public.text
    staff = as_role("clerk").get("/help/search", params={"q": "隔离区"})
    assert "/help/clerk/quarantine" in staff.text


def test_every_error_code_has_a_page(client: TestClient) -> None:
    for code in known_codes():
        page = client.get(f"/help/errors/{code}")
        assert page.status_code == 200, code
        entry = error_help(code)
        assert entry is not None and entry.title in page.text
    general = client.get("/help/errors/some_code_not_written_up")
    assert general.status_code == 200 and "还没有单独的说明" in general.text
    assert client.get("/help/errors/<b>x").status_code == 404
    assert "quarantine_closed" in client.get("/help/errors").text


def test_error_page_and_api_error_link_to_the_explanation(
    client: TestClient, as_role: Callable[[str], TestClient]
) -> None:
    clerk = as_role("clerk")
    page = clerk.get("/records/no-such-record")
    assert page.status_code == 404
    assert "查看说明" in page.text and 'href="/help/errors/' in page.text
    api = clerk.get("/api/v1/records/no-such-record")
    assert api.status_code == 404
    code = api.json()["error"]["code"]
    assert api.headers["link"] == f'</help/errors/{code}>; rel="help"'
    assert client.get(api.headers["link"][1:].split(">")[0]).status_code == 200


def test_every_label_the_manual_names_is_on_its_page(
    help_users: WebEnv, as_role: Callable[[str], TestClient], client: TestClient
) -> None:
    record = help_users.a_ids[0]
    missing = []
    clients: dict[str, TestClient] = {}  # one login per role
    for page in load_manual().pages:
        if not page.screen:
            continue
        if page.as_role and page.as_role not in clients:
            clients[page.as_role] = as_role(page.as_role)
        browser = clients[page.as_role] if page.as_role else client
        response = browser.get(page.screen.replace("{record}", record), follow_redirects=True)
        assert response.status_code == 200, (page.slug, response.status_code)
        missing += [f"{page.slug}: {label}" for label in page.labels if label not in response.text]
    assert not missing, missing


def test_every_page_links_to_help(client: TestClient, as_role: Callable[[str], TestClient]) -> None:
    assert 'href="/help"' in as_role("reader").get("/records").text
    assert 'href="/help"' in client.get("/portal").text


def test_pdf_per_role_holds_the_manual(as_role: Callable[[str], TestClient]) -> None:
    import pypdfium2 as pdfium

    response = as_role("archivist").get("/help/archivist.pdf")
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    pdf = pdfium.PdfDocument(io.BytesIO(response.content))
    text = "".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    assert len(pdf) >= len(load_manual().for_role("archivist"))
    assert "档案管理员" in text and "隔离区" in text and "出具档案证明" in text


def test_admin_guide_is_for_the_system_administrator(as_role: Callable[[str], TestClient]) -> None:
    page = as_role("sysadmin").get("/help/admin")
    assert page.status_code == 200 and "DANGAN_SECRET_KEY" in page.text and "备份与恢复演练" in page.text
    assert as_role("clerk").get("/help/admin").status_code == 403
    assert 'href="/help/admin"' in as_role("sysadmin").get("/help").text


def test_every_setting_is_documented_in_the_reference() -> None:
    rows = settings_rows()  # raises UndocumentedSetting when a field has no description
    assert {env for env, _, _ in rows} == {f"DANGAN_{n.upper()}" for n in Settings.model_fields}
    table = settings_reference()
    for name in Settings.model_fields:
        assert f"`DANGAN_{name.upper()}`" in table


def test_an_undocumented_setting_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    from pydantic.fields import FieldInfo

    fields = dict(Settings.model_fields)
    fields["brand_new"] = FieldInfo(default=1)
    monkeypatch.setattr(Settings, "model_fields", fields)  # a stand-in for a setting added without words
    with pytest.raises(UndocumentedSetting, match="brand_new"):
        settings_rows()


def test_docs_admin_guide_is_the_generated_one() -> None:
    guide = load_manual().admin_guide
    assert MARKER in guide
    docs = (ROOT / "docs" / "admin-guide.md").read_text(encoding="utf-8")
    assert docs == admin_guide(guide), "regenerate: dangan help guide --out docs/admin-guide.md"
