"""A small archive of two departments, its app and clients logged in as each kind of user.

The archive is built once per test module (import is the slow part); each test gets fresh clients.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from PIL import Image

from dangan.core import load_settings
from dangan.demo import make_case, write_case
from dangan.services.accounts import add_user
from dangan.services.archive import Archive, open_archive
from dangan.services.intake import import_paths

PASSWORD = "Dangan@2024"
DEPT_A = "秦皇岛市市场监督管理局"
DEPT_B = "秦皇岛市生态环境局"
MATTER_FOOD = {"code": "SCJG-XK-101", "name": "食品经营许可"}
MATTER_DEVICE = {"code": "SCJG-XK-102", "name": "特种设备使用登记"}
MATTER_B = {"code": "STHJ-XK-201", "name": "排污许可证核发"}
A_COUNT = 23  # visible to clerk A: more than one page of 20
B_TITLE = "关于海鸥化工有限公司排污许可证核发的审批"
LONG_PAGES = 53  # more than the preview shows
XSS_TITLE = "<script>alert(1)</script>关于测试专用企业的审批"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class WebEnv:
    archive: Archive
    app: FastAPI
    ids: dict[str, str]  # label -> record_id
    a_ids: list[str]
    b_ids: list[str]
    files_dir: Path


def _png_bytes() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (120, 80), (200, 30, 40)).save(buf, format="PNG")
    return buf.getvalue()


def _long_pdf(pages: int) -> bytes:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buf = io.BytesIO()
    pdf = canvas.Canvas(buf)
    for n in range(1, pages + 1):
        pdf.setFont("STSong-Light", 24)
        pdf.drawString(100, 700, f"长文件 第 {n} 页")
        pdf.showPage()
    pdf.save()
    return buf.getvalue()


def _dates(i: int) -> dict[str, str]:
    """A cases: 15 in 2023, the rest in 2022; every other case (i < 0) in 2024."""
    if i < 0:
        return {"accepted_at": "2024-05-06", "decided_at": "2024-05-20"}
    year = 2023 if i < 15 else 2022
    return {"accepted_at": f"{year}-03-{(i % 20) + 1:02d}", "decided_at": f"{year}-04-{(i % 20) + 1:02d}"}


def _write_cases(dest: Path) -> dict[str, Path]:
    folders: dict[str, Path] = {}
    for i in range(A_COUNT):
        matter = MATTER_FOOD if i % 2 == 0 else MATTER_DEVICE
        case = make_case(100 + i, department=DEPT_A, matter=matter, security_level="内部", open_to_public=False,
                         **_dates(i))  # fmt: skip
        folders[f"a{i}"] = write_case(case, dest)
    secret = make_case(
        200, department=DEPT_A, matter=MATTER_FOOD, security_level="秘密", open_to_public=False, **_dates(-1)
    )
    folders["a_secret"] = write_case(secret, dest)
    for i in range(3):
        title = B_TITLE if i == 0 else None
        extra: dict[str, Any] = {"title": title} if title else {}
        case = make_case(300 + i, department=DEPT_B, matter=MATTER_B, security_level="内部", open_to_public=False,
                         **extra, **_dates(-1))  # fmt: skip
        folders[f"b{i}"] = write_case(case, dest)
    # One case with an image, a format without preview and a title that must be escaped.
    odd = make_case(400, department=DEPT_A, matter=MATTER_FOOD, title=XSS_TITLE, security_level="内部",
                    open_to_public=False, extra={"备注": "<b>不应加粗</b>", "办理窗口": "3号窗口"},
                    **_dates(-1))  # fmt: skip
    odd.files["现场照片.png"] = _png_bytes()
    odd.files["说明.txt"] = "办理说明：材料齐全。\n".encode()
    odd.files["卷宗/长文件.pdf"] = _long_pdf(LONG_PAGES)
    odd.case["files"] = [
        *odd.case["files"],
        {"path": "现场照片.png", "role": "现场照片"},
        {"path": "说明.txt"},
        {"path": "卷宗/长文件.pdf", "role": "其他材料"},
    ]
    folders["odd"] = write_case(odd, dest)
    return folders


def _source_ids(folders: dict[str, Path]) -> dict[tuple[str | None, str | None], str]:
    out = {}
    for label, folder in folders.items():
        doc = json.loads((folder / "case.json").read_text(encoding="utf-8"))
        out[(doc["source_system"], doc["source_id"])] = label
    return out


@pytest.fixture(scope="module")
def web_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebEnv]:
    from dangan.web import create_app

    root = tmp_path_factory.mktemp("web")
    archive = open_archive(load_settings(root / "data"))
    folders = _write_cases(root / "cases")
    report = import_paths(archive, [root / "cases"])
    assert not report.rejected, report.as_json()["rejected"]
    labels = _source_ids(folders)
    ids = {labels[(o.source_system, o.source_id)]: o.record_id for o in report.accepted if o.record_id}
    add_user(archive, "archivist", PASSWORD, "archivist", clearance="秘密", display_name="王档案")
    add_user(archive, "clerk_a", PASSWORD, "clerk", department=DEPT_A, display_name="市场监管经办人")
    add_user(archive, "clerk_b", PASSWORD, "clerk", department=DEPT_B, display_name="生态环境经办人")
    add_user(archive, "auditor", PASSWORD, "auditor", clearance="公开", display_name="安全审计员")
    a_ids = [ids[k] for k in ids if k.startswith("a") and k != "a_secret"] + [ids["odd"]]
    b_ids = [ids[k] for k in ids if k.startswith("b")]
    try:
        yield WebEnv(archive, create_app(archive), ids, a_ids, b_ids, root / "cases")
    finally:
        archive.close()


def csrf_of(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "page has no CSRF field"
    return match.group(1)


def login(client: TestClient, username: str, password: str = PASSWORD, next_: str = "/") -> Any:
    page = client.get("/login")
    data = {"username": username, "password": password, "next": next_, "csrf_token": csrf_of(page.text)}
    return client.post("/login", data=data, follow_redirects=False)


@pytest.fixture
def client(web_env: WebEnv) -> Iterator[TestClient]:
    with TestClient(web_env.app, follow_redirects=False) as c:
        yield c


@pytest.fixture
def as_user(web_env: WebEnv) -> Iterator[Callable[[str], TestClient]]:
    """`as_user('clerk_a')`: a fresh client with that user's session."""
    clients: list[TestClient] = []

    def make(username: str) -> TestClient:
        c = TestClient(web_env.app, follow_redirects=False)
        clients.append(c)
        response = login(c, username)
        assert response.status_code == 303, response.text
        return c

    yield make
    for c in clients:
        c.close()
