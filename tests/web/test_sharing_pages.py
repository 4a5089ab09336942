"""The sharing catalogue on the web: the 共享目录 page for the archive department (read-only for the
departments' staff, refused to others), and a clerk of department A walking the routes on one of B's
records under each sharing type — exactly the allowed ones answer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from dangan.core import ValidationFailed
from dangan.services.accounts import get_principal
from dangan.services.share import RuleForm, catalogue_revision, set_rule
from dangan.share import CONDITIONAL, FREE, NOT_SHARED
from dangan.store.catalog import Record
from tests.web.conftest import B_TITLE, DEPT_A, DEPT_B, MATTER_B, WebEnv, csrf_of

Client = Callable[[str], TestClient]


def _walk(c: TestClient, record: Record) -> dict[str, Any]:
    """What each route answers clerk A about `record`: the search hit's mark (or absent), and statuses."""
    hits = c.get("/api/v1/search", params={"q": B_TITLE, "limit": 50}).json()["hits"]
    hit = next((h for h in hits if h["record_id"] == record.id), None)
    position = record.files[0].position
    related = c.get("/api/v1/graph/related", params={"center": record.applicant_uscc})
    in_graph = related.status_code == 200 and any(record.id in e["records"] for e in related.json()["edges"])
    return {
        "search": hit["shared"] if hit else "absent",
        "page": c.get(f"/records/{record.id}").status_code,
        "api": c.get(f"/api/v1/records/{record.id}").status_code,
        "file": c.get(f"/records/{record.id}/files/{position}").status_code,
        "download": c.get(f"/records/{record.id}/files/{position}/download").status_code,
        "graph": in_graph,
    }


def _set(web_env: WebEnv, form: RuleForm) -> None:
    """Set a rule whatever the module's earlier tests left (the same rule again is refused as unchanged)."""
    try:
        set_rule(web_env.archive, get_principal(web_env.archive, "archivist"), form)
    except ValidationFailed as exc:
        assert exc.code == "rule_unchanged"


def _b0(web_env: WebEnv) -> Record:
    with web_env.archive.db.read() as s:
        record = s.scalars(select(Record).where(Record.id == web_env.ids["b0"])).one()
        _ = (record.files, record.department)
        return record


CLOSED = {"search": "absent", "page": 404, "api": 404, "file": 404, "download": 404, "graph": False}


@pytest.mark.parametrize(
    ("kind", "download", "expected"),
    [
        (FREE, False, {"search": FREE, "page": 200, "api": 200, "file": 200, "download": 403, "graph": True}),
        (FREE, True, {"search": FREE, "page": 200, "api": 200, "file": 200, "download": 200, "graph": True}),
        (CONDITIONAL, False, CLOSED),
        (NOT_SHARED, False, CLOSED),
    ],
)
def test_a_clerk_of_a_reaches_a_b_record_exactly_as_its_rule_allows(
    web_env: WebEnv, as_user: Client, kind: str, download: bool, expected: dict[str, Any]
) -> None:
    _set(web_env, RuleForm(DEPT_B, kind, f"测试{kind}", matter=MATTER_B["name"], departments=(DEPT_A,),
                           download=download))  # fmt: skip
    record = _b0(web_env)
    assert _walk(as_user("clerk_a"), record) == expected
    own = _walk(as_user("clerk_b"), record)  # B's own clerk is untouched by the catalogue
    assert own["page"] == 200 and own["search"] is None and own["download"] == 200


def test_the_search_page_tags_shared_hits(web_env: WebEnv, as_user: Client) -> None:
    _set(web_env, RuleForm(DEPT_B, NOT_SHARED, "事项不共享", matter=MATTER_B["name"]))
    _set(web_env, RuleForm(DEPT_B, FREE, "检索标记", departments=(DEPT_A,), download=True))
    page = as_user("clerk_a").get("/search", params={"q": B_TITLE})
    assert "tag-shared" not in page.text  # the matter's own rule (不予共享) beats the department's
    _set(web_env, RuleForm(DEPT_B, FREE, "检索标记", matter=MATTER_B["name"], to_all=True))
    page = as_user("clerk_a").get("/search", params={"q": B_TITLE})
    assert page.status_code == 200
    assert 'class="tag tag-shared"' in page.text and FREE in page.text


def test_the_archivist_edits_the_catalogue_and_others_cannot(web_env: WebEnv, as_user: Client) -> None:
    keeper = as_user("archivist")
    page = keeper.get("/sharing")
    assert page.status_code == 200 and "保存为新版本" in page.text
    before = catalogue_revision(web_env.archive)
    data = {"department": DEPT_A, "matter": "食品经营许可", "security_level": "", "kind": FREE,
            "departments": DEPT_B, "download": "1", "reason": "网页新增", "csrf_token": csrf_of(page.text)}  # fmt: skip
    saved = keeper.post("/sharing", data=data)
    assert saved.status_code == 303 and saved.headers["location"].startswith("/sharing/")
    history = keeper.get(saved.headers["location"])
    assert history.status_code == 200 and "网页新增" in history.text and "第 1 版" in history.text
    assert catalogue_revision(web_env.archive) == before + 1
    bad = keeper.post("/sharing", data={**data, "kind": "随便", "reason": "错误类型"})
    assert bad.status_code == 422 and "共享类型只能是" in bad.text
    rule_id = saved.headers["location"].split("/")[2].split("?")[0]
    token = csrf_of(history.text)
    retired = keeper.post(f"/sharing/{rule_id}/retire", data={"reason": "网页停用", "csrf_token": token})
    assert retired.status_code == 303
    assert "第 2 版" in keeper.get(f"/sharing/{rule_id}").text

    clerk = as_user("clerk_a")
    listing = clerk.get("/sharing?retired=1")
    assert listing.status_code == 200 and "保存为新版本" not in listing.text and DEPT_A in listing.text
    refused = clerk.post("/sharing", data={**data, "reason": "越权修改", "csrf_token": csrf_of(listing.text)})
    assert refused.status_code == 403
    auditor = as_user("auditor")
    assert auditor.get("/sharing").status_code == 403
    assert catalogue_revision(web_env.archive) == before + 2
    no_token = keeper.post("/sharing", data={k: v for k, v in data.items() if k != "csrf_token"})
    assert no_token.status_code in (400, 403)
    assert catalogue_revision(web_env.archive) == before + 2
