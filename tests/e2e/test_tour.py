"""The guided first tour, walked in Chromium as each role on a demo archive: it starts by itself on a
user's first login (later logins in a new browser get a welcome card instead), every step's element exists and is visible on its page (nav menus opened by the tour),
the keyboard drives it, skipping pauses it, and the help page resumes and restarts it. A page that
loses a step's `data-tour` element breaks this test, not the tour."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from dangan.web.help import load_tours
from tests.e2e.test_browser import demo_served
from tests.e2e.test_help_screenshots import DEMO_ACCOUNTS
from tests.e2e.test_upload_browser import _login, browser  # noqa: F401  (fixture)

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Error, Page

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with demo_served(tmp_path_factory.mktemp("tour-e2e") / "data", 12) as url:
        yield url


def begin_tour(page: Page) -> None:
    """Step 1 on screen: started by itself on a first login, else from the welcome card."""
    page.wait_for_selector('#tour-offer, #tour-bubble[data-step="0"]', timeout=10_000)
    if page.locator("#tour-offer").count():
        page.click("#tour-offer >> text=开始导览")


def dismiss_tour(page: Page) -> None:
    """Out of the way, for browser tests about something else: skip the tour or put off its card."""
    page.wait_for_load_state("networkidle")
    if page.locator("#tour-skip").count():
        page.click("#tour-skip")
    elif page.locator("#tour-offer").count():
        page.click("#tour-offer >> text=以后再说")


def walk_tour(
    page: Page, server: str, role: str, shots: Path | None = None, shot_steps: int = 2
) -> list[str]:
    """Begin the tour and press 下一步 to the end; the problems found, step by step. With `shots`,
    the first `shot_steps` steps are saved as <shots>/tour-<role>-<n>.png."""
    problems: list[str] = []
    steps = load_tours()[role]
    begin_tour(page)
    for n, step in enumerate(steps):
        bubble = page.wait_for_selector(f'#tour-bubble[data-step="{n}"]', timeout=10_000)
        assert bubble is not None
        where = f"{role} step {n + 1} {step.page} {step.selector}"
        if page.url.split(server, 1)[1].split("?")[0] != step.page:
            problems.append(f"{where}: shown on {page.url}")
        target = page.locator(step.selector)
        if target.count() != 1:
            problems.append(f"{where}: {target.count()} elements")
        elif not target.is_visible() or "tour-target" not in (target.get_attribute("class") or ""):
            problems.append(f"{where}: not visible or not highlighted")
        if step.title not in bubble.inner_text():
            problems.append(f"{where}: bubble does not show the step")
        if "没有找到" in bubble.inner_text():
            problems.append(f"{where}: the tour found no element")
        if shots is not None and n < shot_steps:
            page.screenshot(path=str(shots / f"tour-{role}-{n + 1}.png"))
        page.click("#tour-next")
    page.wait_for_selector("#tour-bubble", state="detached")
    return problems


def _noting(errors: list[str], role: str) -> Callable[[Error], None]:
    return lambda e: errors.append(f"{role}: {e}")


def test_every_roles_tour_walks_over_visible_elements(server: str, browser: Browser) -> None:  # noqa: F811
    problems: list[str] = []
    errors: list[str] = []
    for role in load_tours():
        context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="zh-CN")
        page = context.new_page()
        page.on("pageerror", _noting(errors, role))
        try:
            _login(page, server, DEMO_ACCOUNTS[role])
            # this role's first login on this archive: step 1 is on screen without asking
            page.wait_for_selector('#tour-bubble[data-step="0"]', timeout=10_000)
            assert page.locator("#tour-offer").count() == 0, role
            problems += walk_tour(page, server, role)
            page.goto(server + "/")  # finished: not offered again
            page.wait_for_load_state("networkidle")
            assert page.locator("#tour-offer, #tour-bubble, #tour-resume").count() == 0, role
        finally:
            context.close()
        again = browser.new_context(viewport={"width": 1280, "height": 860}, locale="zh-CN")
        try:  # a later login in another browser: offered by the welcome card, never forced again
            later = again.new_page()
            _login(later, server, DEMO_ACCOUNTS[role])
            later.wait_for_selector("#tour-offer", timeout=10_000)
            assert later.locator("#tour-bubble").count() == 0, role
        finally:
            again.close()
    assert not problems + errors, problems + errors


def test_tour_is_keyboard_operable_skippable_resumable_and_restartable(
    server: str,
    browser: Browser,  # noqa: F811
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="zh-CN")
    page = context.new_page()
    try:
        _login(page, server, DEMO_ACCOUNTS["clerk"])
        begin_tour(page)
        page.wait_for_selector('#tour-bubble[data-step="0"]')
        assert page.evaluate("document.activeElement.id") == "tour-next"  # focus is in the bubble
        page.keyboard.press("ArrowRight")  # step 2 is on /upload: the tour goes there
        page.wait_for_selector('#tour-bubble[data-step="1"]')
        assert page.url.endswith("/upload")
        page.keyboard.press("Escape")  # skip: paused where it was
        page.wait_for_selector("#tour-bubble", state="detached")
        page.goto(server + "/")
        page.wait_for_load_state("networkidle")
        assert page.locator("#tour-offer").count() == 0  # skipped means not offered again
        page.goto(server + "/help")
        resume = page.wait_for_selector("[data-tour-resume]:not([hidden])")
        assert resume is not None and "第 2 步" in resume.inner_text()
        resume.click()
        page.wait_for_selector('#tour-bubble[data-step="1"]')
        page.click("#tour-back")
        page.wait_for_selector('#tour-bubble[data-step="0"]')
        page.goto(server + "/help")
        page.click("[data-tour-restart]")
        page.wait_for_selector('#tour-bubble[data-step="0"]')
        page.goto(server + "/records")  # wandered off mid-tour: a small pill offers to continue
        pill = page.wait_for_selector("#tour-resume")
        assert pill is not None and "第 1 /" in pill.inner_text()
        page.click("#tour-resume >> text=继续")
        page.wait_for_selector('#tour-bubble[data-step="0"]')
    finally:
        context.close()
