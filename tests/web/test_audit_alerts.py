"""/audit (安全审计员 only) and /alerts (安全保密管理员 only): who may enter, what is logged with the
client address, search, export and acknowledgement through the web and the API."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook  # type: ignore[import-untyped]
from sqlalchemy import select

from dangan.services.accounts import add_user
from dangan.services.archive import Archive, log_event
from dangan.services.oversight import pseudonym
from dangan.store.catalog import Event
from tests.web.conftest import PASSWORD, WebEnv, csrf_of, login

Client = Callable[[str], TestClient]
PAGES = ("/audit", "/audit/export.csv", "/audit/export.xlsx", "/api/v1/audit/events")


@pytest.fixture(scope="module", autouse=True)
def admins(web_env: WebEnv) -> None:
    add_user(web_env.archive, "sysadmin", PASSWORD, "sysadmin", clearance="机密")
    add_user(web_env.archive, "secadmin", PASSWORD, "secadmin", clearance="机密")


def _events(archive: Archive, kind: str, actor: str | None = None) -> list[Event]:
    with archive.db.read() as s:
        query = select(Event).where(Event.kind == kind).order_by(Event.id)
        if actor:
            query = query.where(Event.actor == actor)
        return list(s.scalars(query))


@pytest.mark.parametrize("role", ["sysadmin", "secadmin", "archivist", "clerk_a"])
def test_only_the_auditor_enters_the_audit_trail(as_user: Client, role: str) -> None:
    c = as_user(role)
    for path in PAGES:
        assert c.get(path).status_code == 403, (role, path)
    assert "/audit" not in c.get("/").text  # and no link to it


def test_anonymous_is_sent_to_login(client: Any) -> None:
    assert client.get("/audit").status_code in (302, 303, 307, 401)
    assert client.get("/api/v1/audit/events").status_code == 401


def test_a_refused_page_is_a_denied_event_with_method_path_and_address(
    web_env: WebEnv, as_user: Client
) -> None:
    as_user("archivist").get("/audit")
    last = _events(web_env.archive, "denied", "archivist")[-1]
    assert last.detail == {"method": "GET", "path": "/audit", "status": 403, "client": "testclient"}


def test_a_hidden_record_is_not_found_for_the_user_and_denied_in_the_trail(
    web_env: WebEnv, as_user: Client
) -> None:
    record_id = web_env.a_ids[0]
    got = as_user("clerk_b").get(f"/records/{record_id}")
    assert got.status_code == 404
    last = _events(web_env.archive, "denied", "clerk_b")[-1]
    assert (last.record_id, last.detail) == (record_id, {"action": "read", "client": "testclient"})


def test_views_logins_and_logouts_say_from_where(web_env: WebEnv, as_user: Client, client: Any) -> None:
    c = as_user("clerk_a")
    assert c.get(f"/records/{web_env.a_ids[1]}").status_code == 200
    view = _events(web_env.archive, "view", "clerk_a")[-1]
    assert view.record_id == web_env.a_ids[1] and view.detail["client"] == "testclient"
    assert _events(web_env.archive, "login", "clerk_a")[-1].detail["source"] == "testclient"
    c.post("/logout", data={"csrf_token": csrf_of(c.get("/").text)})
    assert _events(web_env.archive, "logout", "clerk_a")[-1].detail == {"client": "testclient"}
    assert login(client, "clerk_a", "wrong-password").status_code == 401
    assert _events(web_env.archive, "login_failed", "clerk_a")[-1].detail["source"] == "testclient"


def test_the_auditor_searches_pages_and_sees_no_record_ids(web_env: WebEnv, as_user: Client) -> None:
    for i in range(3):
        log_event(web_env.archive, "download", "zhao", web_env.a_ids[0], {"client": f"10.1.1.{i}"})
    assert as_user("clerk_b").get(f"/records/{web_env.a_ids[0]}").status_code == 404  # one denial, here
    c = as_user("auditor")
    page = c.get("/audit", params={"user": "zhao", "kind": "download"})
    assert page.status_code == 200 and "审计记录" in page.text and "10.1.1.2" in page.text
    assert web_env.a_ids[0] not in page.text and pseudonym(web_env.archive, web_env.a_ids[0]) in page.text
    assert 'id="audit-total">3<' in page.text
    api = c.get("/api/v1/audit/events", params={"user": "zhao", "per_page": 2}).json()
    assert (api["total"], api["pages"], len(api["items"])) == (3, 2, 2)
    assert [i["client"] for i in api["items"]] == ["10.1.1.2", "10.1.1.1"]
    denied = c.get("/api/v1/audit/events", params={"outcome": "denied"}).json()["items"]
    assert denied and {i["outcome"] for i in denied} == {"denied"}
    bad = c.get("/api/v1/audit/events", params={"since": "上周"})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "bad_time"
    assert c.get("/audit", params={"since": "上周"}).status_code == 422


def test_exports_carry_the_filtered_set_and_are_logged(web_env: WebEnv, as_user: Client) -> None:
    log_event(web_env.archive, "download", "qian", web_env.a_ids[0], {"client": "10.2.2.2"})
    c = as_user("auditor")
    got = c.get("/audit/export.csv", params={"user": "qian"})
    assert got.status_code == 200 and got.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(got.content.decode("utf-8-sig"))))
    assert [r[2] for r in rows[1:]] == ["qian"] and rows[1][7] == "10.2.2.2"
    xlsx = c.get("/audit/export.xlsx", params={"user": "qian"})
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None and sheet.max_row == 2
    exports = _events(web_env.archive, "audit_export", "auditor")[-2:]
    assert [(e.detail["format"], e.detail["filters"], e.detail["client"]) for e in exports] == [
        ("csv", {"user": "qian"}, "testclient"),
        ("xlsx", {"user": "qian"}, "testclient"),
    ]


@pytest.mark.parametrize("role", ["auditor", "sysadmin", "archivist"])
def test_only_the_security_officer_sees_alerts(as_user: Client, role: str) -> None:
    c = as_user(role)
    assert c.get("/alerts").status_code == 403
    assert c.get("/api/v1/alerts").status_code == 403
    token = csrf_of(c.get("/").text)
    assert c.post("/alerts/run", data={"csrf_token": token}).status_code == 403
    assert c.post("/alerts/1/ack", data={"csrf_token": token, "note": "x"}).status_code == 403


def test_the_security_officer_runs_rules_and_acknowledges_with_a_note(
    web_env: WebEnv, as_user: Client
) -> None:
    c = as_user("secadmin")
    assert "/alerts" in c.get("/").text  # the nav link
    for _ in range(50):
        log_event(web_env.archive, "download", "sun", web_env.a_ids[0])
    token = csrf_of(c.get("/alerts").text)
    ran = c.post("/alerts/run", data={"csrf_token": token})
    assert ran.status_code == 200 and "检查完成" in ran.text and "用户 sun" in ran.text
    alerts = [a for a in c.get("/api/v1/alerts").json()["items"] if a["subject"] == "sun"]
    alert = next(a for a in alerts if a["rule"] == "bulk_download")  # (an off-hours one may come along)
    assert alert["status"] == "open"
    empty = c.post(f"/alerts/{alert['id']}/ack", data={"csrf_token": token, "note": " "})
    assert empty.status_code == 422 and "请填写处理说明" in empty.text
    done = c.post(f"/alerts/{alert['id']}/ack", data={"csrf_token": token, "note": "已电话核实"})
    assert done.status_code == 303
    acked = next(
        a for a in c.get("/api/v1/alerts?status=acknowledged").json()["items"] if a["id"] == alert["id"]
    )
    assert (acked["acknowledged_by"], acked["note"]) == ("secadmin", "已电话核实")
    ack = _events(web_env.archive, "alert_ack", "secadmin")[-1]
    assert ack.detail["note"] == "已电话核实" and ack.detail["client"] == "testclient"
    for record_id in web_env.a_ids:
        assert record_id not in c.get("/alerts?status=all").text


def test_the_trail_shows_chinese_details_as_characters_and_escapes_markup(
    web_env: WebEnv, as_user: Client
) -> None:
    log_event(web_env.archive, "user_update", "secadmin", None, {"department": "<b>市场监管局</b>"})
    page = as_user("auditor").get("/audit", params={"user": "secadmin"}).text
    assert "&lt;b&gt;市场监管局&lt;/b&gt;" in page
    assert "\\u5e02" not in page and "<b>市场监管局</b>" not in page
