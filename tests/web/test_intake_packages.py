"""One intake, whatever the door: packages (ZIP, BagIt, folder) through the web page, the form
idempotent on its 办件编号, hashes from the browser, every problem of a case.json shown in Chinese."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from dangan.demo import make_case, write_case
from dangan.services.quality import report_for_record
from dangan.store.catalog import Record
from tests.web.conftest import DEPT_A, DEPT_B, MATTER_B, MATTER_FOOD, WebEnv, csrf_of
from tests.web.test_intake_upload import _form, _open_form, _xhr

Client = Callable[[str], TestClient]


def _zip(folder: Path) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                zf.write(path, f"{folder.name}/{path.relative_to(folder).as_posix()}")
    return buf.getvalue()


def _folder_parts(folder: Path) -> list[tuple[str, tuple[str, bytes, str]]]:
    return [("files", (f"{folder.name}/{p.relative_to(folder).as_posix()}", p.read_bytes(), "application/octet-stream"))
            for p in sorted(folder.rglob("*")) if p.is_file()]  # fmt: skip


def _post(c: TestClient, parts: list[Any]) -> Any:
    csrf = csrf_of(c.get("/upload").text)
    headers = {"X-CSRF-Token": csrf, "Accept": "application/json"}
    return c.post("/upload/packages", files=parts, headers=headers)


def test_zip_and_folder_packages_each_get_a_result(web_env: WebEnv, as_user: Client, tmp_path: Path) -> None:
    zipped = write_case(make_case(901, department=DEPT_A, matter=MATTER_FOOD), tmp_path / "a")
    folder = write_case(make_case(902, department=DEPT_A, matter=MATTER_FOOD), tmp_path / "b")
    other = write_case(make_case(903, department=DEPT_B, matter=MATTER_B), tmp_path / "c")
    parts = [("files", (f"{zipped.name}.zip", _zip(zipped), "application/zip")), *_folder_parts(folder),
             ("files", (f"{other.name}.zip", _zip(other), "application/zip"))]  # fmt: skip
    response = _post(as_user("clerk_a"), parts)
    assert response.status_code == 422  # one package was refused
    rows = {r["name"]: r for r in response.json()["packages"]}
    assert rows[f"{zipped.name}.zip"]["status"] == "accepted" and rows[folder.name]["status"] == "accepted"
    refused = rows[f"{other.name}.zip"]
    assert refused["status"] == "rejected" and refused["reasons"][0]["code"] == "department_mismatch"
    assert str(web_env.archive.settings.home) not in response.text and "/staging/" not in response.text
    again = _post(as_user("clerk_a"), parts[:1])
    assert again.status_code == 200 and again.json()["packages"][0]["status"] == "duplicate"
    with web_env.archive.db.read() as s:
        assert s.scalar(select(Record.id).where(Record.source_id == make_case(903).case["source_id"])) is None


def test_a_bad_case_json_reports_every_problem_in_chinese(as_user: Client, tmp_path: Path) -> None:
    pkg = write_case(make_case(904, department=DEPT_A, matter=MATTER_FOOD), tmp_path)
    doc = json.loads((pkg / "case.json").read_text(encoding="utf-8"))
    del doc["title"]
    doc["accepted_at"], doc["applicant"]["uscc"] = "2024-02-30", "123"
    (pkg / "case.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    loose = [("files", (p.name, p.read_bytes(), "application/octet-stream")) for p in pkg.iterdir()]
    response = _post(as_user("clerk_a"), loose)  # case.json among loose files: one package
    reasons = response.json()["packages"][0]["reasons"]
    assert {"missing_field", "invalid_date", "invalid_uscc"} <= {r["code"] for r in reasons}
    for r in reasons:
        assert (
            "（title）" not in r["message"]
            and "path" not in r["message"]
            and "accepted_at" not in r["message"]
        )


def test_the_form_is_idempotent_on_its_number_within_the_department(web_env: WebEnv, as_user: Client) -> None:
    c = as_user("clerk_a")
    fields, files = _form(905, application_number="SCJG-SL-2024-0907")
    csrf, token = _open_form(c)
    first = _xhr(c, fields, files, csrf, token)
    assert first.status_code == 201, first.text
    csrf2, token2 = _open_form(c)  # a second, fresh form
    assert token2 != token
    second = _xhr(c, fields, files, csrf2, token2)
    assert second.status_code == 200 and second.json()["duplicate"] is True
    assert second.json()["record_id"] == first.json()["record_id"]
    bad = _xhr(c, {**fields, "application_number": "秦市监受〔2024〕1号"}, files, *_open_form(c))
    assert bad.status_code == 422 and "办件编号只能含字母" in bad.text


def test_browser_hashes_make_1_3_pass_and_a_wrong_one_is_refused(web_env: WebEnv, as_user: Client) -> None:
    c = as_user("clerk_a")
    fields, files = _form(906)
    hashes = {name: hashlib.sha256(data).hexdigest() for _, (name, data, _t) in files}
    response = _xhr(
        c, {**fields, "file_hashes": json.dumps(hashes, ensure_ascii=False)}, files, *_open_form(c)
    )
    assert response.status_code == 201, response.text
    report = report_for_record(web_env.archive, response.json()["record_id"])
    assert report is not None
    item = next(i for i in report.items if i.code == "1-3")
    assert item.verdict.name == "PASS" and "与登记一致" in item.message, item.message
    wrong = {name: "0" * 64 for name in hashes}
    fields2, files2 = _form(907)
    refused = _xhr(c, {**fields2, "file_hashes": json.dumps(wrong)}, files2, *_open_form(c))
    assert refused.status_code == 422 and "check:1-3" in refused.text and "隔离区" in refused.text
