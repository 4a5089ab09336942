"""Contextual help: the tip macro, the 四性检测 item explanations the report links to, and the guided
first tour's data and endpoints (the browser walk of every tour is tests/e2e/test_tour.py)."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from dangan.services.accounts import add_user
from dangan.services.quality import check_items
from dangan.web.help import ROLES, check_help_all, load_tours, parse_tours
from tests.web.conftest import DEPT_A, PASSWORD, WebEnv, csrf_of

ACCOUNTS = {"archivist": "archivist", "clerk": "clerk_a", "auditor": "auditor", "dept_head": "tip_head",
            "reader": "tip_reader", "sysadmin": "tip_admin", "secadmin": "tip_sec"}  # fmt: skip
_DESCRIBED = re.compile(r'aria-describedby="(tip-\d+)"')


@pytest.fixture(scope="module")
def tip_users(web_env: WebEnv) -> WebEnv:
    add_user(web_env.archive, "tip_head", PASSWORD, "dept_head", department=DEPT_A, clearance="秘密")
    add_user(web_env.archive, "tip_reader", PASSWORD, "reader")
    add_user(web_env.archive, "tip_admin", PASSWORD, "sysadmin", clearance="公开")
    add_user(web_env.archive, "tip_sec", PASSWORD, "secadmin", clearance="公开")
    return web_env


@pytest.fixture
def as_role(tip_users: WebEnv, as_user: Callable[[str], TestClient]) -> Callable[[str], TestClient]:
    return lambda role: as_user(ACCOUNTS[role])


def _tips(html: str) -> list[str]:
    """The ids the tips' icons are described by; each must be a tooltip on the same page."""
    ids = _DESCRIBED.findall(html)
    for tid in ids:
        assert re.search(rf'<span class="tip-text" role="tooltip" id="{tid}">[^<]+</span>', html), tid
    assert len(ids) == len(set(ids)), "two tips share an id"
    return ids


def test_every_check_item_has_a_written_explanation_page(client: TestClient) -> None:
    codes = [i.code for i in check_items()]
    assert len(codes) >= 16 and [h.code for h in check_help_all()] == codes
    assert all(h.written for h in check_help_all()), [h.code for h in check_help_all() if not h.written]
    index = client.get("/help/checks")
    assert index.status_code == 200
    for item in check_items():
        assert f'href="/help/checks/{item.code}"' in index.text
        page = client.get(f"/help/checks/{item.code}")
        assert page.status_code == 200, item.code
        assert item.name in page.text and "检测什么" in page.text and "怎么办" in page.text
        assert all(stage in page.text for stage in item.stages)
    assert client.get("/help/checks/9-9").status_code == 404


def test_check_report_links_each_item_code_and_explains_the_stage(
    web_env: WebEnv, as_role: Callable[[str], TestClient]
) -> None:
    page = as_role("archivist").get(f"/records/{web_env.a_ids[0]}")
    assert page.status_code == 200
    linked = set(re.findall(r'<a href="/help/checks/(\d-\d)"', page.text))
    assert linked and linked <= {i.code for i in check_items()}
    assert len(linked) >= 10  # the 归档 scheme runs most items
    assert _tips(page.text), "the report's stage has no tip"
    assert 'href="/help/checks"' in page.text


@pytest.mark.parametrize(
    ("role", "path", "words"),
    [
        (
            "clerk",
            "/upload",
            ["保管期限是档案必须保存的年限", "密级决定谁能看到", "开放的档案会出现在公众门户中"],
        ),
        ("clerk", "/requests", ["写明为什么需要这些档案", "查看：只能在线浏览", "默认对身份证号"]),
        ("archivist", "/sharing", ["无条件共享", "密级决定谁能看到"]),
        ("archivist", "/lifecycle/holds", ["冻结（法律保留）"]),
    ],
)
def test_non_obvious_fields_carry_an_accessible_tip(
    as_role: Callable[[str], TestClient], role: str, path: str, words: list[str]
) -> None:
    page = as_role(role).get(path)
    assert page.status_code == 200, page.text[:300]
    assert len(_tips(page.text)) >= len(words)
    for word in words:
        assert word in page.text, word
    assert 'class="tip-icon" href="/help/' in page.text and 'aria-label="查看说明"' in page.text


def test_a_tip_leads_to_the_readers_own_manual_page(
    client: TestClient, as_role: Callable[[str], TestClient]
) -> None:
    assert as_role("clerk").get("/help/topic/upload").headers["location"] == "/help/clerk/upload"
    assert as_role("archivist").get("/help/topic/sharing").headers["location"] == "/help/archivist/sharing"
    # 查阅用户 has no 上传 task of his own; staff may read other roles' manuals, so he lands on one.
    assert as_role("reader").get("/help/topic/upload").headers["location"] == "/help/archivist/upload"
    assert client.get("/help/topic/upload").status_code in (302, 303, 401)  # the public: log in first
    assert client.get("/help/topic/portal").headers["location"] == "/help/public/portal"
    assert as_role("clerk").get("/help/topic/nope").status_code == 404


def test_tour_of_each_role_is_served_with_its_own_key(as_role: Callable[[str], TestClient]) -> None:
    tours = load_tours()
    assert set(tours) == set(ROLES) - {"public"}
    for role, steps in tours.items():
        body = as_role(role).get("/help/tour").json()
        assert body["role"] == role and body["key"] == f"dangan.tour.{ACCOUNTS[role]}"
        assert body["seen"] is False
        assert body["steps"] == [s.as_json() for s in steps]


def test_every_tour_step_names_an_element_of_its_page(as_role: Callable[[str], TestClient]) -> None:
    """The in-process twin of the browser walk: the step's page holds the data-tour attribute."""
    missing = []
    for role, steps in load_tours().items():
        client = as_role(role)
        for step in steps:
            page = client.get(step.page)
            name = step.selector.split('"')[1]
            if page.status_code != 200 or f'data-tour="{name}"' not in page.text:
                missing.append(f"{role} {step.page} {name} ({page.status_code})")
    assert not missing, missing


def test_finishing_the_tour_is_remembered_in_the_session(
    client: TestClient, as_role: Callable[[str], TestClient]
) -> None:
    clerk = as_role("clerk")
    assert clerk.post("/help/tour/seen").status_code == 403  # no CSRF token: refused, nothing noted
    assert clerk.get("/help/tour").json()["seen"] is False
    token = csrf_of(clerk.get("/help").text)
    assert clerk.post("/help/tour/seen", headers={"X-CSRF-Token": token}).status_code == 204
    assert clerk.get("/help/tour").json()["seen"] is True
    assert as_role("clerk").get("/help/tour").json()["seen"] is False  # another login, another session
    assert client.get("/help/tour").status_code in (302, 303, 401)
    help_page = clerk.get("/help").text
    assert "data-tour-restart" in help_page and "重新开始导览" in help_page


def test_malformed_tours_are_refused() -> None:
    step = {"page": "/", "selector": '[data-tour="search"]', "title": "检索", "text": "说明"}
    assert parse_tours({"clerk": [step] * 4})["clerk"][0].title == "检索"
    bad = [
        {"clerk": [step] * 3},  # too short
        {"clerk": [step] * 8},  # too long
        {"public": [step] * 4},  # the public never logs in
        {"nobody": [step] * 4},
        {"clerk": [{**step, "selector": ".hero input"}] * 4},  # only data-tour anchors
        {"clerk": [{**step, "page": "records"}] * 4},
        {"clerk": [{**step, "title": " "}] * 4},
        {"clerk": [{**step, "extra": "x"}] * 4},
    ]
    for data in bad:
        with pytest.raises(ValueError):
            parse_tours(data)


def test_the_tour_starts_by_itself_only_on_a_users_first_login(web_env: WebEnv) -> None:
    from tests.web.conftest import login

    add_user(web_env.archive, "tour_first", PASSWORD, "clerk", department=DEPT_A)
    with TestClient(web_env.app, follow_redirects=False) as first:
        assert login(first, "tour_first").status_code == 303
        assert first.get("/help/tour").json()["first_login"] is True
    with TestClient(web_env.app, follow_redirects=False) as later:
        assert login(later, "tour_first").status_code == 303
        assert later.get("/help/tour").json()["first_login"] is False  # offered by the card, not forced
