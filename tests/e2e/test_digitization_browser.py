"""Scanned pages in Chromium: the demo's scans read by the server's own background jobs, the record page's
scan section, the page viewer whose boxes sit on the image (a line and its box light up together), and
the batch list. Screenshots go to test-artifacts/ (scan-*.png)."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.e2e.test_browser import ARTIFACTS, demo_served
from tests.e2e.test_upload_browser import _login, _watch, browser  # noqa: F401  (fixture)

if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def scanned_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """A demo archive served with its background jobs; waits until they have read one scan."""
    data = tmp_path_factory.mktemp("scan-e2e") / "data"
    with demo_served(data, 30) as url:
        yield url, _first_read_scan(data / "catalog.db")


def _first_read_scan(catalog: Path, timeout: float = 240) -> str:
    """The record of the first scan the server's jobs finished (queued by the demo's import)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with sqlite3.connect(catalog) as db:
            row = db.execute(
                "SELECT record_id FROM digitization_file WHERE status = 'done' LIMIT 1"
            ).fetchone()
        if row:
            return str(row[0])
        time.sleep(1)
    raise AssertionError("the server's background jobs read no scan")


def test_a_scanned_page_is_shown_with_its_boxes_on_it(
    scanned_server: tuple[str, str],
    browser: Browser,  # noqa: F811
) -> None:
    server, record_id = scanned_server
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": 1366, "height": 1000}, locale="zh-CN")
    page = context.new_page()
    foreign, problems = _watch(page, server)
    try:
        _login(page, server, "archivist")
        page.goto(f"{server}/records/{record_id}")
        section = page.locator("#scans")
        assert "扫描件识别" in section.inner_text() and "已完成" in section.inner_text()
        section.screenshot(path=str(ARTIFACTS / "scan-record.png"))
        with page.expect_navigation():
            section.locator("a", has_text="查看").first.click()
        page.wait_for_function("document.getElementById('scan-overlay').getAttribute('viewBox')")
        size = page.evaluate("[document.getElementById('scan-image').naturalWidth, "
                             "document.getElementById('scan-image').naturalHeight]")  # fmt: skip
        assert page.locator("#scan-overlay").get_attribute("viewBox") == f"0 0 {size[0]} {size[1]}"
        lines = page.locator(".ocr-lines li")
        assert lines.count() >= 3
        lines.nth(1).hover()
        lit = page.locator("#scan-overlay rect.lit")
        assert lit.count() == 1 and lit.get_attribute("data-line") == "1"
        box = lit.bounding_box()
        image = page.locator("#scan-image").bounding_box()
        assert (
            box
            and image
            and image["x"] <= box["x"]
            and box["x"] + box["width"] <= image["x"] + image["width"] + 1
        )
        page.screenshot(path=str(ARTIFACTS / "scan-page.png"), full_page=True)
        page.goto(f"{server}/records/{record_id}/describe")  # the fields read from it, beside the page
        boxed = page.locator("#scan-overlay rect.box-field").first.get_attribute("data-field")
        page.locator(f'.describe-table tr[data-field="{boxed}"]').hover()
        assert page.locator(f'#scan-overlay rect.box-field.lit[data-field="{boxed}"]').count() >= 1
        page.screenshot(path=str(ARTIFACTS / "scan-describe.png"), full_page=True)
        page.goto(server + "/digitization")
        assert page.locator("table progress").count() >= 1
        page.screenshot(path=str(ARTIFACTS / "scan-batches.png"), full_page=True)
        assert not foreign and not problems, (foreign, problems)
    finally:
        context.close()
