"""The statistics pages: charts and tables with the numbers of `dangan.insight` as the viewer may see
them, filters, CSV/XLSX export of each chart, the JSON API, and bad filters answered in Chinese."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import pytest
from fastapi.testclient import TestClient

from dangan.core import load_settings
from dangan.insight import StatsFilter, stats
from dangan.services.accounts import add_user, get_principal
from dangan.services.archive import Archive, open_archive
from dangan.services.intake import import_paths
from tests.insight.material import SCJG, write_material
from tests.web.conftest import PASSWORD, login


@dataclass
class Env:
    archive: Archive
    client_of: dict[str, TestClient]


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    from dangan.web import create_app

    root = tmp_path_factory.mktemp("insight-web")
    write_material(root / "in", 30, seed=5)
    archive = open_archive(load_settings(root / "data"))
    assert not import_paths(archive, [root / "in"]).rejected
    add_user(archive, "keeper", PASSWORD, "archivist", clearance="机密")
    add_user(archive, "clerk", PASSWORD, "clerk", department=SCJG, clearance="机密")
    add_user(archive, "sysadmin", PASSWORD, "sysadmin", clearance="机密")
    app = create_app(archive)
    clients = {}
    for name in ("keeper", "clerk", "sysadmin"):
        c = TestClient(app, follow_redirects=False)
        assert login(c, name, PASSWORD).status_code == 303
        clients[name] = c
    try:
        yield Env(archive, clients)
    finally:
        for c in clients.values():
            c.close()
        archive.close()


def test_the_dashboard_shows_what_the_viewer_may_count(env: Env) -> None:
    for name in ("keeper", "clerk"):
        page = env.client_of[name].get("/insight")
        assert page.status_code == 200, page.text[-1500:]
        total = stats(env.archive, get_principal(env.archive, name), "month").total
        assert f"按月份统计（共 {total} 件）" in page.text
        assert 'data-chart="line"' in page.text and "/static/vendor/echarts/echarts.min.js" in page.text
    keeper = env.client_of["keeper"].get("/insight").text
    clerk = env.client_of["clerk"].get("/insight").text
    assert "秦皇岛市生态环境局</td>" in keeper or "秦皇岛市生态环境局" in keeper
    assert "panel-enterprises" not in clerk  # the 市场主体 theme has a page of its own
    assert "企业设立登记（共 4 件）" in env.client_of["clerk"].get("/insight/market").text
    admin = env.client_of["sysadmin"].get("/insight")
    assert admin.status_code == 200 and "按月份统计（共 0 件）" in admin.text


def test_filters_and_policy_effect(env: Env) -> None:
    params = {
        "from": "2024-01-01",
        "to": "2024-12-31",
        "department": SCJG,
        "pivot": "2024-05-12",
        "window": "30",
    }
    page = env.client_of["keeper"].get("/insight", params=params, follow_redirects=True)  # → /insight/policy
    assert page.status_code == 200
    assert "政策效果：2024-05-12 前后各 30 天" in page.text
    overview = env.client_of["keeper"].get(
        "/insight", params={k: params[k] for k in ("from", "to", "department")}
    )
    keeper = get_principal(env.archive, "keeper")
    f = StatsFilter(date_from=date(2024, 1, 1), date_to=date(2024, 12, 31), department=SCJG)
    assert f"按部门统计（共 {stats(env.archive, keeper, 'department', f).total} 件）" in overview.text


def test_each_chart_exports_csv_and_xlsx(env: Env) -> None:
    from openpyxl import load_workbook  # type: ignore[import-untyped]

    c = env.client_of["clerk"]
    csv_ = c.get("/insight/export.csv", params={"panel": "matter", "from": "2024"})
    assert csv_.status_code == 200 and csv_.content.startswith(b"\xef\xbb\xbf")
    lines = csv_.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "审批事项,件数,办理用时中位数（工作日）,按时办结率"
    assert any(line.startswith("企业设立登记,3,6,") for line in lines)
    xlsx = c.get("/insight/export.xlsx", params={"panel": "enterprise_section"})
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("年度", "行业门类", "件数", "上年件数", "同比增长")
    assert (2024, "住宿和餐饮业", 2, 1, 1.0) in rows and (2023, "住宿和餐饮业", 1, None, None) in rows
    processing = c.get("/insight/export.csv", params={"panel": "processing"}).content.decode("utf-8-sig")
    assert processing.startswith("审批事项,件数,法定时限（工作日）,办理用时中位数（工作日）,按时办结率\r\n")
    assert "企业设立登记,4,20," in processing
    assert c.get("/insight/export.csv", params={"panel": "nope"}).status_code == 422
    policy = c.get("/insight/policy", params={"pivot": "0001-01-01", "window": "99999999"})
    assert policy.status_code == 422 and "比较的时段长度" in policy.text


def test_api_and_bad_filters(env: Env) -> None:
    c = env.client_of["clerk"]
    doc = c.get("/api/v1/insight/stats", params={"by": "result"}).json()
    assert doc == stats(env.archive, get_principal(env.archive, "clerk"), "result").as_json()
    bad = c.get(
        "/api/v1/insight/stats", params={"by": "department", "from": "2024-02-01", "to": "2024-01-01"}
    )
    assert bad.status_code == 422 and "晚于截止日期" in bad.json()["error"]["message"]
    assert c.get("/api/v1/insight/stats", params={"by": "weekday"}).status_code == 422
    page = c.get("/insight", params={"department": "不存在的局"})
    assert page.status_code == 422 and "未知的部门" in page.text


def test_one_page_per_theme_and_the_monthly_report(env: Env) -> None:
    c = env.client_of["keeper"]
    marks = {"/insight": "按审批事项统计", "/insight/market": "按行政区划统计",
             "/insight/timeliness": "办理用时与按时办结率", "/insight/policy": "请选择政策实施日期"}  # fmt: skip
    for url, mark in marks.items():
        page = c.get(url, params={"from": "2019", "to": "2025"})
        assert page.status_code == 200 and mark in page.text, url
        assert all(u in page.text for u in marks), "every theme page links the others"
    old = c.get("/insight", params={"pivot": "2024-05-12", "window": "30"}, follow_redirects=False)
    assert old.status_code == 303 and old.headers["location"].startswith("/insight/policy?")
    assert "/insight/report/monthly.pdf" in c.get("/insight").text
    pdf = c.get("/insight/report/monthly.pdf", params={"month": "2024-05"})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf.headers["content-type"] == "application/pdf"
    bad = c.get("/insight/report/monthly.pdf", params={"month": "2024-5x"})
    assert bad.status_code == 422 and "YYYY-MM" in bad.text
