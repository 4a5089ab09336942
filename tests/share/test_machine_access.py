"""Machine access: a business system of department A reads `/api/v1` with its read-scoped API key exactly
as A's clerk would — its own records, B's 无条件共享 ones (downloads only where the rule allows), never
B's 有条件共享 or 不予共享 ones — personal data masked, every read audited under the system's name; key
scopes keep a push key from reading and a read key from pushing; the change feeds page by cursor."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from dangan.core import ValidationFailed, load_settings
from dangan.services.accounts import add_user, create_api_key, get_principal
from dangan.services.archive import Archive, open_archive
from dangan.services.intake import import_paths
from dangan.services.share import RuleForm, set_rule
from dangan.share import CONDITIONAL, FREE, NOT_SHARED
from dangan.store.catalog import Event, Record
from tests.factories import make_case, package_dir

A, B = "秦皇岛市市场监督管理局", "秦皇岛市生态环境局"
WORD = "白鹭工程"
SHAPES = {
    "a_own": (A, "食品经营许可", "内部"),
    "a_secret": (A, "食品经营许可", "秘密"),
    "b_free": (B, "排污许可证核发", "内部"),
    "b_download": (B, "环境影响评价审批", "内部"),
    "b_conditional": (B, "危险废物经营许可", "内部"),
    "b_not_shared": (B, "辐射安全许可", "内部"),
}
VISIBLE = {"a_own", "b_free", "b_download"}
MISSING = "01AAAAAAAAAAAAAAAAAAAAAAAA"


@dataclass
class World:
    archive: Archive
    client: TestClient
    ids: dict[str, str]
    raw_ids: dict[str, str]  # label -> the applicant's ID number as stored
    read_key: str
    push_key: str
    both_key: str


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    from dangan.web import create_app

    tmp = tmp_path_factory.mktemp("machine")
    for i, (label, (dept, matter, level)) in enumerate(SHAPES.items()):
        package_dir(tmp / "in", 700 + i, department=dept, matter={"code": f"M-{i}", "name": matter},
                    security_level=level, open_to_public=False, title=f"关于{WORD}{label}的审批",
                    applicant={"name": f"申请人{i}", "type": "自然人", "id_number": "130302199001011238"})  # fmt: skip
    archive = open_archive(load_settings(tmp / "data"))
    report = import_paths(archive, [tmp / "in"])
    assert not report.rejected, report.as_json()["rejected"]
    add_user(archive, "keeper", "Dangan@2024", "archivist", clearance="机密")
    keeper = get_principal(archive, "keeper")
    set_rule(archive, keeper, RuleForm(B, FREE, "执法协查", matter="排污许可证核发", departments=(A,)))
    set_rule(
        archive, keeper, RuleForm(B, FREE, "公开共享", matter="环境影响评价审批", to_all=True, download=True)
    )
    set_rule(archive, keeper, RuleForm(B, CONDITIONAL, "按申请", matter="危险废物经营许可", departments=(A,)))
    set_rule(archive, keeper, RuleForm(B, NOT_SHARED, "不共享", matter="辐射安全许可", to_all=True))
    with archive.db.read() as s:
        rows = list(s.scalars(select(Record)).unique())
    ids = {label: next(r.id for r in rows if r.title.endswith(f"{label}的审批")) for label in SHAPES}
    raw = {label: next(str(r.id_number) for r in rows if r.id == ids[label]) for label in SHAPES}
    _, read_key = create_api_key(archive, "a-system", A, scope="read")
    _, push_key = create_api_key(archive, "a-system", A)
    _, both_key = create_api_key(archive, "a-both", A, scope="both")
    try:
        with TestClient(create_app(archive), follow_redirects=False) as client:
            yield World(archive, client, ids, raw, read_key, push_key, both_key)
    finally:
        archive.close()


def _get(w: World, key: str, url: str, **params: Any) -> httpx.Response:
    return w.client.get(url, params=params, headers={"Authorization": f"Bearer {key}"})


def test_a_read_key_searches_exactly_what_the_departments_clerk_would(world: World) -> None:
    r = _get(world, world.read_key, "/api/v1/search", q=WORD, limit=50)
    assert r.status_code == 200, r.text
    doc = r.json()
    got = {label for label, rid in world.ids.items() if rid in {h["record_id"] for h in doc["hits"]}}
    assert got == VISIBLE and doc["total"] == len(VISIBLE)
    assert "keywords" in doc["parsed"]
    assert all(world.raw_ids[label] not in r.text for label in SHAPES)  # masked as for another's clerk
    listed = _get(world, world.read_key, "/api/v1/records", per_page=200).json()
    assert {i["record_id"] for i in listed["items"]} == {world.ids[x] for x in VISIBLE}


def test_metadata_and_downloads_follow_the_sharing_type(world: World) -> None:
    key = world.read_key
    for label in SHAPES:
        r = _get(world, key, f"/api/v1/records/{world.ids[label]}")
        assert r.status_code == (200 if label in VISIBLE else 404), label
        if label in VISIBLE:
            body = r.json()
            assert (
                body["applicant"]["id_number"] != world.raw_ids[label]
                and "*" in body["applicant"]["id_number"]
            )
    gone = _get(world, key, f"/api/v1/records/{MISSING}")
    hidden = _get(world, key, f"/api/v1/records/{world.ids['b_not_shared']}")
    assert (gone.status_code, gone.content) == (hidden.status_code, hidden.content)
    assert _get(world, key, f"/api/v1/records/{world.ids['a_own']}/files/0").status_code == 200
    assert _get(world, key, f"/api/v1/records/{world.ids['b_download']}/files/0").status_code == 200
    refused = _get(world, key, f"/api/v1/records/{world.ids['b_free']}/files/0")
    assert refused.status_code == 403  # shared to read, not to download
    for label in ("b_conditional", "b_not_shared", "a_secret"):
        r = _get(world, key, f"/api/v1/records/{world.ids[label]}/files/0")
        assert r.status_code == 404, label


def test_key_scopes_separate_pushing_from_reading(world: World) -> None:
    refused = _get(world, world.push_key, "/api/v1/search", q=WORD)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "api_key_scope"
    assert _get(world, world.both_key, "/api/v1/search", q=WORD).status_code == 200
    case = make_case(777, department=A)
    files = [("files", (p, d, "application/pdf")) for p, d in case.files.items()]
    data = {"case": json.dumps(dict(case.case, source_system="a-system"), ensure_ascii=False)}
    pushed = world.client.post("/api/v1/cases", data=data, files=files,
                               headers={"Authorization": f"Bearer {world.read_key}"})  # fmt: skip
    assert pushed.status_code == 403 and pushed.json()["error"]["code"] == "api_key_scope"
    assert _get(world, "dgk_000000000000_" + "x" * 40, "/api/v1/search", q=WORD).status_code == 401
    with pytest.raises(ValidationFailed):
        create_api_key(world.archive, "a-system", A, scope="everything")


def test_every_read_is_audited_under_the_systems_name(world: World) -> None:
    _get(world, world.read_key, "/api/v1/search", q=WORD)
    _get(world, world.read_key, f"/api/v1/records/{world.ids['b_free']}")
    with world.archive.db.read() as s:
        events = list(s.scalars(select(Event).where(Event.actor == "system:a-system")))
    kinds = {(e.kind, e.detail.get("action") or e.detail.get("via")) for e in events}
    assert ("api_read", "search") in kinds and ("view", "api") in kinds
    searched = next(e for e in events if e.kind == "api_read" and e.detail.get("action") == "search")
    assert set(searched.detail["records"]) <= {world.ids[x] for x in VISIBLE}


def test_the_feeds_page_by_cursor_over_what_the_key_may_see(world: World) -> None:
    seen: list[str] = []
    cursor = None
    for _ in range(10):
        params: dict[str, Any] = {"limit": 1}
        if cursor is not None:
            params["cursor"] = cursor
        doc = _get(world, world.read_key, "/api/v1/feed.json", **params).json()
        seen += [item["_dangan"]["record_id"] for item in doc["items"]]
        cursor = doc["next_cursor"]
        if "next_url" not in doc:
            break
    assert set(seen) == {world.ids[x] for x in VISIBLE} and len(seen) == len(VISIBLE)
    again = _get(world, world.read_key, "/api/v1/feed.json", cursor=cursor).json()
    assert again["items"] == [] and again["next_cursor"] >= cursor  # past the audit entries, never back
    atom = _get(world, world.read_key, "/api/v1/feed.atom", since="2000-01-01")
    assert atom.status_code == 200 and atom.headers["content-type"].startswith("application/atom+xml")
    root = ET.fromstring(atom.content)
    titles = [e.text or "" for e in root.iter("{http://www.w3.org/2005/Atom}title")][1:]
    assert len(titles) == len(VISIBLE) and not any(
        "b_not_shared" in t or "b_conditional" in t for t in titles
    )
    bad = _get(world, world.read_key, "/api/v1/feed.json", since="昨天")
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_since"


def test_a_clerks_session_reads_the_same_feed(world: World, tmp_path: Path) -> None:
    from tests.web.conftest import login

    add_user(world.archive, "clerk_feed", "Dangan@2024", "clerk", department=A)
    with TestClient(world.client.app, follow_redirects=False) as c:
        assert login(c, "clerk_feed", "Dangan@2024").status_code == 303
        items = c.get("/api/v1/feed.json").json()["items"]
    assert {i["_dangan"]["record_id"] for i in items} == {world.ids[x] for x in VISIBLE}


@pytest.mark.parametrize("setting", ["dept_head", "archive"])
def test_the_setting_decides_who_approves_a_conditional_request(tmp_path: Path, setting: str) -> None:
    from dangan.core import NotFound
    from dangan.services.utilisation import RequestForm, approval_queue, approve_request, create_request

    package_dir(tmp_path / "in", 800, department=B, matter={"code": "M-C", "name": "危险废物经营许可"},
                security_level="内部", open_to_public=False, title="有条件共享的审批")  # fmt: skip
    archive = open_archive(load_settings(tmp_path / "data", conditional_approver=setting))
    try:
        assert not import_paths(archive, [tmp_path / "in"]).rejected
        for name, role, dept in (
            ("keeper", "archivist", None),
            ("head_b", "dept_head", B),
            ("clerk_a", "clerk", A),
        ):
            add_user(archive, name, "Dangan@2024", role, department=dept, clearance="秘密")
        keeper, head_b = get_principal(archive, "keeper"), get_principal(archive, "head_b")
        set_rule(
            archive, keeper, RuleForm(B, CONDITIONAL, "按申请", matter="危险废物经营许可", departments=(A,))
        )
        with archive.db.read() as s:
            code = s.scalars(select(Record.archival_code)).one()
        req = create_request(
            archive, get_principal(archive, "clerk_a"), RequestForm("执法协查", codes=(code,))
        )
        decider, other = (head_b, keeper) if setting == "dept_head" else (keeper, head_b)
        assert [e.request.id for e in approval_queue(archive, other) if e.records] == []
        with pytest.raises((NotFound, ValidationFailed)):
            approve_request(archive, other, req.id)
        (entry,) = [e for e in approval_queue(archive, decider) if e.request.id == req.id]
        assert [r.archival_code for r in entry.records] == [code]
        assert approve_request(archive, decider, req.id).status == "已批准"
    finally:
        archive.close()
