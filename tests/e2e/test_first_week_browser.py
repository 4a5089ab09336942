"""A new user's first week, in Chromium: packages through the web page, the quarantine loop for the
department's clerk, redacted previews, quiet alerts and the administrators' own homes.

Screenshots go to test-artifacts/ (first-week-*.png) so people can look at what the browser saw.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from dangan.demo import make_case, write_case
from tests.e2e.test_browser import ARTIFACTS
from tests.e2e.test_upload_browser import _login, _watch, browser, server  # noqa: F401  (fixtures)

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.e2e
DEPT = "秦皇岛市市场监督管理局"
FOOD = {"code": "SCJG-XK-101", "name": "食品经营许可"}
CLERK = "clerk2"


def _zip(folder: Path, dest: Path) -> Path:
    with zipfile.ZipFile(dest, "w") as zf:
        for p in sorted(folder.rglob("*")):
            if p.is_file():
                zf.write(p, f"{folder.name}/{p.relative_to(folder).as_posix()}")
    return dest


def _shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"first-week-{name}.png"), full_page=True)


def test_clerk_uploads_packages_fixes_one_in_quarantine(
    server: str,  # noqa: F811
    browser: Browser,  # noqa: F811
    tmp_path: Path,
) -> None:
    good = write_case(make_case(1201, department=DEPT, matter=FOOD), tmp_path / "good")
    stray = write_case(make_case(1202, department=DEPT, matter=FOOD), tmp_path / "stray")
    (stray / "多余.txt").write_text("未列入清单", encoding="utf-8")
    zipped = _zip(good, tmp_path / "good.zip")
    context = browser.new_context(viewport={"width": 1366, "height": 1000}, locale="zh-CN")
    page = context.new_page()
    foreign, problems = _watch(page, server)
    try:
        _login(page, server, CLERK)
        page.goto(server + "/upload")
        page.set_input_files("#package-input", [str(zipped)])
        page.set_input_files("#folder-input", str(stray))
        assert "1 个 ZIP 包" in page.locator("#package-total").inner_text()
        page.click("#package-submit")
        page.locator("#package-result .package-results").wait_for(state="visible", timeout=60000)
        text = page.locator("#package-result").inner_text()
        assert "已归档" in text and "未通过" in text and "隔离区" in text
        _shot(page, "packages")

        page.hover(".navgroup:has(a[href='/quarantine'])")  # 收集 opens on hover (and on keyboard focus)
        page.click(".mainnav a[href='/quarantine']")
        page.locator("table a").first.click()
        page.wait_for_selector("form.case-fields")
        assert page.locator("form.case-fields input[name='title']").input_value()
        assert "数据目录" not in page.content()
        _shot(page, "quarantine-clerk")
    finally:
        context.close()
    assert not foreign, foreign
    assert not [p for p in problems if "422" not in p], problems


def test_masked_preview_says_what_was_hidden(server: str, browser: Browser) -> None:  # noqa: F811
    context = browser.new_context(viewport={"width": 1366, "height": 1000}, locale="zh-CN")
    page = context.new_page()
    try:
        _login(page, server, CLERK)
        page.goto(server + "/search?q=" + "申请书")
        page.locator(".hits .hit-title a").first.click()
        page.locator(".files-table tbody tr", has_text="申请书").first.locator("a", has_text="预览").click()
        page.wait_for_function("() => { const i = document.querySelector('img.page-image'); "
                               "return i && i.complete && i.naturalWidth > 0; }")  # fmt: skip
        assert "个人信息已遮蔽" in page.locator(".viewer .alert").inner_text()
        _shot(page, "preview-redacted")
    finally:
        context.close()


@pytest.mark.parametrize("user", ["admin", "secadmin", "auditor"])
def test_administrators_see_their_own_work(server: str, browser: Browser, user: str) -> None:  # noqa: F811
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    page = context.new_page()
    try:
        _login(page, server, user)
        assert "暂无可查看的档案" not in page.content() and page.locator(".shortcut-list a").count() >= 2
        nav = page.locator(".mainnav").bounding_box()
        assert nav is not None and nav["height"] < 60  # one line at 1366 px
        _shot(page, f"home-{user}")
        if user == "secadmin":
            page.goto(server + "/alerts")
            assert (
                "demo" not in page.content() and page.locator("tbody tr").count() == 0
            )  # a quiet first look
            _shot(page, "alerts")
    finally:
        context.close()


def test_login_lists_every_demo_account(server: str, browser: Browser) -> None:  # noqa: F811
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    page = context.new_page()
    try:
        page.goto(server + "/login")
        codes = page.locator(".demo-hint code").all_inner_texts()
        assert {"archivist", "admin", "secadmin", "auditor", "reader", "clerk1", "head8"} <= set(codes)
        _shot(page, "login")
    finally:
        context.close()


def test_archivist_menu_fits_and_browse_reads_on_a_phone(server: str, browser: Browser) -> None:  # noqa: F811
    wide = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    page = wide.new_page()
    try:
        _login(page, server, "archivist")
        page.goto(server + "/records?sort=date_asc")
        _shot(page, "records-1366")
        nav = page.locator(".mainnav").bounding_box()
        assert nav is not None and nav["height"] < 60  # one line at 1366 px
    finally:
        wide.close()
    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True)
    page = phone.new_page()
    try:
        _login(page, server, CLERK)
        page.goto(server + "/records")
        scroll = page.evaluate("() => document.documentElement.scrollWidth")
        assert scroll <= 400, scroll  # nothing wider than the phone
        first = page.locator(".records-table tbody tr").first.bounding_box()
        assert first is not None and first["width"] <= 390
        _shot(page, "records-390")
    finally:
        phone.close()
