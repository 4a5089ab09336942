"""Home, browse, record and search pages, and the error pages."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import select

from dangan.services.accounts import get_principal
from dangan.services.records import overview
from dangan.store.catalog import Event
from dangan.web.render import filesize
from tests.web.conftest import A_COUNT, B_TITLE, DEPT_A, DEPT_B, XSS_TITLE, WebEnv

Client = Callable[[str], TestClient]


def _total(html: str) -> int:
    match = re.search(r'class="total">(\d+)<', html)
    assert match, "no total on the page"
    return int(match.group(1))


def _stat(html: str, label: str) -> str:
    match = re.search(rf'stat-label">{label}</span><span class="stat-value">([^<]+)<', html)
    assert match, label
    return match.group(1)


def test_home_shows_counts_and_facets(web_env: WebEnv, as_user: Client) -> None:
    page = as_user("archivist").get("/")
    assert page.status_code == 200
    stats = overview(web_env.archive, get_principal(web_env.archive, "archivist"))
    assert _stat(page.text, "档案数") == str(A_COUNT + 5) == str(stats["records"])
    assert _stat(page.text, "文件数") == str(stats["files"])
    assert _stat(page.text, "总容量") == filesize(stats["bytes"])
    assert _stat(page.text, "部门数") == "2"
    assert _stat(page.text, "事项数") == "3"
    assert "/records?department=%E7%A7%A6" in page.text  # facet links go to the filtered browse page
    assert "/records?year=2023" in page.text and "/records?matter=" in page.text
    assert "档案管理系统" in page.text and web_env.archive.settings.fonds_name in page.text


def test_home_for_an_administrator_shows_his_work_not_empty_holdings(as_user: Client) -> None:
    page = as_user("auditor").get("/")
    assert page.status_code == 200
    assert "三员分立" in page.text and "审计工作" in page.text and "近 24 小时事件" in page.text
    assert "档案数" not in page.text and "暂无可查看的档案" not in page.text


def test_browse_paginates_twenty_per_page(as_user: Client) -> None:
    c = as_user("clerk_a")
    first = c.get("/records")
    assert _total(first.text) == A_COUNT + 1
    assert first.text.count('<a href="/records/') == 20
    assert 'href="/records?page=2"' in first.text
    second = c.get("/records?page=2")
    assert second.text.count('<a href="/records/') == A_COUNT + 1 - 20
    assert 'aria-current="page">2<' in second.text
    beyond = c.get("/records?page=99")  # past the end: the last page, not an empty one
    assert beyond.text.count('<a href="/records/') == A_COUNT + 1 - 20


def test_browse_filters_by_department_matter_and_year(as_user: Client) -> None:
    c = as_user("archivist")
    assert _total(c.get("/records", params={"department": DEPT_B}).text) == 3
    food = c.get("/records", params={"department": DEPT_A, "matter": "食品经营许可"})
    assert _total(food.text) == 12 + 2  # even-numbered A cases, the secret one and the odd one
    assert f'<option value="{DEPT_A}" selected>' in food.text
    assert '<option value="食品经营许可" selected>' in food.text
    assert "排污许可证核发" not in food.text.split('name="matter"')[1].split("</select>")[0]
    year = c.get("/records", params={"year": "2022"})
    assert _total(year.text) == A_COUNT - 15
    assert 'href="/records?year=2022&amp;page=2"' not in year.text
    assert _total(c.get("/records", params={"year": "abc", "page": "x"}).text) == A_COUNT + 5  # ignored


def test_browse_filter_keeps_filters_in_page_links(as_user: Client) -> None:
    page = as_user("archivist").get("/records", params={"department": DEPT_A})
    assert "page=2" in page.text
    link = re.search(r'href="(/records\?[^"]*page=2)"', page.text)
    assert link and "department=" in link.group(1)


def test_browse_empty_state(as_user: Client) -> None:
    page = as_user("archivist").get("/records", params={"department": "不存在的部门"})
    assert page.status_code == 200 and _total(page.text) == 0
    assert "没有符合条件的档案" in page.text and "清除条件" in page.text


def test_record_page_shows_metadata_and_files(web_env: WebEnv, as_user: Client) -> None:
    record_id = web_env.ids["odd"]
    page = as_user("archivist").get(f"/records/{record_id}")
    assert page.status_code == 200
    for label in ("档号", "文号", "来源系统 / 来源编号", "形成部门", "审批事项", "申请人", "统一社会信用代码",
                  "行政区划", "行业", "受理日期", "办结日期", "办理结果", "保管期限", "密级", "是否开放"):  # fmt: skip
        assert f">{label}</th>" in page.text, label
    assert re.search(r"1303\d\d 河北省秦皇岛市", page.text)  # the district's full name
    assert "3号窗口" in page.text  # extra as key/value
    assert "现场照片.png" in page.text and "说明.txt" in page.text
    assert f'href="/records/{record_id}/files/0/download"' in page.text
    assert re.search(r'title="[0-9a-f]{64}">[0-9a-f]{12}…<', page.text)


def test_record_page_escapes_what_the_package_says(web_env: WebEnv, as_user: Client) -> None:
    page = as_user("archivist").get(f"/records/{web_env.ids['odd']}")
    assert "<script>alert(1)</script>" not in page.text and "<b>不应加粗</b>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert XSS_TITLE.split(">")[-1] in page.text


def test_record_view_is_audited(web_env: WebEnv, as_user: Client) -> None:
    record_id = web_env.ids["b1"]
    assert as_user("clerk_b").get(f"/records/{record_id}").status_code == 200
    with web_env.archive.db.read() as s:
        events = s.scalars(select(Event).where(Event.kind == "view", Event.record_id == record_id)).all()
    assert [e.actor for e in events] == ["clerk_b"]


def test_missing_record_renders_the_chinese_404_page(as_user: Client) -> None:
    page = as_user("archivist").get("/records/01NOSUCHRECORD0000000000000")
    assert page.status_code == 404
    assert "未找到" in page.text and "档案不存在或您无权查看" in page.text and "返回首页" in page.text


def test_unknown_page_is_a_chinese_404(client: TestClient) -> None:
    page = client.get("/no/such/page")
    assert page.status_code == 404 and "未找到" in page.text and "前往登录" in page.text


def test_search_page_lists_hits_with_keyword_chips(web_env: WebEnv, as_user: Client) -> None:
    page = as_user("archivist").get("/search", params={"q": "海鸥化工"})
    assert page.status_code == 200
    assert _total(page.text) == 1
    assert (
        B_TITLE in page.text and f'href="/records/{web_env.ids["b0"]}?sl=' in page.text
    )  # the click is learnt from
    assert '<span class="chip">' in page.text
    assert DEPT_B in page.text and "排污许可证核发" in page.text


def test_search_page_paginates(as_user: Client) -> None:
    c = as_user("archivist")
    first = c.get("/search", params={"q": "审批"})
    total = _total(first.text)
    assert total == A_COUNT + 5
    assert first.text.count('<div class="hit-title"><a href="/records/') == 20
    second = c.get("/search", params={"q": "审批", "page": "2"})
    assert second.text.count('<div class="hit-title"><a href="/records/') == total - 20
    assert "page=2" in first.text and "q=%E5%AE%A1%E6%89%B9" in first.text
    beyond = c.get("/search", params={"q": "审批", "page": "50"})
    assert (
        beyond.text.count('<div class="hit-title"><a href="/records/') == total - 20
        and "没有找到" not in beyond.text
    )


def test_search_page_empty_states(as_user: Client) -> None:
    c = as_user("archivist")
    blank = c.get("/search")
    assert blank.status_code == 200 and "提示" in blank.text and 'class="total"' not in blank.text
    nothing = c.get("/search", params={"q": "完全不存在的词语组合"})
    assert _total(nothing.text) == 0 and "没有找到" in nothing.text
    no_words = c.get("/search", params={"q": "!!! ？？"})
    assert "没有可检索的文字" in no_words.text


def test_pages_are_not_cached(as_user: Client) -> None:
    assert as_user("archivist").get("/").headers["cache-control"] == "no-store"
