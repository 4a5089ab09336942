"""The handover pages: a clerk creates and submits a batch, prints the form; the archivist checks and
accepts or returns it; other departments and roles are refused; every POST needs the CSRF token."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from dangan.core import load_settings
from dangan.services.accounts import add_user
from dangan.services.archive import Archive, open_archive
from dangan.services.intake import import_paths
from tests.factories import package_dir
from tests.services.test_check_pdf import pdf_text
from tests.web.conftest import csrf_of, login

PASSWORD = "Dangan@2024"
DEPT_A = "秦皇岛市市场监督管理局"
DEPT_B = "秦皇岛市生态环境局"
_BATCH = re.compile(r"^/handover/([0-9A-Z]{26})$")


@pytest.fixture
def env(tmp_path: Path) -> Iterator[tuple[Archive, int]]:
    """An archive with three records of department A (yielded with their byte total) and one of B."""
    archive = open_archive(load_settings(tmp_path / "data"))
    pkgs = [package_dir(tmp_path / f"in{s}", s, department=DEPT_A) for s in (110, 111, 112)]
    pkgs.append(package_dir(tmp_path / "b", 113, department=DEPT_B))
    assert len(import_paths(archive, pkgs).accepted) == 4
    total = 0
    for pkg in pkgs[:3]:
        doc = json.loads((pkg / "case.json").read_text(encoding="utf-8"))
        total += sum((pkg / f["path"]).stat().st_size for f in doc["files"])
    add_user(archive, "archivist", PASSWORD, "archivist", clearance="秘密")
    add_user(archive, "clerk_a", PASSWORD, "clerk", department=DEPT_A, clearance="秘密")
    add_user(archive, "clerk_b", PASSWORD, "clerk", department=DEPT_B, clearance="秘密")
    try:
        yield archive, total
    finally:
        archive.close()


def _client(archive: Archive, username: str) -> TestClient:
    """A client logged in as `username`, on one app per archive (kept on the archive object)."""
    from dangan.web import create_app

    app = archive.__dict__.setdefault("_test_app", create_app(archive))
    client = TestClient(app, follow_redirects=False)
    assert login(client, username).status_code == 303
    return client


def test_clerk_creates_archivist_accepts(env: tuple[Archive, int]) -> None:
    archive, total = env
    clerk, archivist, other = (_client(archive, u) for u in ("clerk_a", "archivist", "clerk_b"))
    page = clerk.get("/handover")
    assert page.status_code == 200 and "本部门尚未移交的档案：<strong>3</strong>" in page.text
    assert clerk.post("/handover", data={"note": "x"}).status_code == 403  # no CSRF token
    made = clerk.post("/handover", data={"carrier": "光盘（DVD-R）", "csrf_token": csrf_of(page.text)})
    assert made.status_code == 303
    match = _BATCH.match(made.headers["location"])
    assert match
    bid = match.group(1)
    detail = clerk.get(f"/handover/{bid}")
    assert "待移交" in detail.text and f"{total} 字节" in detail.text and "确认移交" in detail.text
    form = clerk.get(f"/handover/{bid}/form.pdf")
    assert form.headers["content-type"] == "application/pdf"
    text = pdf_text(form.content)
    assert (
        "电子档案移交登记表" in text
        and "3 件" in text
        and f"{total} 字节" in text
        and "光盘（DVD-R）" in text
    )

    assert other.get(f"/handover/{bid}").status_code == 404
    assert other.get(f"/handover/{bid}/form.pdf").status_code == 404
    token = csrf_of(other.get("/handover").text)
    assert other.post(f"/handover/{bid}/submit", data={"csrf_token": token}).status_code == 404

    token = csrf_of(detail.text)
    assert clerk.post(f"/handover/{bid}/accept", data={"csrf_token": token}).status_code == 403
    submitted = clerk.post(f"/handover/{bid}/submit", data={"csrf_token": token})
    assert submitted.status_code == 200 and "已移交，等待档案部门检测与接收" in submitted.text

    listing = archivist.get("/handover")
    assert bid in listing.text and "新建移交批次" not in listing.text
    token = csrf_of(listing.text)
    checked = archivist.post(f"/handover/{bid}/check", data={"csrf_token": token})
    assert checked.status_code == 200 and "移交检测通过" in checked.text
    accepted = archivist.post(f"/handover/{bid}/accept", data={"csrf_token": token})
    assert accepted.status_code == 200 and "已接收" in accepted.text and "receipt.pdf" in accepted.text
    receipt = pdf_text(clerk.get(f"/handover/{bid}/receipt.pdf").content)
    assert "电子档案移交接收回执" in receipt and f"{total} 字节" in receipt
    assert "本部门的档案均已编入移交批次" in clerk.get("/handover").text


def test_archivist_returns_with_reasons(env: tuple[Archive, int]) -> None:
    archive, _ = env
    clerk, archivist = _client(archive, "clerk_a"), _client(archive, "archivist")
    bid = _BATCH.match(
        clerk.post("/handover", data={"csrf_token": csrf_of(clerk.get("/handover").text)}).headers["location"]
    ).group(1)  # type: ignore[union-attr]
    token = csrf_of(archivist.get(f"/handover/{bid}").text)
    empty = archivist.post(f"/handover/{bid}/return", data={"reasons": " ", "csrf_token": token})
    assert empty.status_code == 422 and "请填写退回理由" in empty.text
    done = archivist.post(
        f"/handover/{bid}/return", data={"reasons": "缺少第2件的决定书", "csrf_token": token}
    )
    assert done.status_code == 200 and "已退回" in done.text and "缺少第2件的决定书" in done.text
    notice = pdf_text(clerk.get(f"/handover/{bid}/receipt.pdf").content)
    assert "电子档案移交退回通知" in notice and "缺少第2件的决定书" in notice
    assert "本部门尚未移交的档案：<strong>3</strong>" in clerk.get("/handover").text


def test_nav_and_roles(env: tuple[Archive, int]) -> None:
    archive, _ = env
    reader_less = _client(archive, "archivist")
    home = reader_less.get("/")
    assert 'href="/handover"' in home.text and 'href="/admin/matters"' in home.text
    add_user(archive, "auditor", PASSWORD, "auditor", clearance="公开")
    auditor = _client(archive, "auditor")
    assert 'href="/handover"' not in auditor.get("/").text
    assert auditor.get("/handover").status_code == 403
