"""Quarantine: listed with reasons for archivists only, re-checked after a fix, returned with a reason;
the web pages drive the same services."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from dangan.access import Principal, Role
from dangan.core import Conflict, NotFound, PermissionDenied, load_settings
from dangan.domain import SecurityLevel
from dangan.services.accounts import add_user
from dangan.services.archive import Archive, open_archive
from dangan.services.intake import import_paths, recheck_quarantined
from dangan.services.quality import list_quarantine, quarantine_entry, return_to_department
from dangan.store.catalog import Record
from tests.factories import package_dir
from tests.web.conftest import csrf_of, login

ARCHIVIST = Principal("archivist", Role.ARCHIVIST, clearance=SecurityLevel.SECRET)
CLERK = Principal("clerk", Role.CLERK, department="秦皇岛市市场监督管理局")
OTHER_CLERK = Principal("clerk2", Role.CLERK, department="秦皇岛市生态环境局")
READER = Principal("reader", Role.READER, clearance=SecurityLevel.INTERNAL)
AUDITOR = Principal("auditor", Role.AUDITOR)
PASSWORD = "Dangan@2024"
OWN = {"department": "秦皇岛市市场监督管理局", "matter": {"code": "SCJG-XK-101", "name": "食品经营许可"}}


@pytest.fixture
def held(any_archive: Archive, tmp_path: Path) -> str:
    """The id of a package quarantined for an unlisted file."""
    pkg = package_dir(tmp_path / "in", 50, **OWN)
    (pkg / "多余.txt").write_text("不在清单中", encoding="utf-8")
    reasons = import_paths(any_archive, [pkg]).as_json()["rejected"][0]["reasons"]
    return str(reasons[-1]["message"].split("编号 ")[1].split("）")[0])


def test_archivists_and_the_forming_department_see_the_quarantine(any_archive: Archive, held: str) -> None:
    entries = list_quarantine(any_archive, ARCHIVIST)
    assert [e.id for e in entries] == [held]
    assert entries[0].reasons[0]["code"] == "check:2-4"
    assert [e.id for e in list_quarantine(any_archive, CLERK)] == [held]  # his department's package
    assert quarantine_entry(any_archive, CLERK, held).entry.id == held
    assert list_quarantine(any_archive, OTHER_CLERK) == []
    with pytest.raises(NotFound):  # another department's package is not found, like a missing one
        quarantine_entry(any_archive, OTHER_CLERK, held)
    for user in (READER, AUDITOR):
        with pytest.raises(PermissionDenied):
            list_quarantine(any_archive, user)
    with pytest.raises(PermissionDenied):
        return_to_department(any_archive, CLERK, held, "自己退回")  # returning is the archivist's act
    with pytest.raises(NotFound):
        quarantine_entry(any_archive, ARCHIVIST, "nope")


def test_fix_the_copy_and_recheck_archives_it(any_archive: Archive, held: str) -> None:
    view = quarantine_entry(any_archive, ARCHIVIST, held)
    assert view.report is not None and not view.report.passed
    folder = any_archive.settings.home / view.entry.folder
    still = recheck_quarantined(any_archive, ARCHIVIST, held)
    assert still.status == "rejected" and still.problems[0].code == "check:2-4"
    (folder / "多余.txt").unlink()  # the archivist removes the stray file
    outcome = recheck_quarantined(any_archive, ARCHIVIST, held)
    assert outcome.status == "accepted" and outcome.record_id
    entry = quarantine_entry(any_archive, ARCHIVIST, held).entry
    assert entry.status == "released" and entry.record_id == outcome.record_id
    assert not folder.exists()
    with pytest.raises(Conflict):
        recheck_quarantined(any_archive, ARCHIVIST, held)


def test_broken_case_json_in_the_copy_is_reported(any_archive: Archive, held: str) -> None:
    folder = any_archive.settings.home / quarantine_entry(any_archive, ARCHIVIST, held).entry.folder
    (folder / "case.json").write_text("{broken", encoding="utf-8")
    assert recheck_quarantined(any_archive, ARCHIVIST, held).status == "rejected"
    assert quarantine_entry(any_archive, ARCHIVIST, held).entry.reasons[0]["code"] == "invalid_case_json"


def test_return_to_department_needs_a_reason(any_archive: Archive, held: str) -> None:
    with pytest.raises(Conflict):
        return_to_department(any_archive, ARCHIVIST, held, "  ")
    entry = return_to_department(any_archive, ARCHIVIST, held, "请删除清单外文件后重新推送")
    assert entry.status == "returned" and entry.resolved_by == "archivist"
    assert list_quarantine(any_archive, ARCHIVIST) == []
    assert [e.id for e in list_quarantine(any_archive, ARCHIVIST, "returned")] == [held]
    with pytest.raises(Conflict):
        return_to_department(any_archive, ARCHIVIST, held, "再退一次")


@pytest.fixture
def web(tmp_path: Path) -> Iterator[tuple[Archive, TestClient, str]]:
    from dangan.web import create_app

    archive = open_archive(load_settings(tmp_path / "data"))
    add_user(archive, "archivist", PASSWORD, "archivist", clearance="秘密", display_name="王档案")
    add_user(archive, "clerk", PASSWORD, "clerk", department="秦皇岛市市场监督管理局")
    add_user(archive, "clerk2", PASSWORD, "clerk", department="秦皇岛市生态环境局")
    add_user(archive, "reader", PASSWORD, "reader", clearance="内部")
    pkg = package_dir(tmp_path / "in", 51, **OWN)
    (pkg / "多余.txt").write_text("x", encoding="utf-8")
    reasons = import_paths(archive, [pkg]).as_json()["rejected"][0]["reasons"]
    qid = reasons[-1]["message"].split("编号 ")[1].split("）")[0]
    with TestClient(create_app(archive), follow_redirects=False) as client:
        yield archive, client, qid
    archive.close()


def test_quarantine_pages(web: tuple[Archive, TestClient, str]) -> None:
    archive, client, qid = web
    assert login(client, "reader").status_code == 303
    assert client.get("/quarantine").status_code == 403
    client.post("/logout", data={"csrf_token": csrf_of(client.get("/").text)})
    assert login(client, "archivist").status_code == 303
    page = client.get("/quarantine")
    assert page.status_code == 200 and "2-4 信息包完整性" in page.text and "多余.txt" in page.text
    detail = client.get(f"/quarantine/{qid}")
    assert (
        detail.status_code == 200 and "最近一次四性检测报告" in detail.text and "信息包完整性" in detail.text
    )
    xlsx = client.get(f"/quarantine/{qid}/report.xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    token = csrf_of(detail.text)
    again = client.post(f"/quarantine/{qid}/recheck", data={"csrf_token": token})
    assert again.status_code == 200 and "重新检测仍未通过" in again.text
    folder = archive.settings.home / quarantine_entry(archive, ARCHIVIST, qid).entry.folder
    (folder / "多余.txt").unlink()
    done = client.post(f"/quarantine/{qid}/recheck", data={"csrf_token": token})
    assert done.status_code == 303 and done.headers["location"].startswith("/records/")
    record = client.get(done.headers["location"])
    assert "四性检测报告" in record.text and "DA/T 70-2018" in record.text
    with archive.db.read() as s:
        assert s.scalar(select(func.count()).select_from(Record)) == 1


def test_return_from_the_page(web: tuple[Archive, TestClient, str]) -> None:
    _archive, client, qid = web
    login(client, "archivist")
    token = csrf_of(client.get(f"/quarantine/{qid}").text)
    empty = client.post(f"/quarantine/{qid}/return", data={"csrf_token": token, "note": ""})
    assert empty.status_code == 409 and "退回理由" in empty.text
    done = client.post(f"/quarantine/{qid}/return", data={"csrf_token": token, "note": "请补正"})
    assert done.status_code == 303
    assert "已退回" in client.get(f"/quarantine/{qid}").text
    assert qid in client.get("/quarantine?status=returned").text
    assert qid not in client.get("/quarantine").text


def test_fix_in_the_ui_replace_a_file_and_edit_case_json(web: tuple[Archive, TestClient, str]) -> None:
    archive, client, qid = web
    login(client, "archivist")
    page = client.get(f"/quarantine/{qid}")
    assert "修正隔离副本" in page.text and "source_id" in page.text  # the case.json editor is filled
    token = csrf_of(page.text)
    folder = archive.settings.home / quarantine_entry(archive, ARCHIVIST, qid).entry.folder
    bad = client.post(f"/quarantine/{qid}/case", data={"csrf_token": token, "case_json": "{oops"})
    assert bad.status_code == 422 and "不是有效的 JSON" in bad.text
    escape = client.post(
        f"/quarantine/{qid}/file",
        data={"csrf_token": token, "path": "../evil.txt"},
        files={"upload": ("evil.txt", b"x", "text/plain")},
    )
    assert escape.status_code == 422 and not (folder.parent / "evil.txt").exists()
    # List the stray file in case.json instead of deleting it: a plain-text note is acceptable.
    doc = json.loads((folder / "case.json").read_text(encoding="utf-8"))
    doc["files"].append({"path": "多余.txt", "role": "其他材料"})
    saved = client.post(f"/quarantine/{qid}/case", data={"csrf_token": token, "case_json": json.dumps(doc)})
    assert saved.status_code == 200 and "已保存 case.json" in saved.text
    replaced = client.post(
        f"/quarantine/{qid}/file",
        data={"csrf_token": token, "path": "多余.txt"},
        files={"upload": ("note.txt", "补充说明：材料齐全。".encode(), "text/plain")},
    )
    assert replaced.status_code == 200 and "已替换文件" in replaced.text
    assert (folder / "多余.txt").read_text(encoding="utf-8") == "补充说明：材料齐全。"
    done = client.post(f"/quarantine/{qid}/recheck", data={"csrf_token": token})
    assert done.status_code == 303, done.text[-2000:]


def test_the_department_clerk_fixes_his_package_in_a_form(web: tuple[Archive, TestClient, str]) -> None:
    archive, client, qid = web
    assert login(client, "clerk2").status_code == 303
    assert client.get(f"/quarantine/{qid}").status_code == 404 and qid not in client.get("/quarantine").text
    client.post("/logout", data={"csrf_token": csrf_of(client.get("/").text)})
    assert login(client, "clerk").status_code == 303
    assert qid in client.get("/quarantine").text and 'href="/quarantine"' in client.get("/").text
    page = client.get(f"/quarantine/{qid}")
    assert page.status_code == 200 and "题名" in page.text and "受理日期" in page.text
    assert "退回形成部门" not in page.text  # the archivist's act
    entry = quarantine_entry(archive, ARCHIVIST, qid).entry
    assert str(archive.settings.home) not in page.text and "/staging/" not in page.text
    assert "数据目录" not in page.text and entry.origin not in page.text
    token = csrf_of(page.text)
    folder = archive.settings.home / quarantine_entry(archive, ARCHIVIST, qid).entry.folder
    before = json.loads((folder / "case.json").read_text(encoding="utf-8"))
    form = {"csrf_token": token, "title": "关于修正后题名的审批", "decided_at": "2023-13-01",
            "open_to_public": ""}  # fmt: skip
    saved = client.post(f"/quarantine/{qid}/fields", data=form)
    assert saved.status_code == 200 and "已保存元数据" in saved.text
    after = json.loads((folder / "case.json").read_text(encoding="utf-8"))
    assert after["title"] == "关于修正后题名的审批" and after["decided_at"] == "2023-13-01"
    assert after["files"] == before["files"] and after["source_id"] == before["source_id"]  # the rest kept
    moved = {**after, "department": "秦皇岛市生态环境局"}
    refused = client.post(
        f"/quarantine/{qid}/case", data={"csrf_token": token, "case_json": json.dumps(moved)}
    )
    assert refused.status_code == 403 and "本部门" in refused.text
    assert (
        json.loads((folder / "case.json").read_text(encoding="utf-8"))["department"] == before["department"]
    )
    again = client.post(f"/quarantine/{qid}/recheck", data={"csrf_token": token})
    assert again.status_code == 200 and "重新检测仍未通过" in again.text and "日期" in again.text
    client.post(f"/quarantine/{qid}/fields", data={**form, "decided_at": before["decided_at"]})
    (folder / "多余.txt").unlink()
    done = client.post(f"/quarantine/{qid}/recheck", data={"csrf_token": token})
    assert done.status_code == 303 and done.headers["location"].startswith("/records/")
    assert "关于修正后题名的审批" in client.get(done.headers["location"]).text
