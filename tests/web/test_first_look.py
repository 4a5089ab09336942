"""The first look of a new archive: no alerts from setting it up, alerts closed in bulk, every demo
account on the login page."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from dangan.core import load_settings
from dangan.services.accounts import add_user, get_principal
from dangan.services.archive import Archive, log_event, open_archive
from dangan.services.intake import demo_accounts, ensure_demo_accounts
from dangan.services.oversight import list_alerts, run_monitor
from dangan.store.catalog import Event
from tests.web.conftest import PASSWORD, WebEnv, csrf_of

Client = Callable[[str], TestClient]


@pytest.fixture(scope="module", autouse=True)
def security_officer(web_env: WebEnv) -> None:
    add_user(web_env.archive, "secadmin", PASSWORD, "secadmin", clearance="机密")
    add_user(web_env.archive, "sysadmin", PASSWORD, "sysadmin", clearance="机密")


def test_demo_accounts_raise_no_alert_but_an_operator_adding_one_does(tmp_path: Path) -> None:
    archive: Archive = open_archive(load_settings(tmp_path / "data"))
    try:
        ensure_demo_accounts(archive)
        run_monitor(archive)
        secadmin = get_principal(archive, "secadmin")
        assert list_alerts(archive, secadmin, "open") == []
        with archive.db.read() as s:  # the trail still has every one of them
            adds = s.scalars(select(Event).where(Event.kind == "user_add")).all()
        assert len(adds) == len(demo_accounts()) and {e.actor for e in adds} == {"demo:setup"}
        add_user(archive, "newclerk", "Qinhuangdao#2026", "clerk", department="秦皇岛市税务局")
        run_monitor(archive)
        raised = list_alerts(archive, secadmin, "open")
        assert [a["rule"] for a in raised] == ["config_change"] and "newclerk" in raised[0]["summary"]
    finally:
        archive.close()


def _open_ids(c: TestClient) -> list[int]:
    return [a["id"] for a in c.get("/api/v1/alerts?status=open").json()["items"]]


def test_alerts_are_acknowledged_in_bulk(web_env: WebEnv, as_user: Client) -> None:
    c = as_user("secadmin")
    for user in ("zhou", "wu", "zheng"):
        for _ in range(50):
            log_event(web_env.archive, "download", user, web_env.a_ids[0])
    token = csrf_of(c.get("/alerts").text)
    c.post("/alerts/run", data={"csrf_token": token})
    ids = _open_ids(c)
    assert len(ids) >= 3
    page = c.get("/alerts").text
    assert 'form="bulk-ack"' in page and "处理全部未处理" in page
    none = c.post("/alerts/ack", data={"csrf_token": token, "note": "核实"})
    assert none.status_code == 422 and "没有选中" in none.text and _open_ids(c) == ids
    two = c.post(
        "/alerts/ack", data={"csrf_token": token, "note": "已核实", "ids": [str(i) for i in ids[:2]]}
    )
    assert two.status_code == 303 and two.headers["location"] == "/alerts?acked=2"
    assert _open_ids(c) == ids[2:] and "已处理 2 条告警" in c.get("/alerts?acked=2").text
    rest = c.post("/alerts/ack", data={"csrf_token": token, "note": "批量核实", "every": "1"})
    assert rest.status_code == 303 and _open_ids(c) == []
    with web_env.archive.db.read() as s:
        acks = s.scalars(select(Event).where(Event.kind == "alert_ack", Event.actor == "secadmin")).all()
    assert {e.detail["alert_id"] for e in acks} >= set(ids)  # one event per alert, each with the note


def test_only_the_security_officer_acknowledges_in_bulk(web_env: WebEnv, as_user: Client) -> None:
    c = as_user("archivist")
    token = csrf_of(c.get("/").text)
    assert c.post("/alerts/ack", data={"csrf_token": token, "note": "x", "every": "1"}).status_code == 403


def test_login_page_lists_every_demo_account(client: TestClient) -> None:
    page = client.get("/login").text
    for account in demo_accounts():
        assert f"<code>{account.username}</code>" in page, account.username


@pytest.mark.parametrize(
    ("role", "title", "link"),
    [("sysadmin", "系统运行状况", "/admin/apikeys"), ("secadmin", "安全保密工作", "/alerts"),
     ("auditor", "审计工作", "/audit?outcome=denied")],
)  # fmt: skip
def test_the_three_administrators_see_their_own_work(
    web_env: WebEnv, as_user: Client, role: str, title: str, link: str
) -> None:
    home = as_user(role).get("/").text
    assert title in home and f'href="{link}"' in home
    assert "暂无可查看的档案" not in home and 'name="q"' not in home
    for record_id in web_env.a_ids:  # counts only, never a record
        assert record_id not in home


def test_sysadmin_home_warns_when_the_public_address_is_unset_in_production(
    web_env: WebEnv, as_user: Client
) -> None:
    settings = web_env.archive.settings
    assert settings.warnings() == []  # development: the request's own address is fine
    settings.env = "production"
    try:
        assert any("DANGAN_PUBLIC_URL" in w for w in settings.warnings())
        assert "未设置 DANGAN_PUBLIC_URL" in as_user("sysadmin").get("/").text
        settings.public_url = "https://portal.example.gov.cn"
        assert settings.warnings() == []
    finally:
        settings.env, settings.public_url = "development", None


def test_every_time_a_user_reads_is_in_the_archive_zone(web_env: WebEnv, as_user: Client) -> None:
    from datetime import timedelta

    from dangan.services.oversight import make_filter, search_events

    add_user(web_env.archive, "auditor2", PASSWORD, "auditor", clearance="公开")
    log_event(web_env.archive, "login", "li", None, {"source": "10.0.0.9"})
    event = search_events(
        web_env.archive, get_principal(web_env.archive, "auditor2"), make_filter(user="li")
    ).items[0]
    page = as_user("auditor2").get("/audit?user=li").text
    assert "时间（北京时间）" in page and "UTC" not in page
    assert (event.at + timedelta(hours=8)).strftime("%Y-%m-%d %H:%M:%S") in page
    since = (event.at + timedelta(hours=8) - timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M")
    assert (event.at + timedelta(hours=8)).strftime("%H:%M:%S") in as_user("auditor2").get(
        f"/audit?user=li&since={since}"
    ).text
    later = (event.at + timedelta(hours=8) + timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M")
    shown = (event.at + timedelta(hours=8)).strftime("%H:%M:%S")
    assert shown not in as_user("auditor2").get(f"/audit?user=li&since={later}").text  # local, not UTC


def test_approvers_see_how_many_requests_await_them(web_env: WebEnv, as_user: Client) -> None:
    from dangan.services.records import record_for
    from dangan.services.utilisation import RequestForm, create_request

    archivist = get_principal(web_env.archive, "archivist")
    code = record_for(web_env.archive, archivist, web_env.b_ids[1]).archival_code
    before = as_user("archivist").get("/requests").text
    create_request(
        web_env.archive, get_principal(web_env.archive, "clerk_a"), RequestForm("核对许可", codes=(code,))
    )
    page = as_user("archivist").get("/requests").text
    assert 'class="nav-badge"' in page and "件待审批" in page and page != before
    assert 'class="nav-badge"' not in as_user("clerk_a").get("/").text  # a clerk approves nothing


def test_handover_batches_are_named_by_department_year_and_sequence(web_env: WebEnv, as_user: Client) -> None:
    from dangan.services.handover import create_batch, list_batches

    clerk = get_principal(web_env.archive, "clerk_b")
    first = create_batch(web_env.archive, clerk, record_ids=[web_env.b_ids[0]])
    second = create_batch(web_env.archive, clerk, record_ids=[web_env.b_ids[2]])
    names = {b.id: b.display_name for b in list_batches(web_env.archive, clerk)}  # type: ignore[attr-defined]  # set by list_batches
    year = names[first.id].split(" ")[1]
    assert names[first.id] == f"秦皇岛市生态环境局 {year} 年第 1 批"
    assert names[second.id] == f"秦皇岛市生态环境局 {year} 年第 2 批"
    page = as_user("clerk_b").get("/handover").text
    assert (
        names[second.id] in page
        and f"移交批次 · {names[first.id]}" in as_user("clerk_b").get(f"/handover/{first.id}").text
    )
