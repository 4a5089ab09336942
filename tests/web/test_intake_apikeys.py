"""`/admin/apikeys`: the 系统管理员 creates a key in the UI, the key pushes, revoking it stops it."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from dangan.demo import make_case
from dangan.services.accounts import add_user, list_api_keys
from tests.web.conftest import DEPT_A, PASSWORD, WebEnv, csrf_of

Client = Callable[[str], TestClient]
_KEY = re.compile(r'<p class="key-once" id="new-key">(dgk_[^<]+)</p>')


@pytest.fixture(scope="module", autouse=True)
def sysadmin(web_env: WebEnv) -> None:
    add_user(web_env.archive, "sysadmin", PASSWORD, "sysadmin", display_name="系统管理员")


def _push(c: TestClient, key: str, seed: int) -> int:
    case = make_case(seed, department=DEPT_A)
    doc = dict(case.case, source_system="ui-made-system")
    files = [("files", (p, d, "application/pdf")) for p, d in case.files.items()]
    response = c.post("/api/v1/cases", data={"case": json.dumps(doc, ensure_ascii=False)}, files=files,
                      headers={"Authorization": f"Bearer {key}"})  # fmt: skip
    return response.status_code


def test_only_the_system_administrator_manages_keys(as_user: Client, client: TestClient) -> None:
    page = as_user("sysadmin").get("/admin/apikeys")
    assert page.status_code == 200 and "新建密钥" in page.text and '<a href="/admin/apikeys"' in page.text
    for name in ("archivist", "clerk_a", "auditor"):
        refused = as_user(name).get("/admin/apikeys")
        assert refused.status_code == 403 and '<a href="/admin/apikeys"' not in refused.text
    assert client.get("/admin/apikeys").status_code == 303


def test_create_push_revoke(as_user: Client, client: TestClient, web_env: WebEnv) -> None:
    admin = as_user("sysadmin")
    csrf = csrf_of(admin.get("/admin/apikeys").text)
    form = {
        "system": "ui-made-system",
        "department": DEPT_A,
        "matters": "",
        "label": "测试系统",
        "csrf_token": csrf,
    }
    created = admin.post("/admin/apikeys", data=form)
    assert created.status_code == 201
    match = _KEY.search(created.text)
    assert match, "the new key is shown once"
    key = match.group(1)
    assert "离开本页后将无法再次查看" in created.text
    listing = admin.get("/admin/apikeys").text
    assert key not in listing and "ui-made-system" in listing and "测试系统" in listing

    assert _push(client, key, 601) == 201
    info = next(k for k in list_api_keys(web_env.archive) if k.system == "ui-made-system")
    revoked = admin.post(f"/admin/apikeys/{info.id}/revoke", data={"csrf_token": csrf})
    assert revoked.status_code == 303
    assert "已吊销" in admin.get("/admin/apikeys").text
    assert _push(client, key, 602) == 401


def test_bad_details_are_shown_in_the_form(as_user: Client) -> None:
    admin = as_user("sysadmin")
    csrf = csrf_of(admin.get("/admin/apikeys").text)
    bad = admin.post("/admin/apikeys", data={"system": "有 空格", "department": "", "csrf_token": csrf})
    assert bad.status_code == 422
    assert "来源系统标识只能含" in bad.text and "请填写所属部门名称" in bad.text
    assert 'value="有 空格"' in bad.text and "key-once" not in bad.text


def test_revoking_needs_the_administrator_and_the_token(as_user: Client, web_env: WebEnv) -> None:
    admin = as_user("sysadmin")
    csrf = csrf_of(admin.get("/admin/apikeys").text)
    admin.post("/admin/apikeys", data={"system": "keep-me", "department": DEPT_A, "csrf_token": csrf})
    info = next(k for k in list_api_keys(web_env.archive) if k.system == "keep-me")
    archivist = as_user("archivist")
    token = csrf_of(archivist.get("/").text)
    assert archivist.post(f"/admin/apikeys/{info.id}/revoke", data={"csrf_token": token}).status_code == 403
    assert admin.post(f"/admin/apikeys/{info.id}/revoke", data={"csrf_token": "forged"}).status_code == 403
    assert next(k for k in list_api_keys(web_env.archive) if k.id == info.id).active
