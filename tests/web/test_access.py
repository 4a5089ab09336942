"""Department scope through every door: a clerk of A never sees B's records, nor learns they exist."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from tests.web.conftest import A_COUNT, B_TITLE, WebEnv

Client = Callable[[str], TestClient]


@pytest.mark.parametrize(
    "suffix", ["", "/files/0", "/files/0/pages/1.png", "/files/0/download", "/files/1/preview.png"]
)
def test_clerk_gets_404_for_another_departments_record(web_env: WebEnv, as_user: Client, suffix: str) -> None:
    url = f"/records/{web_env.ids['b0']}{suffix}"
    assert as_user("clerk_b").get(url).status_code in (200, 404)  # the owner may (preview.png: not an image)
    response = as_user("clerk_a").get(url)
    assert response.status_code == 404
    assert B_TITLE not in response.text


def test_forbidden_and_missing_look_the_same(web_env: WebEnv, as_user: Client) -> None:
    c = as_user("clerk_a")
    forbidden = c.get(f"/records/{web_env.ids['b0']}")
    missing = c.get("/records/01AAAAAAAAAAAAAAAAAAAAAAAA")
    assert forbidden.status_code == missing.status_code == 404
    assert forbidden.text == missing.text


def test_clearance_hides_a_secret_record_of_the_own_department(web_env: WebEnv, as_user: Client) -> None:
    secret = web_env.ids["a_secret"]
    assert as_user("clerk_a").get(f"/records/{secret}").status_code == 404
    assert as_user("archivist").get(f"/records/{secret}").status_code == 200


def test_api_detail_is_404_for_another_department(web_env: WebEnv, as_user: Client) -> None:
    response = as_user("clerk_a").get(f"/api/v1/records/{web_env.ids['b0']}")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_browse_and_totals_only_count_what_the_clerk_may_see(web_env: WebEnv, as_user: Client) -> None:
    c = as_user("clerk_a")
    page = c.get("/records")
    assert re.search(r'class="total">(\d+)<', page.text).group(1) == str(A_COUNT + 1)  # type: ignore[union-attr]
    assert "秦皇岛市生态环境局" not in page.text  # not even as a filter option
    assert c.get("/api/v1/records").json()["total"] == A_COUNT + 1
    listed = {
        item["record_id"] for item in c.get("/api/v1/records", params={"per_page": 200}).json()["items"]
    }
    assert listed == set(web_env.a_ids)
    stats = c.get("/api/v1/stats").json()
    assert stats["records"] == A_COUNT + 1 and stats["departments"] == 1
    home = c.get("/")
    assert f'stat-value">{A_COUNT + 1}<' in home.text


def test_search_totals_respect_the_policy(web_env: WebEnv, as_user: Client) -> None:
    clerk = as_user("clerk_a")
    page = clerk.get("/search", params={"q": "海鸥化工"})
    assert 'class="total">0<' in page.text and B_TITLE not in page.text
    api = clerk.get("/api/v1/search", params={"q": "海鸥化工"}).json()
    assert api["total"] == 0 and api["hits"] == []
    everything = clerk.get("/api/v1/search", params={"q": "审批", "limit": 500}).json()
    assert everything["total"] == A_COUNT + 1
    assert {h["record_id"] for h in everything["hits"]} == set(web_env.a_ids)
    assert as_user("archivist").get("/api/v1/search", params={"q": "海鸥化工"}).json()["total"] == 1


def test_three_administrators_see_no_records(web_env: WebEnv, as_user: Client) -> None:
    c = as_user("auditor")
    assert c.get(f"/records/{web_env.ids['a0']}").status_code == 404
    assert c.get("/api/v1/records").json()["total"] == 0
    assert c.get("/api/v1/search", params={"q": "审批"}).json()["total"] == 0
