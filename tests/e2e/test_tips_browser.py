"""The ⓘ tips in Chromium: shown on hover and on keyboard focus, and dismissible with Esc without moving
the pointer or the focus (WCAG 1.4.13), then shown again on the next hover or focus."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from tests.e2e.test_browser import demo_served
from tests.e2e.test_help_screenshots import DEMO_ACCOUNTS
from tests.e2e.test_tour import dismiss_tour
from tests.e2e.test_upload_browser import _login, browser  # noqa: F401  (fixture)

if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with demo_served(tmp_path_factory.mktemp("tips-e2e") / "data", 4) as url:
        yield url


def test_escape_hides_a_tip_opened_by_hover_or_focus(server: str, browser: Browser) -> None:  # noqa: F811
    context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        _login(page, server, DEMO_ACCOUNTS["clerk"])
        dismiss_tour(page)  # the first-login tour, not wanted here
        page.goto(server + "/upload")
        tip = page.locator('label[for="f-retention"] + .tip')
        icon, text = tip.locator(".tip-icon"), tip.locator(".tip-text")
        icon.scroll_into_view_if_needed()
        assert not text.is_visible()

        icon.hover()
        assert text.is_visible() and "保管期限" in text.inner_text()
        page.keyboard.press("Escape")
        assert not text.is_visible(), "Esc did not hide the hovered tip"
        icon.hover()  # the pointer has not left: it stays dismissed
        assert not text.is_visible()
        page.mouse.move(5, 5)  # the pointer leaves, then comes back: shown again
        icon.hover()
        assert text.is_visible()
        page.mouse.move(5, 5)

        icon.focus()
        assert text.is_visible(), "keyboard focus does not show the tip"
        page.keyboard.press("Escape")
        assert not text.is_visible(), "Esc did not hide the focused tip"
        assert page.evaluate("document.activeElement.classList.contains('tip-icon')")  # focus not moved
        page.keyboard.press("Tab")
        page.keyboard.press("Shift+Tab")
        assert text.is_visible(), "focus came back but the tip stayed hidden"
        assert not errors, errors
    finally:
        context.close()
