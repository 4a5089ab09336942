"""`/admin/matters`: the archivist edits a matter's required materials; clerks cannot; the next import
of that matter is checked against the new rule (2-3), and the change is a ledger event."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from dangan.core import load_settings
from dangan.services.accounts import add_user
from dangan.services.archive import Archive, open_archive
from dangan.services.intake import import_paths
from dangan.store.catalog import Event, MatterRule
from tests.factories import package_dir
from tests.web.conftest import csrf_of, login

PASSWORD = "Dangan@2024"
DEPT = "秦皇岛市市场监督管理局"
MATTER = {"code": "SCJG-XK-101", "name": "食品经营许可"}


@pytest.fixture
def env(tmp_path: Path) -> Iterator[tuple[Archive, Path]]:
    archive = open_archive(load_settings(tmp_path / "data"))
    add_user(archive, "archivist", PASSWORD, "archivist", clearance="秘密")
    add_user(archive, "clerk", PASSWORD, "clerk", department=DEPT)
    try:
        yield archive, tmp_path
    finally:
        archive.close()


def _roles(pkg: Path) -> list[str]:
    doc = json.loads((pkg / "case.json").read_text(encoding="utf-8"))
    return [f.get("role") for f in doc["files"] if f.get("role")]


def test_archivist_edits_a_rule_and_the_next_import_uses_it(env: tuple[Archive, Path]) -> None:
    from dangan.web import create_app

    archive, tmp = env
    first = package_dir(tmp / "in1", 70, department=DEPT, matter=MATTER)
    assert import_paths(archive, [first]).accepted  # no rule yet: 2-3 不适用, archived
    present = _roles(first)[0]
    with TestClient(create_app(archive), follow_redirects=False) as client:
        login(client, "archivist")
        listing = client.get("/admin/matters")
        assert listing.status_code == 200 and "食品经营许可" in listing.text and "未设置" in listing.text
        form = client.get("/admin/matters", params={"edit": "食品经营许可"})
        assert 'name="required"' in form.text and "每行填写一种材料" in form.text
        without_token = client.post("/admin/matters", data={"matter": "食品经营许可", "required": "x"})
        assert without_token.status_code == 403
        saved = client.post(
            "/admin/matters",
            data={
                "matter": "食品经营许可",
                "required": f"{present}\n\n现场核查记录\n",
                "csrf_token": csrf_of(form.text),
            },
        )
        assert saved.status_code == 303 and saved.headers["location"].startswith("/admin/matters?saved=")
        after = client.get("/admin/matters")
        assert "现场核查记录" in after.text and "界面设置" in after.text
    with archive.db.read() as session:
        rule = session.get(MatterRule, "食品经营许可")
        assert (
            rule is not None and rule.required == [present, "现场核查记录"] and rule.updated_by == "archivist"
        )
        events = session.scalars(select(Event).where(Event.kind == "matter_rule")).all()
        assert [e.detail["required"] for e in events] == [[present, "现场核查记录"]]
        assert events[0].actor == "archivist"
    second = package_dir(tmp / "in2", 71, department=DEPT, matter=MATTER)
    report = import_paths(archive, [second]).as_json()
    assert not report["accepted"]
    reasons = report["rejected"][0]["reasons"]
    assert any(r["code"] == "check:2-3" and "现场核查记录" in r["message"] for r in reasons), reasons


def test_clerk_cannot_see_or_edit_rules(env: tuple[Archive, Path]) -> None:
    from dangan.web import create_app

    archive, _ = env
    with TestClient(create_app(archive), follow_redirects=False) as client:
        login(client, "clerk")
        page = client.get("/")
        assert "/admin/matters" not in page.text
        assert client.get("/admin/matters").status_code == 403
        denied = client.post(
            "/admin/matters",
            data={"matter": "食品经营许可", "required": "申请书", "csrf_token": csrf_of(page.text)},
        )
        assert denied.status_code == 403
    with archive.db.read() as session:
        assert session.get(MatterRule, "食品经营许可") is None


def test_bad_rule_is_refused_with_a_message(env: tuple[Archive, Path]) -> None:
    from dangan.web import create_app

    archive, _ = env
    with TestClient(create_app(archive), follow_redirects=False) as client:
        login(client, "archivist")
        form = client.get("/admin/matters", params={"edit": "新事项"})
        bad = client.post(
            "/admin/matters",
            data={"matter": "新事项", "required": "材" * 101, "csrf_token": csrf_of(form.text)},
        )
        assert bad.status_code == 422 and "材料名称不超过100字" in bad.text
    with archive.db.read() as session:
        assert session.get(MatterRule, "新事项") is None
