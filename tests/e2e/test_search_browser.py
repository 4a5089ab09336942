"""Search in Chromium as staff use it: "/" to the box from any page, a sentence read into chips, a chip
taken off with the keyboard, a facet that adds a condition, highlighted words in the hits.

Screenshots go to test-artifacts/ (search-*.png).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.e2e.test_browser import ARTIFACTS
from tests.e2e.test_upload_browser import _login, _watch, browser, server  # noqa: F401  (fixtures)

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.e2e


def _shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"search-{name}.png"), full_page=True)


def _total(page: Page) -> int:
    return int(page.locator(".search-summary .total").inner_text())


def test_a_sentence_becomes_chips_that_come_off(server: str, browser: Browser) -> None:  # noqa: F811
    context = browser.new_context(viewport={"width": 1366, "height": 1000}, locale="zh-CN")
    page = context.new_page()
    foreign, problems = _watch(page, server)
    try:
        _login(page, server, "archivist")
        page.goto(server + "/records")
        page.keyboard.press("/")  # from any page, straight into the search strip
        page.keyboard.type("市场监管局的食品经营许可 申请书")
        page.keyboard.press("Enter")
        page.wait_for_url("**/search?**")
        chips = page.locator(".chip-filter")
        assert chips.count() == 2
        assert "秦皇岛市市场监督管理局" in chips.nth(0).inner_text()
        assert "食品经营许可" in chips.nth(1).inner_text()
        narrowed = _total(page)
        assert narrowed >= 1
        assert page.locator(".hit-title mark").first.inner_text() == "食品经营许可"
        assert page.locator(".hit-snippet mark").count() >= 1  # 申请书 found in the materials
        _shot(page, "chips")
        page.goto(server + "/search?q=申请书")  # words only: hits of every department, facets beside them
        everything = _total(page)
        facet = page.locator(".search-facets .facet-list a").first
        assert facet.is_visible()
        with page.expect_navigation():
            facet.click()
        assert page.locator(".chip-filter").count() == 1  # the facet became a condition
        assert 0 < _total(page) < everything
        _shot(page, "facet")
        page.locator(".chip-filter .chip-remove").first.focus()  # and comes off again, by keyboard
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert page.locator(".chip-filter").count() == 0 and _total(page) == everything
        page.goto(server + "/search?q=" + "2010年海淀区的食品经营许可")
        assert _total(page) == 0 and "去掉" in page.locator("main").inner_text()
        assert not foreign and not problems, (foreign, problems)
    finally:
        context.close()
