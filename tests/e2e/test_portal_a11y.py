"""The public portal in Chromium, checked for accessibility: every form control labelled, images with alt
text, headings in order, text contrast of at least 4.5:1 (WCAG 2 relative luminance, computed in the page
from getComputedStyle), no horizontal scrolling at 360 px, and keyboard-only use — Tab to the search
box, type, Enter; Tab through the progress form and submit. Screenshots go to test-artifacts/portal-*.png."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.e2e.test_browser import ARTIFACTS, _dangan, _free_port, _wait_for_port, browser  # noqa: F401
from tests.factories import package_dir

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.e2e

DEPT = "秦皇岛市市场监督管理局"
USCC = "91130302MA2X57DG01"
MAX_TABS = 40

# Problems found in the page: unlabeled controls, images without alt, skipped heading levels, and text
# whose contrast with the background it is drawn on is below 4.5:1.
AUDIT = """() => {
  const problems = [];
  const visible = (el) => {
    const s = getComputedStyle(el), r = el.getBoundingClientRect();
    return s.visibility !== 'hidden' && s.display !== 'none' && r.width > 0 && r.height > 0;
  };
  for (const el of document.querySelectorAll('input, select, textarea')) {
    if (el.type === 'hidden') continue;
    const named = (el.labels && el.labels.length) || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
    if (!named) problems.push('unlabelled control: ' + (el.name || el.id || el.outerHTML.slice(0, 60)));
  }
  for (const img of document.querySelectorAll('img')) {
    if (!img.hasAttribute('alt')) problems.push('image without alt: ' + img.src);
  }
  const heads = [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')].filter(visible);
  if (!heads.length || heads[0].tagName !== 'H1') problems.push('the first heading is not h1');
  if (heads.filter((h) => h.tagName === 'H1').length !== 1) problems.push('not exactly one h1');
  for (let i = 1; i < heads.length; i++) {
    const prev = +heads[i - 1].tagName[1], cur = +heads[i].tagName[1];
    if (cur > prev + 1) problems.push('heading level skipped: ' + heads[i - 1].tagName + ' -> ' + heads[i].tagName);
  }
  const rgba = (text) => {
    const m = text.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return [0, 0, 0, 0];
    const p = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  };
  const over = (top, under) => {
    const a = top[3];
    return [0, 1, 2].map((i) => top[i] * a + under[i] * (1 - a)).concat([1]);
  };
  const background = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = rgba(getComputedStyle(e).backgroundColor);
      if (c[3] > 0) layers.push(c);
      if (c[3] >= 1) break;
    }
    let colour = [255, 255, 255, 1];
    for (const layer of layers.reverse()) colour = over(layer, colour);
    return colour;
  };
  const luminance = (c) => {
    const ch = c.slice(0, 3).map((v) => {
      const s = v / 255;
      return s <= 0.04045 ? s / 12.92 : Math.pow((s + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * ch[0] + 0.7152 * ch[1] + 0.0722 * ch[2];
  };
  let checked = 0;
  for (const el of document.body.querySelectorAll('*')) {
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own || !visible(el) || el.closest('[aria-hidden="true"]')) continue;
    const bg = background(el);
    const fg = over(rgba(getComputedStyle(el).color), bg);
    const [a, b] = [luminance(fg), luminance(bg)];
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    checked++;
    if (ratio < 4.5) problems.push('contrast ' + ratio.toFixed(2) + ': "' + el.textContent.trim().slice(0, 30) + '"');
  }
  if (!checked) problems.push('no text checked');
  return problems;
}"""


@pytest.fixture(scope="module")
def portal_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A small archive of public and internal cases, imported and served by `dangan serve`."""
    from dangan.core import load_settings
    from dangan.services.archive import open_archive
    from dangan.services.intake import import_paths

    root = tmp_path_factory.mktemp("portal-e2e")
    firm = {"name": "港城安泰饭店有限公司", "type": "企业", "uscc": USCC, "legal_representative": "钟文博",
            "id_number": "13030219980925243X", "phone": "13916381378", "address": "秦皇岛市海港区和平大街287号"}  # fmt: skip
    open_pkg = package_dir(root / "in", 8101, department=DEPT, security_level="公开", open_to_public=True,
                           title="关于港城安泰饭店有限公司食品经营许可的审批", applicant=firm)  # fmt: skip
    package_dir(root / "in", 8102, department=DEPT, security_level="公开", open_to_public=True,
                title="关于港城第二家企业食品经营许可的审批")  # fmt: skip
    package_dir(root / "in", 8103, department=DEPT, security_level="内部", open_to_public=False)
    archive = open_archive(load_settings(root / "data"))
    try:
        report = import_paths(archive, [root / "in"])
        assert not report.rejected, report.as_json()["rejected"]
        first = next(o for o in report.accepted if Path(o.origin).name == open_pkg.name)
        record_id, source_id = str(first.record_id), str(first.source_id)
    finally:
        archive.close()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DANGAN_")}
    env["DANGAN_EMBED_INTERVAL"] = "0"
    port = _free_port()
    proc = subprocess.Popen(_dangan("serve", "--data", str(root / "data"), "--port", str(port)), env=env)
    try:
        _wait_for_port(port, proc)
        yield {"url": f"http://127.0.0.1:{port}", "record_id": record_id, "source_id": source_id}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _audit(page: Page, where: str) -> list[str]:
    found: list[str] = page.evaluate(AUDIT)
    return [f"{where}: {p}" for p in found]


def _tab_to(page: Page, selector: str) -> None:
    """Press Tab until `selector` has the focus (the keyboard path a person would take)."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement === document.querySelector(s)", selector):
            return
    raise AssertionError(f"{selector} is not reachable by Tab")


def _watch(page: Page, server: str) -> tuple[list[str], list[str]]:
    foreign: list[str] = []
    problems: list[str] = []
    page.on("request", lambda r: None if r.url.startswith(server) else foreign.append(r.url))
    page.on(
        "console", lambda m: problems.append(m.text) if m.type == "error" and "404" not in m.text else None
    )
    page.on("pageerror", lambda e: problems.append(str(e)))
    return foreign, problems


@pytest.mark.parametrize("width", [1280, 360])
def test_the_portal_is_accessible_and_usable_by_keyboard(
    portal_server: dict[str, str],
    browser: Browser,  # noqa: F811
    width: int,
) -> None:
    server = portal_server["url"]
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
    page = context.new_page()
    foreign, errors = _watch(page, server)
    problems: list[str] = []
    wide: list[str] = []

    def check(where: str) -> None:
        problems.extend(_audit(page, where))
        if page.evaluate("() => document.documentElement.scrollWidth") > width:
            wide.append(where)
        page.screenshot(path=str(ARTIFACTS / f"portal-{where}-{width}.png"), full_page=True)

    try:
        page.goto(server + "/portal")
        check("home")
        _tab_to(page, "#home-q")
        page.keyboard.type("港城")
        page.keyboard.press("Enter")
        page.wait_for_url("**/portal/search?q=*")
        assert "共找到 2 件公开档案" in page.inner_text("main")
        check("search")
        page.goto(f"{server}/portal/records/{portal_server['record_id']}")
        assert "港城安泰饭店" in page.inner_text("h1") and "13916381378" not in page.content()
        check("record")
        page.goto(server + "/portal/search?q=" + "完全没有的词语")
        check("empty")

        page.goto(server + "/portal/progress")
        check("progress")
        _tab_to(page, "#progress-application")
        page.keyboard.type(portal_server["source_id"])
        page.keyboard.press("Tab")
        assert page.evaluate("() => document.activeElement.id") == "progress-check"
        page.keyboard.type(USCC[-6:].lower())
        page.keyboard.press("Enter")
        page.wait_for_selector(".portal-answer")
        assert "已办结" in page.inner_text(".portal-answer")
        check("progress-answer")
        _tab_to(page, "#progress-application")
        page.keyboard.type("X")  # the number with an X appended exists nowhere
        _tab_to(page, "#progress-check")
        page.keyboard.type("ABCDEF")
        page.keyboard.press("Enter")
        page.wait_for_selector(".alert-error")
        check("progress-not-found")
    finally:
        context.close()
    assert not problems, problems
    assert not wide, f"horizontal scrolling at {width}px: {wide}"
    assert not foreign, foreign
    assert not errors, errors
