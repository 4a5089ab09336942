"""The upload form in Chromium: drag-and-drop and chosen files, per-field errors in Chinese, the 档号 on
success; and the 系统管理员's API key page. Screenshots go to test-artifacts/ (upload*.png, apikeys.png)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from dangan.demo import make_case
from tests.e2e.test_browser import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    PASSWORD,
    demo_served,
)

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.e2e

DEPT = "秦皇岛市市场监督管理局"
CLERK = "clerk2"  # the demo clerk of 市场监督管理局


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with demo_served(tmp_path_factory.mktemp("upload-e2e") / "data", 12) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    from playwright import sync_api

    assert Path(CHROMIUM).exists(), "Debian chromium is missing: run scripts/setup.sh"
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


def _login(page: Page, server: str, username: str) -> None:
    page.goto(server + "/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(server + "/")


def _watch(page: Page, server: str) -> tuple[list[str], list[str]]:
    foreign: list[str] = []
    problems: list[str] = []
    page.on("request", lambda r: None if r.url.startswith(server) else foreign.append(r.url))
    page.on(
        "console", lambda m: problems.append(m.text) if m.type == "error" and "422" not in m.text else None
    )
    page.on("pageerror", lambda e: problems.append(str(e)))
    return foreign, problems


def test_clerk_uploads_a_case(server: str, browser: Browser, tmp_path: Path) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    case = make_case(1)  # a 食品经营许可 case of 市场监督管理局 with three PDFs
    assert case.case["department"] == DEPT
    doc, a = case.case, case.case["applicant"]
    paths = []
    for name, data in case.files.items():
        (tmp_path / name).write_bytes(data)
        paths.append(tmp_path / name)
    context = browser.new_context(viewport={"width": 1366, "height": 1000}, locale="zh-CN")
    page = context.new_page()
    foreign, problems = _watch(page, server)
    try:
        _login(page, server, CLERK)
        page.hover(".navgroup:has(a[href='/upload'])")  # 收集 opens on hover (and on keyboard focus)
        page.click(".mainnav a[href='/upload']")
        page.wait_for_url(server + "/upload")
        assert DEPT in page.locator(".fixed-value").inner_text()
        page.screenshot(path=str(ARTIFACTS / "upload.png"), full_page=True)

        for name, value in {
            "matter.name": doc["matter"]["name"], "matter.code": doc["matter"]["code"], "title": doc["title"],
            "doc_number": doc["doc_number"], "applicant.name": a["name"], "applicant.uscc": a["uscc"][:-1] + ("0" if a["uscc"][-1] != "0" else "1"),
            "applicant.legal_representative": a["legal_representative"], "applicant.address": a["address"],
            "accepted_at": doc["accepted_at"], "decided_at": doc["decided_at"], "result": doc["result"],
            "district": doc["district"], "industry": doc["industry"],
        }.items():  # fmt: skip
            page.fill(f'[name="{name}"]', value)
        # All but one file chosen with the picker, the last one dropped onto the drop zone.
        page.set_input_files("#file-input", [str(p) for p in paths[:-1]])
        dropped = paths[-1]
        page.evaluate(
            """([name, bytes]) => {
                const dt = new DataTransfer();
                dt.items.add(new File([new Uint8Array(bytes)], name, {type: 'application/pdf'}));
                document.getElementById('dropzone').dispatchEvent(new DragEvent('drop', {dataTransfer: dt, bubbles: true}));
            }""",
            [dropped.name, list(dropped.read_bytes())],
        )
        assert page.locator("#file-table tbody tr").count() == len(paths) >= 2
        roles = page.locator("#file-table tbody input").evaluate_all("els => els.map(e => e.value)")
        assert "决定书" in roles and "申请书" in roles  # guessed from the file names

        page.click("#submit-btn")  # the USCC's check character is wrong
        error = page.locator('.field-error[data-for="applicant.uscc"]')
        error.wait_for(state="visible")
        assert "校验" in error.inner_text()
        assert page.locator('[name="applicant.uscc"]').get_attribute("aria-invalid") == "true"
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(ARTIFACTS / "upload-errors.png"), full_page=True)

        page.fill('[name="applicant.uscc"]', a["uscc"])
        page.click("#submit-btn")
        page.locator("#archival-code").wait_for(state="visible")
        code = page.locator("#archival-code").inner_text()
        assert re.fullmatch(r"Z001-\d{4}-D30-\w+-\d{4}", code), code
        assert page.locator('.field-error[data-for="applicant.uscc"]').inner_text() == ""
        assert page.locator("#progress-wrap").is_hidden()
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(ARTIFACTS / "upload-done.png"), full_page=True)

        page.click("#upload-result a[href^='/records/']")
        page.wait_for_url(re.compile(r".*/records/[0-9A-Z]+$"))
        assert code in page.locator(".record-head").inner_text()
        assert page.locator(".files-table tbody tr").count() == len(paths)
    finally:
        context.close()
    assert not foreign, f"requests left the server: {foreign}"
    assert not problems, f"browser console errors: {problems}"


def test_administrator_creates_an_api_key(server: str, browser: Browser) -> None:
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    page = context.new_page()
    foreign, problems = _watch(page, server)
    try:
        _login(page, server, "admin")
        page.click(".mainnav a[href='/admin/apikeys']")
        page.wait_for_url(server + "/admin/apikeys")
        page.fill("#k-system", "scjg-approval")
        page.fill("#k-department", DEPT)
        page.fill("#k-matters", "食品经营许可，SCJG-XK-002")
        page.fill("#k-label", "市场监管审批系统（生产）")
        page.click(".key-form button[type=submit]")
        key = page.locator("#new-key").inner_text()
        assert key.startswith("dgk_")
        assert page.locator(".keys-table tbody tr").count() == 1
        page.screenshot(path=str(ARTIFACTS / "apikeys.png"), full_page=True)
    finally:
        context.close()
    assert not foreign and not problems, (foreign, problems)
