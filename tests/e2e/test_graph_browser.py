"""The knowledge graph in Chromium: the graph view of a demo enterprise drawn by the vendored ECharts,
a node expanded by clicking it, and the enterprise's 360° page; no console errors (the CSP allows no
inline script or style) and no request leaves the server. Screenshots go to test-artifacts/ (graph-*.png)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from typing import TYPE_CHECKING
from urllib.parse import quote

import pytest

from tests.e2e.test_browser import ARTIFACTS, demo_served
from tests.e2e.test_upload_browser import _login, _watch, browser  # noqa: F401  (fixture)

if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytestmark = pytest.mark.e2e

# Where the first node other than the centre is drawn, in page pixels relative to the chart's box.
NODE_PIXEL = """() => {
  const chart = echarts.getInstanceByDom(document.getElementById('graph-chart'));
  const data = chart.getModel().getSeriesByIndex(0).getData();
  const center = document.getElementById('graph-chart').dataset.center;
  for (let i = 0; i < data.count(); i++) {
    const id = data.getId(i);
    if (id === center) continue;
    const at = data.getItemLayout(i);
    const px = chart.convertToPixel({seriesIndex: 0}, at);
    if (px && px[0] > 20 && px[1] > 40) return {id: id, x: px[0], y: px[1]};
  }
  return null;
}"""


@pytest.fixture(scope="module")
def graph_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """A demo archive (its ingest builds the graph) served; the USCC of its busiest enterprise."""
    data = tmp_path_factory.mktemp("graph-e2e") / "data"
    with demo_served(data, 30) as url:
        with sqlite3.connect(data / "catalog.db") as db:
            row = db.execute(
                "SELECT applicant_uscc FROM record WHERE applicant_uscc IS NOT NULL "
                "GROUP BY applicant_uscc ORDER BY COUNT(*) DESC, applicant_uscc LIMIT 1"
            ).fetchone()
        assert row, "the demo has no enterprise with a USCC"
        yield url, str(row[0])


def test_the_graph_view_and_the_360_page(graph_server: tuple[str, str], browser: Browser) -> None:  # noqa: F811
    server, uscc = graph_server
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": 1366, "height": 1000}, locale="zh-CN")
    page = context.new_page()
    foreign, problems = _watch(page, server)
    try:
        _login(page, server, "archivist")
        page.goto(f"{server}/graph?center={uscc}&hops=2")
        page.wait_for_selector("#graph-chart[data-loaded]", state="attached")
        assert page.locator("#graph-chart").get_attribute("data-loaded") == "1"
        page.wait_for_selector("#graph-chart canvas")
        assert page.locator("#graph-error").is_hidden()
        assert uscc in page.locator("#graph-detail").inner_text()
        page.screenshot(path=str(ARTIFACTS / "graph-view.png"), full_page=True)

        target = page.evaluate(NODE_PIXEL)
        assert target, "no node drawn besides the centre"
        box = page.locator("#graph-chart").bounding_box()
        assert box
        encoded = quote(target["id"], safe="-_.!~*'()")
        with page.expect_response(lambda r: "/api/v1/graph/related?center=" + encoded in r.url) as expanded:
            page.mouse.click(box["x"] + target["x"], box["y"] + target["y"])
        assert expanded.value.ok  # the clicked node's neighbourhood, merged into the drawing
        page.wait_for_selector(f'#graph-detail a[href="/graph?center={encoded}"]')
        assert "以此为中心" in page.locator("#graph-detail").inner_text()
        page.screenshot(path=str(ARTIFACTS / "graph-expanded.png"), full_page=True)

        page.uncheck("#graph-kinds input[value=department]")  # filtering redraws without errors
        page.goto(f"{server}/graph?center=不存在的企业名称")
        page.wait_for_selector("#graph-chart[data-loaded]", state="attached")
        assert page.locator("#graph-error").is_visible() and "知识图谱中没有" in page.inner_text(
            "#graph-error"
        )

        page.goto(f"{server}/graph/enterprise/{uscc}")
        assert page.locator("#enterprise-uscc").inner_text() == uscc
        assert page.locator("#timeline li").count() >= 1
        page.screenshot(path=str(ARTIFACTS / "graph-enterprise.png"), full_page=True)
        problems = [p for p in problems if "404" not in p]  # the missing name's API answer is logged
        assert not problems, problems
        assert not foreign, foreign
    finally:
        context.close()
