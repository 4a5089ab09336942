"""`/admin/synonyms` and `/api/v1/search/synonyms`: the archivist adds and removes search synonyms (with the
CSRF token, like every form), search understands them at once; clerks and the three administrators are
refused, and bad input is answered on the page in Chinese."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from dangan.services.accounts import add_user
from tests.web.conftest import DEPT_A, DEPT_B, PASSWORD, WebEnv, csrf_of

Client = Callable[[str], TestClient]


def _department(c: TestClient, query: str) -> str | None:
    found = c.get("/api/v1/search", params={"q": query})
    assert found.status_code == 200, found.text
    department = found.json()["parsed"]["department"]
    assert department is None or isinstance(department, str)
    return department


def _nav(html: str) -> str:
    return html.split('class="mainnav"')[1].split("</nav>")[0]


def test_the_archivist_sees_the_table_and_a_menu_entry(as_user: Client) -> None:
    c = as_user("archivist")
    page = c.get("/admin/synonyms")
    assert page.status_code == 200
    for text in ("部门别称", "事项简称", "行业用语", "结果用语", "系统默认", "工商局", "H62"):
        assert text in page.text, text
    assert 'href="/admin/synonyms"' in _nav(page.text) and "检索同义词" in _nav(page.text)
    assert 'href="/admin/synonyms"' in _nav(c.get("/").text)  # beside 必备材料 on every page


@pytest.mark.parametrize("who", ["clerk_a", "auditor", "sysadmin", "secadmin"])
def test_others_are_refused_and_see_no_menu_entry(web_env: WebEnv, as_user: Client, who: str) -> None:
    if who in ("sysadmin", "secadmin"):
        add_user(web_env.archive, who, PASSWORD, who, clearance="机密")
    c = as_user(who)
    token = csrf_of(c.get("/").text)
    assert "/admin/synonyms" not in _nav(c.get("/").text)
    page = c.get("/admin/synonyms")
    assert page.status_code == 403 and "只有档案管理员可以维护检索同义词" in page.text
    form = {"kind": "departments", "alias": "老工商", "target": "市场监督管理局", "csrf_token": token}
    assert c.post("/admin/synonyms", data=form).status_code == 403
    assert c.post("/admin/synonyms/remove", data=form).status_code == 403
    api = c.get("/api/v1/search/synonyms")
    assert api.status_code == 403 and api.json()["error"]["code"] == "synonym_forbidden"
    body = {"kind": "departments", "alias": "老工商", "target": "市场监督管理局"}
    assert c.put("/api/v1/search/synonyms", json=body, headers={"x-csrf-token": token}).status_code == 403
    mine = as_user("archivist").get("/api/v1/search/synonyms", params={"q": "老工商"}).json()
    assert mine == {"synonyms": []}  # nothing was saved


def test_add_and_remove_through_the_form(as_user: Client) -> None:
    c = as_user("archivist")
    token = csrf_of(c.get("/admin/synonyms").text)
    form = {"kind": "departments", "alias": "老工商", "target": "市场监督管理局"}
    assert c.post("/admin/synonyms", data=form).status_code == 403  # no CSRF token
    assert _department(c, "老工商的档案") is None
    saved = c.post("/admin/synonyms", data={**form, "csrf_token": token})
    assert saved.status_code == 200 and "已保存部门别称：“老工商” → “市场监督管理局”" in saved.text
    assert "本馆添加" in saved.text and "archivist" in saved.text
    assert 'data-confirm="确认删除部门别称“老工商”？删除后检索不再认识这一用语。"' in saved.text
    assert _department(c, "老工商的档案") == DEPT_A
    removed = c.post(
        "/admin/synonyms/remove", data={"kind": "departments", "alias": "老工商", "csrf_token": token}
    )
    assert removed.status_code == 200 and "已删除本馆的部门别称“老工商”" in removed.text
    assert _department(c, "老工商的档案") is None


def test_overriding_a_default_and_notes_are_shown(as_user: Client) -> None:
    c = as_user("archivist")
    token = csrf_of(c.get("/admin/synonyms").text)
    form = {"kind": "departments", "alias": "环保局", "target": "市场监督管理局", "csrf_token": token}
    saved = c.post("/admin/synonyms", data=form)
    assert "覆盖系统默认“生态环境局”" in saved.text and _department(c, "环保局的档案") == DEPT_A
    removed = c.post("/admin/synonyms/remove", data=form)
    assert "恢复使用系统默认：“环保局” → “生态环境局”" in removed.text
    assert _department(c, "环保局的档案") == DEPT_B
    ahead = c.post("/admin/synonyms", data={**form, "alias": "老交通", "target": "交通运输局"})
    assert ahead.status_code == 200 and "提示：目录中暂无名称含“交通运输局”的部门" in ahead.text
    c.post("/admin/synonyms/remove", data={**form, "alias": "老交通"})


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"kind": "industries", "alias": "馆子", "target": "Z99"}, "“Z99”不是有效的行业代码"),
        ({"kind": "departments", "alias": "工", "target": "市场监督管理局"}, "2–30 个字"),
        ({"kind": "places", "alias": "老城", "target": "海港区"}, "同义词类别“places”无效"),
    ],
)
def test_bad_input_is_answered_on_the_page(as_user: Client, form: dict[str, str], message: str) -> None:
    c = as_user("archivist")
    token = csrf_of(c.get("/admin/synonyms").text)
    page = c.post("/admin/synonyms", data={**form, "csrf_token": token})
    assert page.status_code == 422 and message in page.text
    assert f'value="{form["alias"]}"' in page.text  # what was typed stays in the form


def test_a_shipped_entry_cannot_be_removed_from_the_page(as_user: Client) -> None:
    c = as_user("archivist")
    token = csrf_of(c.get("/admin/synonyms").text)
    page = c.post(
        "/admin/synonyms/remove", data={"kind": "departments", "alias": "工商局", "csrf_token": token}
    )
    assert page.status_code == 422 and "系统默认的部门别称，不能删除" in page.text


def test_filter_and_empty_states(as_user: Client) -> None:
    c = as_user("archivist")
    one = c.get("/admin/synonyms", params={"kind": "results", "q": "没批"})
    assert one.status_code == 200 and "结果用语（1）" in one.text and "部门别称（" not in one.text
    none = c.get("/admin/synonyms", params={"q": "没有这个词"})
    assert "没有符合“没有这个词”的部门别称" in none.text and "没有符合“没有这个词”的结果用语" in none.text
    bad = c.get("/admin/synonyms", params={"kind": "places"})
    assert bad.status_code == 422 and "同义词类别“places”无效" in bad.text and "部门别称（" in bad.text
    prefilled = c.get(
        "/admin/synonyms", params={"edit_kind": "matters", "edit_alias": "环评", "edit_target": "环境影响"}
    )
    assert 'value="matters" selected' in prefilled.text and 'value="环评"' in prefilled.text


def test_the_json_api_round_trip(as_user: Client) -> None:
    c = as_user("archivist")
    token = {"x-csrf-token": csrf_of(c.get("/").text)}
    body = {"kind": "事项简称", "alias": "食品证", "target": "食品经营许可"}
    assert c.put("/api/v1/search/synonyms", json=body).status_code == 403  # no CSRF token
    put = c.put("/api/v1/search/synonyms", json=body, headers=token)
    assert put.status_code == 200
    assert put.json() | {"updated_at": None} == {
        "kind": "matters", "kind_label": "事项简称", "alias": "食品证", "target": "食品经营许可",
        "source": "本馆添加", "overrides": False, "default_target": None, "updated_by": "archivist",
        "updated_at": None, "note": None,
    }  # fmt: skip
    listed = c.get("/api/v1/search/synonyms", params={"kind": "matters", "q": "食品证"}).json()["synonyms"]
    assert [(e["alias"], e["source"]) for e in listed] == [("食品证", "本馆添加")]
    assert c.get("/api/v1/search", params={"q": "食品证"}).json()["parsed"]["matter"] == "食品经营许可"
    bad = c.put("/api/v1/search/synonyms", json={**body, "kind": "industries"}, headers=token)
    assert bad.status_code == 422 and "不是有效的行业代码" in bad.json()["error"]["message"]
    params = {"kind": "matters", "alias": "食品证"}
    gone = c.delete("/api/v1/search/synonyms", params=params, headers=token)
    assert gone.status_code == 200 and gone.json()["alias"] == "食品证"
    again = c.delete("/api/v1/search/synonyms", params=params, headers=token)
    assert again.status_code == 404 and again.json()["error"]["code"] == "synonym_not_found"
