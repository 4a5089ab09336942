"""相似档案 ("more like this") on the record page and at GET /api/v1/records/{id}/similar: before the
background job has embedded the record, then after, for users of two departments."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import select

from dangan.access import Principal, Role, mask_record_view
from dangan.domain import SecurityLevel
from dangan.services.records import embed_pending
from dangan.store.catalog import Record
from tests.web.conftest import DEPT_A, XSS_TITLE, WebEnv

Client = Callable[[str], TestClient]
WAITING = "相似档案将在后台索引完成后显示"


def test_similar_records_appear_once_embedded_and_only_those_the_user_may_read(
    web_env: WebEnv, as_user: Client
) -> None:
    a0 = web_env.ids["a0"]
    clerk = as_user("clerk_a")
    page = clerk.get(f"/records/{a0}")
    assert page.status_code == 200 and "相似档案" in page.text and WAITING in page.text
    body = clerk.get(f"/api/v1/records/{a0}/similar").json()
    assert body == {"record_id": a0, "ready": False, "items": []}

    assert embed_pending(web_env.archive).pending == 0

    page = clerk.get(f"/records/{a0}")
    assert WAITING not in page.text and 'class="similar-list"' in page.text
    section = page.text.split('id="similar-title"')[1].split("</section>")[0]
    links = [part.split('"')[0] for part in section.split('href="/records/')[1:]]
    assert len(links) == 5 and a0 not in links and set(links) <= set(web_env.a_ids)
    assert XSS_TITLE not in page.text, "titles are escaped like everywhere else"

    body = clerk.get(f"/api/v1/records/{a0}/similar", params={"limit": 50}).json()
    assert body["ready"] is True
    found = [item["record_id"] for item in body["items"]]
    assert set(found) == set(web_env.a_ids) - {a0}, (
        "every readable record but itself; no 秘密, no other department"
    )
    scores = [item["score"] for item in body["items"]]
    assert scores == sorted(scores, reverse=True)
    viewer = Principal("clerk_a", Role.CLERK, department=DEPT_A, clearance=SecurityLevel.INTERNAL)
    with web_env.archive.db.read() as s:
        rows = {r.id: r for r in s.scalars(select(Record).where(Record.id.in_(found)))}
        titles = {rid: mask_record_view(viewer, r).title for rid, r in rows.items()}
    assert all(item["title"] == titles[item["record_id"]] for item in body["items"]), (
        "masked as the clerk sees"
    )

    archivist = as_user("archivist").get(f"/api/v1/records/{a0}/similar", params={"limit": 50}).json()
    assert web_env.ids["a_secret"] in {item["record_id"] for item in archivist["items"]}

    other = as_user("clerk_b")
    assert other.get(f"/api/v1/records/{a0}/similar").status_code == 404
    assert other.get(f"/records/{a0}").status_code == 404
    bs = other.get(f"/api/v1/records/{web_env.ids['b0']}/similar").json()["items"]
    assert {item["record_id"] for item in bs} == set(web_env.b_ids) - {web_env.ids["b0"]}
