"""`/upload`: a clerk or archivist uploads one case through the web form (script and plain-form posts)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from dangan.demo import make_case
from dangan.services.intake import WEB_SOURCE_SYSTEM
from dangan.store.catalog import Record
from tests.web.conftest import DEPT_A, DEPT_B, WebEnv, csrf_of

Client = Callable[[str], TestClient]
_TOKEN = re.compile(r'name="source_id" value="(WEB-[0-9A-Z]+)"')


def _form(seed: int, **overrides: str) -> tuple[dict[str, str], list[tuple[str, tuple[str, bytes, str]]]]:
    c = make_case(seed, department=DEPT_A)
    doc = c.case
    a = doc["applicant"]
    fields = {
        "title": doc["title"], "doc_number": doc["doc_number"], "matter.name": doc["matter"]["name"],
        "matter.code": doc["matter"]["code"], "applicant.name": a["name"], "applicant.type": a["type"],
        "applicant.uscc": a.get("uscc") or "", "applicant.legal_representative": a.get("legal_representative") or "",
        "applicant.phone": a.get("phone") or "", "applicant.address": a.get("address") or "",
        "accepted_at": doc["accepted_at"], "decided_at": doc["decided_at"], "result": doc["result"],
        "district": doc["district"], "industry": doc["industry"], "retention": "30年", "security_level": "内部",
    }  # fmt: skip
    fields.update(overrides)
    roles = {f["path"]: f["role"] for f in doc["files"]}
    fields["file_roles"] = json.dumps(roles, ensure_ascii=False)
    files = [("files", (path, data, "application/pdf")) for path, data in c.files.items()]
    return fields, files


def _open_form(c: TestClient) -> tuple[str, str]:
    page = c.get("/upload")
    assert page.status_code == 200, page.text
    match = _TOKEN.search(page.text)
    assert match
    return csrf_of(page.text), match.group(1)


def _xhr(c: TestClient, fields: dict[str, str], files: list[Any], csrf: str, token: str) -> Any:
    headers = {"X-CSRF-Token": csrf, "Accept": "application/json"}
    return c.post(
        "/upload", data={**fields, "source_id": token, "csrf_token": csrf}, files=files, headers=headers
    )


def _record(env: WebEnv, record_id: str) -> Record:
    with env.archive.db.read() as s:
        record = s.scalar(select(Record).where(Record.id == record_id))
        assert record is not None
        _ = record.files
        return record


def test_the_page_offers_the_form_to_uploaders_only(as_user: Client, client: TestClient) -> None:
    page = as_user("clerk_a").get("/upload")
    assert page.status_code == 200
    assert "上传案卷" in page.text and DEPT_A in page.text and 'id="dropzone"' in page.text
    assert '<a href="/upload"' in page.text  # the nav link
    assert "/static/js/upload.js" in page.text and "<progress" in page.text
    assert 'name="department"' not in page.text  # a clerk's department is fixed
    archivist = as_user("archivist").get("/upload")
    assert archivist.status_code == 200 and 'name="department"' in archivist.text
    auditor = as_user("auditor").get("/upload")
    assert auditor.status_code == 403 and '<a href="/upload"' not in auditor.text
    assert client.get("/upload").status_code == 303


def test_clerk_uploads_a_case_and_resubmitting_is_a_duplicate(as_user: Client, web_env: WebEnv) -> None:
    c = as_user("clerk_a")
    csrf, token = _open_form(c)
    fields, files = _form(501, department=DEPT_B)  # a clerk cannot choose another department
    response = _xhr(c, fields, files, csrf, token)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["archival_code"].startswith("Z001-") and body["url"] == f"/records/{body['record_id']}"
    record = _record(web_env, body["record_id"])
    assert (record.source_system, record.source_id) == (WEB_SOURCE_SYSTEM, token)
    assert record.department.name == DEPT_A and record.title == fields["title"]
    assert record.extra == {"上传人": "clerk_a"}  # no 办件编号: the form's own token is the key
    assert {f.path: f.role for f in record.files} == json.loads(fields["file_roles"])
    again = _xhr(c, fields, files, csrf, token)
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert again.json()["record_id"] == body["record_id"]
    assert not any(p.name.startswith("upload-") for p in web_env.archive.staging.iterdir())


def test_field_errors_come_back_per_field_in_chinese(as_user: Client, web_env: WebEnv) -> None:
    c = as_user("clerk_a")
    csrf, token = _open_form(c)
    fields, files = _form(502, title="", decided_at="2000-01-01")
    fields["applicant.uscc"] = fields["applicant.uscc"][:-1] + (
        "0" if fields["applicant.uscc"][-1] != "0" else "1"
    )
    response = _xhr(c, fields, files, csrf, token)
    assert response.status_code == 422
    error = response.json()["error"]
    by_field = {d["field"]: d for d in error["details"]}
    assert by_field["title"]["code"] == "missing_field" and "题名" in by_field["title"]["message"]
    assert by_field["applicant.uscc"]["code"] == "invalid_uscc"
    assert by_field["decided_at"]["code"] == "date_order"
    with web_env.archive.db.read() as s:
        assert s.scalar(select(Record).where(Record.source_id == token)) is None


def test_no_files_and_a_level_above_clearance(as_user: Client) -> None:
    c = as_user("clerk_a")
    csrf, token = _open_form(c)
    fields, _ = _form(503, security_level="秘密")
    # What a browser's FormData sends with no file chosen: still multipart, just no `files` part.
    roles = fields.pop("file_roles")
    response = _xhr(c, fields, [("file_roles", (None, roles))], csrf, token)
    assert response.status_code == 422
    codes = {(d["field"], d["code"]) for d in response.json()["error"]["details"]}
    assert ("security_level", "above_clearance") in codes and ("files", "missing_field") in codes


def test_archivist_names_the_department(as_user: Client, web_env: WebEnv) -> None:
    c = as_user("archivist")
    csrf, token = _open_form(c)
    fields, files = _form(504)
    missing = _xhr(c, fields, files, csrf, token)
    assert missing.status_code == 422
    assert ("department", "missing_field") in {
        (d["field"], d["code"]) for d in missing.json()["error"]["details"]
    }
    ok = _xhr(c, {**fields, "department": DEPT_B}, files, csrf, token)
    assert ok.status_code == 201, ok.text
    assert _record(web_env, ok.json()["record_id"]).department.name == DEPT_B


def test_plain_form_post_without_script(as_user: Client, web_env: WebEnv) -> None:
    c = as_user("clerk_a")
    csrf, token = _open_form(c)
    fields, files = _form(505)
    fields.pop("file_roles")
    response = c.post("/upload", data={**fields, "source_id": token, "csrf_token": csrf}, files=files)
    assert response.status_code == 201, response.text
    assert "已归档，档号" in response.text
    code = re.search(r'<strong class="mono">([^<]+)</strong>', response.text)
    assert code
    with web_env.archive.db.read() as s:
        record = s.scalar(select(Record).where(Record.source_id == token))
        assert record is not None and record.archival_code == code.group(1)
    bad_fields, bad_files = _form(506, result="")
    bad = c.post(
        "/upload", data={**bad_fields, "source_id": token + "X", "csrf_token": csrf}, files=bad_files
    )
    assert bad.status_code == 422
    assert "缺少必填字段“办理结果”" in bad.text and 'class="field has-error"' in bad.text
    assert f'value="{bad_fields["title"]}"' in bad.text  # what the clerk typed is kept


def test_upload_needs_the_csrf_token(as_user: Client) -> None:
    c = as_user("clerk_a")
    _, token = _open_form(c)
    fields, files = _form(507)
    headers = {"X-CSRF-Token": "forged", "Accept": "application/json"}
    response = c.post("/upload", data={**fields, "source_id": token}, files=files, headers=headers)
    assert response.status_code == 403
