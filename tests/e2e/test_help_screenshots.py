"""The manual's screenshots, taken from the real pages in Chromium: each manual page that names a screen
is opened as its role on a demo archive, every label the manual names must be visible there (a changed
page breaks this test, not the manual), and the page is saved as src/dangan/web/help/img/<shot>.png,
which the manual and its PDF embed. Run it after changing a page to refresh the pictures."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from dangan.web.help import IMG_DIR, load_manual
from tests.e2e.test_browser import demo_served
from tests.e2e.test_upload_browser import _login, browser  # noqa: F401  (fixture)

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.e2e
DEMO_ACCOUNTS = {"archivist": "archivist", "clerk": "clerk2", "dept_head": "head2", "reader": "reader",
                 "sysadmin": "admin", "secadmin": "secadmin", "auditor": "auditor"}  # fmt: skip


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with demo_served(tmp_path_factory.mktemp("help-e2e") / "data", 12) as url:
        yield url


def _first_record(page: Page, server: str) -> str:
    page.goto(server + "/records")
    href = page.locator("table a[href^='/records/']").first.get_attribute("href")
    assert href, "the demo archive shows no record"
    return href.split("/")[2]


def test_manual_screens_show_what_the_manual_names(server: str, browser: Browser) -> None:  # noqa: F811
    pages = [p for p in load_manual().pages if p.screen]
    by_role: dict[str | None, list] = {}  # type: ignore[type-arg]
    for p in pages:
        by_role.setdefault(p.as_role, []).append(p)
    IMG_DIR.mkdir(exist_ok=True)
    missing: list[str] = []
    shots = 0
    for role, role_pages in by_role.items():
        context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="zh-CN")
        page = context.new_page()
        try:
            if role:
                _login(page, server, DEMO_ACCOUNTS[role])
                from tests.e2e.test_tour import dismiss_tour

                dismiss_tour(page)  # the manual shows the pages, not the first-login tour over them
            record = _first_record(page, server) if role in ("archivist", "clerk", "reader") else ""
            for help_page in role_pages:
                assert help_page.screen is not None
                page.goto(server + help_page.screen.replace("{record}", record))
                page.wait_for_load_state("networkidle")
                shown = page.locator("body").inner_text()  # rendered text only: hidden menus do not count
                missing += [f"{help_page.slug}: {x}" for x in help_page.labels if x not in shown]
                if help_page.shot:
                    page.screenshot(path=str(IMG_DIR / f"{help_page.shot}.png"))
                    shots += 1
        finally:
            context.close()
    assert not missing, missing
    assert 10 <= shots <= 20


SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
NEW_USER_ROLES = ("archivist", "clerk", "dept_head")


def _enter_practice(page: Page, server: str) -> None:
    """进入练习模式 as a new user does: the first time the sandbox is built in the background, and the
    practice page asks to press the button again once it is ready."""
    page.goto(server + "/practice")
    for _ in range(90):
        if page.locator("#practice-banner").count():
            return
        if page.locator("#practice-enter").count():
            page.click("#practice-enter")
            page.wait_for_load_state("networkidle")
        else:
            page.wait_for_timeout(2000)
            page.goto(server + "/practice")
    raise AssertionError("practice mode did not open")


def test_tour_and_practice_screenshots_for_new_users(server: str, browser: Browser) -> None:  # noqa: F811
    """docs/screenshots/: the first two tour steps and practice mode of three roles, as a new user sees
    them (the README's tour section links these files)."""
    from tests.e2e.test_tour import walk_tour

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    for role in NEW_USER_ROLES:
        context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="zh-CN")
        page = context.new_page()
        try:
            _login(page, server, DEMO_ACCOUNTS[role])
            # what a new user sees first: the tour's step 1 (first login) or its welcome card (a later one)
            page.wait_for_selector('#tour-offer, #tour-bubble[data-step="0"]', timeout=10_000)
            page.screenshot(path=str(SCREENSHOTS / f"tour-{role}-0.png"))
            problems += walk_tour(page, server, role, SCREENSHOTS)
            _enter_practice(page, server)
            page.screenshot(path=str(SCREENSHOTS / f"practice-{role}.png"), full_page=True)
            page.goto(server + "/search?q=" + "食品经营许可")
            page.wait_for_load_state("networkidle")
            assert page.locator("#practice-banner").is_visible(), role  # the banner is on every page
            page.screenshot(path=str(SCREENSHOTS / f"practice-{role}-search.png"))
        finally:
            context.close()
    assert not problems, problems
    names = {p.name for p in SCREENSHOTS.glob("*.png")}
    for role in NEW_USER_ROLES:
        expected = {f"tour-{role}-{n}.png" for n in (0, 1, 2)} | {
            f"practice-{role}.png",
            f"practice-{role}-search.png",
        }
        assert expected <= names, expected - names
