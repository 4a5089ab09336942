"""利用申请 through the browser and the API: a reader asks, the right department head approves, the
reader then sees the record on every page and count, previews it, may not download on a view-only
grant; the wrong head cannot tell the request exists; after expiry the record answers like a missing one."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from dangan.core import utcnow
from dangan.services.accounts import add_user
from dangan.store.catalog import get_record
from tests.web.conftest import DEPT_A, DEPT_B, PASSWORD, WebEnv, csrf_of

Client = Callable[[str], TestClient]
MISSING = "01AAAAAAAAAAAAAAAAAAAAAAAA"


@pytest.fixture(scope="module", autouse=True)
def people(web_env: WebEnv) -> None:
    add_user(web_env.archive, "reader_w", PASSWORD, "reader", clearance="内部", display_name="查阅人")
    add_user(web_env.archive, "head_a", PASSWORD, "dept_head", department=DEPT_A, clearance="秘密")
    add_user(web_env.archive, "head_b", PASSWORD, "dept_head", department=DEPT_B, clearance="秘密")
    add_user(web_env.archive, "sec_w", PASSWORD, "secadmin", clearance="机密")


def _code(web_env: WebEnv, label: str) -> str:
    with web_env.archive.db.read() as s:
        record = get_record(s, web_env.ids[label])
        assert record is not None
        return record.archival_code


def _ask(c: TestClient, codes: str, scope: str = "view") -> None:
    token = csrf_of(c.get("/requests").text)
    data = {"csrf_token": token, "purpose": "核实许可办理依据", "codes": codes, "scope": scope, "days": "5"}
    response = c.post("/requests", data=data)
    assert response.status_code == 303, response.text


def _pending_id(c: TestClient) -> str:
    ids = re.findall(r'action="/requests/([0-9A-Z]{26})/approve"', c.get("/requests/review").text)
    assert len(ids) == 1
    return ids[0]


def test_request_approve_view_then_expire(
    web_env: WebEnv, as_user: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    a0, code = web_env.ids["a0"], _code(web_env, "a0")
    reader = as_user("reader_w")
    assert "利用申请" in reader.get("/").text  # in the navigation
    before = reader.get(f"/records/{a0}")
    assert before.status_code == 404
    _ask(reader, code)
    page = reader.get("/requests?created=1").text
    assert "利用申请已提交" in page and "待审批" in page and code in page
    # The other department's head sees no such request; deciding it answers as for a missing one.
    head_b = as_user("head_b")
    review_b = head_b.get("/requests/review")
    assert review_b.status_code == 200 and code not in review_b.text
    head_a = as_user("head_a")
    rid = _pending_id(head_a)
    token_b = csrf_of(review_b.text)
    wrong = head_b.post(f"/requests/{rid}/approve", data={"csrf_token": token_b})
    absent = head_b.post(f"/requests/{MISSING}/approve", data={"csrf_token": token_b})
    assert wrong.status_code == absent.status_code == 404 and wrong.content == absent.content
    # A rejection without a reason is refused and changes nothing.
    token = csrf_of(head_a.get("/requests/review").text)
    no_reason = head_a.post(f"/requests/{rid}/reject", data={"csrf_token": token, "reason": ""})
    assert no_reason.status_code == 422 and "驳回须填写理由" in no_reason.text
    approved = head_a.post(
        f"/requests/{rid}/approve", data={"csrf_token": token, "scope": "view", "days": "3"}
    )
    assert approved.status_code == 200 and "已批准" in approved.text
    # Now the reader reads it on every page, count and API that asks the policy.
    assert reader.get(f"/records/{a0}").status_code == 200
    assert a0 in reader.get("/records").text
    assert reader.get("/api/v1/stats").json()["records"] == 1
    assert [r["record_id"] for r in reader.get("/api/v1/records").json()["items"]] == [a0]
    assert reader.get(f"/api/v1/records/{a0}").status_code == 200
    assert reader.get(f"/records/{a0}/files/0").status_code == 200
    refused = reader.get(f"/records/{a0}/files/0/download")
    assert refused.status_code == 403 and "仅限查看" in refused.text
    mine = reader.get("/api/v1/requests").json()["requests"]
    assert [(r["status"], r["granted_scope"]) for r in mine] == [("已批准", "view")]
    # Four days on, the grant has run out: the record answers exactly like a missing one again.
    later = utcnow() + timedelta(days=4)
    monkeypatch.setattr("dangan.services.accounts._grants.utcnow", lambda: later)
    monkeypatch.setattr("dangan.services.utilisation._requests.utcnow", lambda: later)
    gone, missing = reader.get(f"/records/{a0}"), reader.get(f"/records/{MISSING}")
    assert (gone.status_code, gone.content) == (missing.status_code, missing.content)
    assert reader.get("/api/v1/stats").json()["records"] == 0
    assert reader.get("/api/v1/records").json()["total"] == 0
    assert "已过期" in reader.get("/requests").text


def test_api_request_with_download_grant_and_revocation(web_env: WebEnv, as_user: Client) -> None:
    b0 = web_env.ids["b0"]
    reader = as_user("reader_w")
    token = csrf_of(reader.get("/requests").text)
    headers = {"x-csrf-token": token}
    body = {"purpose": "环评复核", "codes": [_code(web_env, "b0")], "scope": "download", "days": 10}
    created = reader.post("/api/v1/requests", json=body, headers=headers)
    assert created.status_code == 201 and created.json()["status"] == "待审批"
    rid = created.json()["id"]
    assert reader.get(f"/api/v1/requests/{rid}").json()["purpose"] == "环评复核"
    nosy = as_user("head_a")  # department A: the request names a record of B only
    seen, unknown = nosy.get(f"/api/v1/requests/{rid}"), nosy.get(f"/api/v1/requests/{MISSING}")
    assert seen.status_code == unknown.status_code == 404 and seen.content == unknown.content
    selfish = reader.post(f"/api/v1/requests/{rid}/approve", json={}, headers=headers)
    assert selfish.status_code == 403  # a reader approves nothing, his own request least of all
    archivist = as_user("archivist")
    a_headers = {"x-csrf-token": csrf_of(archivist.get("/requests").text)}
    queue = archivist.get("/api/v1/requests", params={"role": "approver"}).json()["requests"]
    assert [q["resolved"] for q in queue if q["id"] == rid] == [[b0]]
    widened = archivist.post(f"/api/v1/requests/{rid}/approve", json={"days": 11}, headers=a_headers)
    assert widened.status_code == 422
    ok = archivist.post(f"/api/v1/requests/{rid}/approve", json={"days": 2}, headers=a_headers)
    assert ok.status_code == 200 and ok.json()["granted_scope"] == "download"
    download = reader.get(f"/records/{b0}/files/0/download")
    assert download.status_code == 200 and download.content
    revoked = archivist.post(f"/api/v1/requests/{rid}/revoke", json={"reason": "复核完毕"}, headers=a_headers)
    assert revoked.status_code == 200 and revoked.json()["status"] == "已撤销"
    assert reader.get(f"/records/{b0}/files/0/download").status_code == 404
    assert reader.get(f"/records/{b0}").status_code == 404


def test_the_security_officer_gets_nothing(web_env: WebEnv, as_user: Client) -> None:
    sec = as_user("sec_w")
    token = csrf_of(sec.get("/").text)
    assert "/requests" not in sec.get("/").text.split("<main")[0]
    assert sec.get("/requests").status_code == 403
    assert sec.get("/requests/review").status_code == 403
    body = {"purpose": "自查", "codes": [_code(web_env, "a1")]}
    assert sec.post("/api/v1/requests", json=body, headers={"x-csrf-token": token}).status_code == 403
    assert sec.get("/api/v1/requests").json() == {"requests": []}
