"""Browse filters a clerk expects: district, result, keyword and sort, with counts that follow the other
active filters (what choosing a value would give), on any screen width."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi.testclient import TestClient

from dangan.services.accounts import get_principal
from dangan.services.records import BrowseFilter, browse, facets
from tests.web.conftest import A_COUNT, DEPT_A, WebEnv

Client = Callable[[str], TestClient]


def _total(html: str) -> int:
    match = re.search(r'class="total">(\d+)<', html)
    assert match
    return int(match.group(1))


def test_each_facet_counts_under_the_other_filters(web_env: WebEnv) -> None:
    user = get_principal(web_env.archive, "archivist")
    everything = facets(web_env.archive, user, BrowseFilter())
    chosen = BrowseFilter(department=DEPT_A)
    within = facets(web_env.archive, user, chosen)
    total = browse(web_env.archive, user, chosen).total
    for name in ("year", "result", "district", "matter"):
        assert sum(c for _, c in within[name]) == total, name  # every record of A has one value of each
    assert within["department"] == everything["department"]  # its own filter is left out
    district, count = within["district"][0]
    narrowed = BrowseFilter(department=DEPT_A, district=district)
    assert browse(web_env.archive, user, narrowed).total == count
    result, count = within["result"][0]
    assert browse(web_env.archive, user, BrowseFilter(department=DEPT_A, result=result)).total == count


def test_keyword_sort_and_city_prefix_from_the_page(web_env: WebEnv, as_user: Client) -> None:
    c = as_user("clerk_a")
    page = c.get("/records?keyword=测试专用企业").text
    assert _total(page) == 1 and "测试专用企业" in page and "&lt;script&gt;" in page
    newest = re.findall(r'data-label="办结日期">([0-9-]+)<', c.get("/records").text)
    oldest = re.findall(r'data-label="办结日期">([0-9-]+)<', c.get("/records?sort=date_asc").text)
    assert newest == sorted(newest, reverse=True) and oldest == sorted(oldest) and newest[0] >= oldest[0]
    assert _total(c.get("/records?district=130300").text) == A_COUNT + 1  # the whole city by its prefix
    filtered = c.get("/records?result=__none__").text
    assert _total(filtered) == 0 and "清除条件" in filtered
    second = c.get("/records?sort=date_asc&page=2").text
    assert "sort=date_asc" in second  # the pager keeps the order


def test_the_table_reads_on_a_phone(as_user: Client) -> None:
    page = as_user("clerk_a").get("/records").text
    assert 'data-label="题名"' in page  # the 390 px layout labels each cell (CSS @media max-width 640px)


def test_formats_read_in_chinese_beside_their_pronom_id(web_env: WebEnv, as_user: Client) -> None:
    from dangan.web.render import format_label

    assert format_label("Acrobat PDF 1.7 - Portable Document Format") == "PDF 文档"
    assert format_label("Acrobat PDF/A - Portable Document Format") == "PDF/A 长期保存格式"
    assert format_label("JPEG File Interchange Format") == "JPEG 图像" and format_label(None) == "未知格式"
    page = as_user("archivist").get(f"/records/{web_env.ids['a0']}").text
    assert "PDF 文档" in page and "fmt/" in page
