"""The real thing: `dangan demo` + `dangan serve` in a subprocess, driven by Debian's Chromium.

Screenshots go to test-artifacts/ at the repository root (login, home, records, search, record,
preview, api-docs) so people can look at what the browser saw.
"""

from __future__ import annotations

import importlib.util
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "Dangan@2024"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for_port(port: int, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited early with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"server did not listen on port {port} within {timeout}s")


def _dangan(*args: str) -> list[str]:
    return [sys.executable, "-m", "dangan", *args]


@contextmanager
def demo_served(data: Path, count: int) -> Iterator[str]:
    """`dangan demo --count N` into `data`, then `dangan serve` on a free port: its base URL."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DANGAN_")}
    demo = subprocess.run(_dangan("demo", "--count", str(count), "--data", str(data)), env=env, timeout=600,
                          capture_output=True, text=True)  # fmt: skip
    assert demo.returncode == 0, f"dangan demo failed:\n{demo.stderr[-3000:]}"
    port = _free_port()
    proc = subprocess.Popen(_dangan("serve", "--data", str(data), "--port", str(port)), env=env)
    try:
        _wait_for_port(port, proc)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with demo_served(tmp_path_factory.mktemp("e2e") / "data", 40) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    from playwright import sync_api

    assert Path(CHROMIUM).exists(), (
        "Debian chromium is missing: run scripts/setup.sh (apt-get install chromium)"
    )
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


def test_archivist_logs_in_searches_and_previews(server: str, browser: Browser) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    page = context.new_page()
    foreign: list[str] = []
    problems: list[str] = []
    page.on("request", lambda r: None if r.url.startswith(server) else foreign.append(r.url))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    try:
        page.goto(server + "/")
        assert "/login?next=" in page.url
        assert page.locator(".demo-hint").is_visible()
        page.screenshot(path=str(ARTIFACTS / "login.png"), full_page=True)

        page.fill("#username", "archivist")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(server + "/")
        assert page.locator(".role-badge").inner_text() == "档案管理员"
        records = int(page.locator(".stat-value").first.inner_text().replace(",", ""))
        assert records == 40
        page.screenshot(path=str(ARTIFACTS / "home.png"), full_page=True)

        page.click(".mainnav a[href='/records']")
        page.wait_for_url(server + "/records")
        assert int(page.locator(".page-head .total").inner_text()) == 40
        assert page.locator(".records-table tbody tr").count() == 20
        page.screenshot(path=str(ARTIFACTS / "records.png"), full_page=True)
        page.goto(server + "/")

        # Search for the most frequent approval matter: a word we know is in the demo data.
        matter = page.locator(".facet-grid .panel").nth(1).locator(".facet-name").first.inner_text()
        assert page.locator("form[role=search]").count() == 1  # one search box on the home page, the header's
        page.fill(".quick-search input[name=q]", matter)
        page.click(".quick-search button")
        page.wait_for_url(re.compile(r".*/search\?q=.*"))
        total = int(page.locator(".search-summary .total").inner_text())
        assert total >= 1
        assert page.locator(".chip").count() >= 1
        page.screenshot(path=str(ARTIFACTS / "search.png"), full_page=True)

        page.locator(".hits .hit-title a").first.click()
        page.wait_for_url(re.compile(r".*/records/[0-9A-Z]+(\?.*)?$"))
        assert page.locator(".meta-table").first.is_visible()
        page.screenshot(path=str(ARTIFACTS / "record.png"), full_page=True)

        pdf_row = page.locator(".files-table tbody tr", has_text="application/pdf").first
        pdf_row.locator("a", has_text="预览").click()
        page.wait_for_url(re.compile(r".*/files/\d+$"))
        image = page.locator("img.page-image").first
        image.wait_for(state="visible")
        page.wait_for_function("() => { const i = document.querySelector('img.page-image'); "
                               "return i && i.complete && i.naturalWidth > 0; }")  # fmt: skip
        assert image.evaluate("img => img.naturalWidth") > 0
        page.screenshot(path=str(ARTIFACTS / "preview.png"))

        page.goto(server + "/api/docs")
        if importlib.util.find_spec("swagger_ui_bundle"):
            page.wait_for_selector(".swagger-ui .opblock", timeout=15000)
            search_path = re.compile(r"^\s*/api/v1/search\s*$")  # not /api/v1/search/synonyms
            assert page.locator(".opblock-summary-path", has_text=search_path).count() == 1
        else:  # the built-in reference page
            assert page.locator(".api-op", has_text=re.compile(r"/api/v1/search(?!/)")).count() >= 1
        page.screenshot(path=str(ARTIFACTS / "api-docs.png"))

        page.goto(server + "/")
        page.click(".logout-form button")
        page.wait_for_url(re.compile(r".*/login\?logged_out=1$"))
    finally:
        context.close()
    assert not foreign, f"requests left the server: {foreign}"
    assert not problems, f"browser console errors: {problems}"
