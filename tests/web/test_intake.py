"""`POST /api/v1/cases`: the push API of business systems, every answer and every failure path."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from dangan.core import load_settings
from dangan.demo import make_case
from dangan.services.accounts import create_api_key, revoke_api_key
from dangan.services.archive import Archive, open_archive
from dangan.services.intake import UploadReceiver
from dangan.store.catalog import Event, Record

DEPT = "秦皇岛市市场监督管理局"
SYSTEM = "scjg-approval"
URL = "/api/v1/cases"


class Push:
    """A client of one archive with a key for (SYSTEM, DEPT) and helpers to push demo cases."""

    def __init__(self, archive: Archive, client: TestClient) -> None:
        self.archive = archive
        self.client = client
        _, self.key = create_api_key(archive, SYSTEM, DEPT, actor="test")

    def send(self, case: dict[str, Any], files: dict[str, bytes], key: str | None = None, **kw: Any) -> Any:
        parts = [("files", (path, data, "application/octet-stream")) for path, data in files.items()]
        headers = {"Authorization": f"Bearer {key or self.key}"}
        return self.client.post(URL, data={"case": json.dumps(case, ensure_ascii=False)}, files=parts,
                                headers=headers, **kw)  # fmt: skip

    def records(self) -> int:
        with self.archive.db.read() as s:
            return int(s.scalar(select(func.count()).select_from(Record)) or 0)

    def staging_is_empty(self) -> bool:
        return not any(p.name.startswith("upload-") for p in self.archive.staging.iterdir())


def _open(tmp_path: Path, **overrides: Any) -> Iterator[Push]:
    from dangan.web import create_app

    archive = open_archive(load_settings(tmp_path / "data", **overrides))
    try:
        with TestClient(create_app(archive)) as client:
            yield Push(archive, client)
    finally:
        archive.close()


@pytest.fixture
def push(tmp_path: Path) -> Iterator[Push]:
    yield from _open(tmp_path)


def case(seed: int = 1, **overrides: Any) -> tuple[dict[str, Any], dict[str, bytes]]:
    c = make_case(seed, department=DEPT, **overrides)
    return dict(c.case, source_system=SYSTEM), dict(c.files)


def _error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"} and body["error"]["code"] == code, body
    assert body["error"]["message"]
    return dict(body["error"])


def test_push_then_duplicate(push: Push) -> None:
    doc, files = case()
    first = push.send(doc, files)
    assert first.status_code == 201, first.text
    body = first.json()
    assert body["source_system"] == SYSTEM and body["source_id"] == doc["source_id"]
    assert body["archival_code"].startswith("Z001-") and body["duplicate"] is False
    again = push.send(doc, files)
    assert again.status_code == 200
    assert again.json() == {**body, "duplicate": True}
    assert push.records() == 1 and push.staging_is_empty()
    with push.archive.db.read() as s:
        stored = s.scalar(select(Record).where(Record.id == body["record_id"]))
        assert stored is not None
        assert [f.path for f in stored.files] == [f["path"] for f in doc["files"]]
        event = s.scalar(select(Event).where(Event.kind == "ingest", Event.record_id == body["record_id"]))
        assert event is not None and event.actor is not None and event.actor.startswith("apikey:")


def test_files_in_subfolders_and_without_declared_hashes(push: Push) -> None:
    doc, files = case(2)
    files["卷宗/附件 1.pdf"] = files[doc["files"][0]["path"]]
    doc["files"] = [{k: v for k, v in f.items() if k != "sha256"} for f in doc["files"]]
    doc["files"].append({"path": "卷宗/附件 1.pdf", "role": "其他材料"})
    response = push.send(doc, files)
    assert response.status_code == 201, response.text
    with push.archive.db.read() as s:
        stored = s.scalar(select(Record).where(Record.id == response.json()["record_id"]))
        assert stored is not None and "卷宗/附件 1.pdf" in [f.path for f in stored.files]


def test_changed_package_under_the_same_key_is_a_conflict(push: Push) -> None:
    doc, files = case(3)
    assert push.send(doc, files).status_code == 201
    changed = dict(doc, title=doc["title"] + "（更正）")
    err = _error(push.send(changed, files), 409, "changed_package")
    assert "不会被覆盖" in err["message"]
    assert push.records() == 1


def test_field_errors_are_422_with_every_problem(push: Push) -> None:
    doc, files = case(4)
    bad = dict(doc, accepted_at="2023-02-30", district="999999", title="")
    bad["applicant"] = dict(doc["applicant"], uscc="91130302MA2X57DG0X")
    err = _error(push.send(bad, files), 422, "validation_failed")
    fields = {d["field"]: d["code"] for d in err["details"]}
    assert fields["accepted_at"] == "invalid_date"
    assert fields["district"] == "unknown_district"
    assert fields["title"] == "missing_field"
    assert fields["applicant.uscc"] == "invalid_uscc"
    assert all(set(d) == {"code", "message", "field"} for d in err["details"])
    assert push.records() == 0 and push.staging_is_empty()


def test_missing_unlisted_and_mismatched_files(push: Push) -> None:
    doc, files = case(5)
    first = doc["files"][0]["path"]
    missing = {k: v for k, v in files.items() if k != first}
    err = _error(push.send(doc, missing), 422, "validation_failed")
    assert [(d["code"], d["field"]) for d in err["details"]] == [("file_missing", "files[0].path")]
    extra = dict(files, **{"多余.pdf": b"%PDF-1.4"})
    err = _error(push.send(doc, extra), 422, "validation_failed")
    assert [d["code"] for d in err["details"]] == ["unlisted_file"]
    tampered = dict(files, **{first: files[first] + b"tampered"})
    err = _error(push.send(doc, tampered), 422, "validation_failed")
    assert any(first in d["message"] for d in err["details"])  # the 四性检测 item names the file
    assert push.records() == 0 and push.staging_is_empty()


def test_malformed_requests(push: Push) -> None:
    auth = {"Authorization": f"Bearer {push.key}"}
    doc, _ = case(6)
    no_case = push.client.post(URL, files=[("files", ("a.pdf", b"x"))], headers=auth)
    assert _error(no_case, 422, "validation_failed")["details"][0]["code"] == "missing_part"
    not_json = push.client.post(URL, data={"case": "{nope"}, files=[("files", ("a.pdf", b"x"))], headers=auth)
    assert _error(not_json, 422, "validation_failed")["details"][0]["code"] == "invalid_case_json"
    twice = json.dumps(doc, ensure_ascii=False)[:-1] + ', "source_id": "OTHER"}'  # which one is meant?
    ambiguous = push.client.post(URL, data={"case": twice}, files=[("files", ("a.pdf", b"x"))], headers=auth)
    detail = _error(ambiguous, 422, "validation_failed")["details"][0]
    assert detail["code"] == "invalid_case_json" and "source_id" in detail["message"]
    as_json = push.client.post(URL, json=doc, headers=auth)
    _error(as_json, 422, "unsupported_media_type")
    unsafe = push.client.post(URL, data={"case": "{}"}, files=[("files", ("../x.pdf", b"x"))], headers=auth)
    assert _error(unsafe, 422, "unsafe_path")["details"][0]["field"] == "files"
    assert push.staging_is_empty()


def test_case_part_may_arrive_as_a_file(push: Push) -> None:
    """`curl -F case=@case.json -F files=@决定书.pdf …` sends case.json as a file part."""
    doc, files = case(7)
    parts = [("case", ("case.json", json.dumps(doc, ensure_ascii=False).encode(), "application/json"))]
    parts += [("files", (p, d, "application/pdf")) for p, d in files.items()]
    response = push.client.post(URL, files=parts, headers={"Authorization": f"Bearer {push.key}"})
    assert response.status_code == 201, response.text


@pytest.mark.parametrize(
    ("header", "code"),
    [
        ("Basic dXNlcjpwYXNz", "api_key_required"),
        ("Bearer ", "api_key_required"),
        ("Bearer dgk_000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "invalid_api_key"),
        ("Bearer not-a-key", "invalid_api_key"),
    ],
)
def test_wrong_key_is_401(push: Push, header: str, code: str) -> None:
    doc, _ = case(8)
    response = push.client.post(URL, data={"case": json.dumps(doc)}, files=[("files", ("a.pdf", b"x"))],
                                headers={"Authorization": header})  # fmt: skip
    _error(response, 401, code)
    assert push.records() == 0


def test_no_key_at_all_is_refused(push: Push) -> None:
    """Without an Authorization header the app-wide CSRF guard answers first (403); either way nothing
    is stored."""
    doc, files = case(8)
    parts = [("files", (p, d)) for p, d in files.items()]
    response = push.client.post(URL, data={"case": json.dumps(doc)}, files=parts)
    assert response.status_code in (401, 403)
    assert push.records() == 0 and push.staging_is_empty()


def test_revoked_key_is_401(push: Push) -> None:
    info, key = create_api_key(push.archive, SYSTEM, DEPT)
    revoke_api_key(push.archive, info.id)
    doc, files = case(9)
    _error(push.send(doc, files, key=key), 401, "invalid_api_key")


def test_out_of_scope_is_403(push: Push) -> None:
    doc, files = case(10)
    _error(push.send(dict(doc, source_system="other-system"), files), 403, "system_out_of_scope")
    _error(push.send(dict(doc, department="秦皇岛市生态环境局"), files), 403, "department_out_of_scope")
    _, scoped = create_api_key(push.archive, SYSTEM, DEPT, ["特种设备使用登记"])
    food = dict(doc, matter={"code": "SCJG-XK-001", "name": "食品经营许可"})
    _error(push.send(food, files, key=scoped), 403, "matter_out_of_scope")
    _, by_code = create_api_key(push.archive, SYSTEM, DEPT, ["SCJG-XK-001"])
    assert push.send(food, files, key=by_code).status_code == 201
    assert push.records() == 1 and push.staging_is_empty()


def test_out_of_scope_case_is_refused_before_its_files_are_stored(
    push: Push, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The scope is checked when the `case` part ends: the files after it are never written."""
    opened: list[str] = []
    original = UploadReceiver._open_file

    def recorded(self: UploadReceiver, path: str) -> None:
        opened.append(path)
        original(self, path)

    monkeypatch.setattr(UploadReceiver, "_open_file", recorded)
    doc, _ = case(11)
    big = {"大文件.bin": b"\0" * 3_000_000}
    response = push.send(dict(doc, department="秦皇岛市生态环境局"), big)
    _error(response, 403, "department_out_of_scope")
    assert opened == [] and push.staging_is_empty()
    doc2, files = case(14)
    assert push.send(doc2, files).status_code == 201
    assert sorted(opened) == sorted(files)  # the spy does see files of an in-scope case


def test_over_the_size_limit_is_413(tmp_path: Path) -> None:
    for p in _open(tmp_path, max_upload_bytes=50_000):
        doc, files = case(12)
        err = _error(p.send(doc, dict(files, **{"大.bin": b"\1" * 60_000})), 413, "payload_too_large")
        assert "DANGAN_MAX_UPLOAD_BYTES" in err["message"]
        assert p.records() == 0 and p.staging_is_empty()


def test_push_on_both_backends(any_archive: Archive) -> None:
    from dangan.web import create_app

    with TestClient(create_app(any_archive)) as client:
        p = Push(any_archive, client)
        doc, files = case(13)
        assert p.send(doc, files).status_code == 201
        assert p.send(doc, files).status_code == 200
        assert p.records() == 1


def test_openapi_documents_the_push(push: Push) -> None:
    spec = push.client.get("/api/openapi.json").json()
    op = spec["paths"]["/api/v1/cases"]["post"]
    assert "multipart/form-data" in op["requestBody"]["content"]
    assert {"201", "200", "401", "403", "409", "413", "422"} <= set(op["responses"])


def test_push_through_worker_processes_survives_a_killed_worker(push: Push) -> None:
    """`dangan serve` ingests in worker processes (pdfium is not thread-safe); a worker that dies costs
    one 503, never a stuck server."""
    import os
    import signal

    from dangan.services.intake import _ingest_pool as ingest_pool
    from dangan.services.intake import ingest_workers

    with ingest_workers(push.archive, 1):
        doc, files = case(20)
        assert push.send(doc, files).status_code == 201
        pool = ingest_pool._pools[id(push.archive)]
        os.kill(pool.submit(os.getpid).result(), signal.SIGKILL)
        doc2, files2 = case(21)
        err = _error(push.send(doc2, files2), 503, "ingest_unavailable")
        assert "重试" in err["message"]
        assert push.send(doc2, files2).status_code == 201  # fresh workers took over
        assert push.send(doc, files).status_code == 200
    assert push.records() == 2 and push.staging_is_empty()
