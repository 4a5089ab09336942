"""Practice mode (练习模式) end to end in the browser, and the proof that the real archive is untouched.

The real archive's state is taken right after the trainees entered practice mode (entering writes only to
the session cookie, never to the catalogue) and again after everything a trainee can do: uploading
through the web form, a failed 四性检测 upload, searching, a utilisation request, a handover, a certified
copy, a refused page (a `denied` audit event) and the exercises. Both must be byte-for-byte equal:
every catalogue table's rows, the object store and replica with hashes, the ledger root, the search
index's files and the catalogue metrics.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from prometheus_client import CollectorRegistry, generate_latest
from sqlalchemy import MetaData, select, text

from dangan.demo import make_case
from dangan.services.archive import Archive
from dangan.services.oversight import CatalogueCollector
from dangan.services.practice import PracticeHub
from dangan.services.preservation import verify_ledger
from dangan.store.catalog import Record
from tests.web.conftest import DEPT_A, WebEnv, csrf_of

Client = Callable[[str], TestClient]
_TOKEN = re.compile(r'name="source_id" value="(WEB-[0-9A-Z]+)"')
_SKIP = (
    "catalog.db",
    "jobs.db",
)  # the catalogue is compared table by table; the queue holds no archive state


@pytest.fixture(scope="module", autouse=True)
def hub(web_env: WebEnv) -> Any:
    h = PracticeHub(web_env.archive.settings, cases=8)
    web_env.app.state.practice = h
    yield h
    h.close()


def _files(root: Path) -> dict[str, str]:
    out = {}
    for p in sorted(root.rglob("*")) if root.exists() else []:
        rel = p.relative_to(root).as_posix()
        if p.is_file() and not rel.startswith(_SKIP) and not rel.endswith((".lock", "-shm", "-wal")):
            out[rel] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def snapshot(archive: Archive) -> dict[str, Any]:
    """Everything of the real archive a trainee could have reached."""
    meta = MetaData()
    with archive.db.read() as s:
        meta.reflect(bind=s.connection())
        tables = {name: [tuple(map(repr, row)) for row in s.execute(select(t).order_by(*t.columns))]
                  for name, t in sorted(meta.tables.items())}  # fmt: skip
    home = archive.settings.home
    files = {k: v for k, v in _files(home).items() if not k.startswith("practice/")}
    registry = CollectorRegistry()
    registry.register(CatalogueCollector(archive))
    ledger = verify_ledger(archive, objects=False)
    return {"tables": tables, "files": files, "objects": _files(archive.settings.objects_dir),
            "replica": _files(archive.settings.replica_path), "index": _files(archive.settings.index_dir),
            "ledger": (ledger.size, ledger.root.hex()), "metrics": generate_latest(registry).decode()}  # fmt: skip


def _enter(c: TestClient) -> None:
    token = csrf_of(c.get("/practice").text)
    assert c.post("/practice/enter", data={"csrf_token": token}).status_code == 303
    page = c.get("/practice")
    assert "您的操作不会影响正式档案" in page.text and 'id="practice-banner"' in page.text
    assert "练习题" in page.text and "得分 0 /" in page.text


def _upload_form(c: TestClient) -> str:
    page = c.get("/upload")
    match = _TOKEN.search(page.text)
    assert page.status_code == 200 and match
    case = make_case(5501, department=DEPT_A, matter={"code": "SCJG-XK-001", "name": "食品经营许可"})
    doc, a = case.case, case.case["applicant"]
    fields = {
        "title": doc["title"], "doc_number": doc["doc_number"], "matter.name": doc["matter"]["name"],
        "matter.code": doc["matter"]["code"], "applicant.name": a["name"], "applicant.type": a["type"],
        "applicant.uscc": a.get("uscc") or "", "accepted_at": doc["accepted_at"], "decided_at": doc["decided_at"],
        "result": doc["result"], "district": doc["district"], "industry": doc["industry"], "retention": "30年",
        "security_level": "内部", "file_roles": json.dumps({f["path"]: f["role"] for f in doc["files"]}, ensure_ascii=False),
    }  # fmt: skip
    files = [("files", (path, data, "application/pdf")) for path, data in case.files.items()]
    csrf = csrf_of(page.text)
    response = c.post("/upload", data={**fields, "source_id": match.group(1), "csrf_token": csrf}, files=files,
                      headers={"X-CSRF-Token": csrf, "Accept": "application/json"})  # fmt: skip
    assert response.status_code == 201, response.text
    return str(response.json()["record_id"])


def _sandbox_record(hub: PracticeHub, username: str, record_id: str) -> Record:
    sandbox = hub.sandbox(username)
    assert sandbox is not None
    with sandbox.db.read() as s:
        record = s.scalar(select(Record).where(Record.id == record_id))
    assert record is not None
    return record


def test_a_trainee_does_everything_and_the_real_archive_is_unchanged(
    web_env: WebEnv, as_user: Client, hub: PracticeHub
) -> None:
    hub.build_now()
    clerk, archivist = as_user("clerk_a"), as_user("archivist")
    real_count = len(web_env.a_ids)
    _enter(clerk)
    _enter(archivist)
    before = snapshot(web_env.archive)

    record_id = _upload_form(clerk)  # upload through the web form
    code = _sandbox_record(hub, "clerk_a", record_id).archival_code
    with web_env.archive.db.read() as s:
        assert s.scalar(select(Record).where(Record.id == record_id)) is None
    found = clerk.get("/search", params={"q": "食品经营许可"})
    assert found.status_code == 200 and record_id in found.text
    token = csrf_of(clerk.get("/requests").text)
    asked = clerk.post("/requests", data={"csrf_token": token, "purpose": "练习：核实许可依据", "codes": code,
                                          "scope": "view", "days": "5"})  # fmt: skip
    assert asked.status_code == 303, asked.text
    handed = clerk.post(
        "/handover", data={"carrier": "光盘（DVD-R）", "csrf_token": csrf_of(clerk.get("/handover").text)}
    )
    assert handed.status_code == 303, handed.text
    assert (
        clerk.get("/admin/users").status_code == 403
    )  # a refused page: its `denied` event stays in the sandbox

    package = clerk.get("/practice/exercises/spot-check-failure/package")
    assert package.status_code == 200 and package.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(package.content)) as zf:
        assert any(n.endswith("/case.json") for n in zf.namelist())
    csrf = csrf_of(clerk.get("/upload").text)
    refused = clerk.post("/upload/packages", files=[("files", ("练习.zip", package.content, "application/zip"))],
                         headers={"X-CSRF-Token": csrf, "Accept": "application/json"})  # fmt: skip
    assert refused.status_code == 422 and refused.json()["packages"][0]["status"] == "rejected"
    answer = {"csrf_token": csrf_of(clerk.get("/practice").text), "answer": "1-3"}
    assert clerk.post("/practice/exercises/spot-check-failure", data=answer).status_code == 303
    board = clerk.get("/practice").text
    assert board.count("已完成") >= 3  # the package, the request and the handover
    score = re.search(r"得分 (\d+) / (\d+)", board)
    assert score and int(score.group(1)) == 30 + 15 + 15

    page = archivist.get(f"/records/{record_id}")  # the clerk's upload is in his sandbox, not the archivist's
    assert page.status_code == 404
    any_id = web_env.a_ids[0]
    assert archivist.get(f"/records/{any_id}").status_code == 404  # nor are the real records
    sandbox = hub.sandbox("archivist")
    assert sandbox is not None
    with sandbox.db.read() as s:
        target = s.scalar(select(Record.id).order_by(Record.seq).limit(1))
    detail = archivist.get(f"/records/{target}")
    certified = archivist.post(
        f"/records/{target}/certify", data={"csrf_token": csrf_of(detail.text), "purpose": "练习"}
    )
    assert certified.status_code == 200 and certified.content.startswith(b"%PDF")
    assert "已出具档案证明" in archivist.get("/practice").text

    after = snapshot(web_env.archive)
    for key in before:
        assert after[key] == before[key], f"the real archive changed: {key}"
    assert (
        len(before["tables"]["record"]) == real_count + 4
    )  # the real records (a_secret, b0-b2 too), untouched

    exit_token = csrf_of(clerk.get("/practice").text)
    assert clerk.post("/practice/exit", data={"csrf_token": exit_token}).status_code == 303
    home = clerk.get("/")
    assert 'id="practice-banner"' not in home.text and "进入练习模式" in home.text


def test_reset_throws_the_sandbox_away(web_env: WebEnv, as_user: Client, hub: PracticeHub) -> None:
    hub.build_now()
    c = as_user("clerk_b")
    _enter(c)
    sandbox = hub.sandbox("clerk_b")
    assert sandbox is not None
    with sandbox.db.write() as s:
        s.execute(text("DELETE FROM record_file"))
    reset = c.post("/practice/reset", data={"csrf_token": csrf_of(c.get("/practice").text)})
    assert reset.status_code == 303 and reset.headers["location"] == "/practice?done=reset"
    fresh = hub.sandbox("clerk_b")
    assert fresh is not None and fresh is not sandbox
    with fresh.db.read() as s:
        assert s.scalar(text("SELECT count(*) FROM record_file")) > 0
    assert "练习环境已重置" in c.get(reset.headers["location"]).text


def test_practice_pages_need_practice_mode_and_a_login(client: TestClient, as_user: Client) -> None:
    assert client.get("/practice").status_code == 303  # to the login page
    c = as_user("auditor")
    page = c.get("/practice")
    assert page.status_code == 200 and "进入练习模式" in page.text and 'id="practice-banner"' not in page.text
    assert c.get("/practice/exercises/spot-check-failure/package").status_code == 404
    answer = c.post(
        "/practice/exercises/count-refused", data={"csrf_token": csrf_of(page.text), "answer": "1"}
    )
    assert answer.status_code == 404
