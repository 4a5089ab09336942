"""The manual's screenshots, taken from the real pages in Chromium: each manual page that names a screen
is opened as its role on a demo archive, every label the manual names must be visible there (a changed
page breaks this test, not the manual), and the page is saved as src/dangan/web/help/img/<shot>.png,
which the manual and its PDF embed. Run it after changing a page to refresh the pictures."""

from __future__ import annotations

from collections.abc import Iterator
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
