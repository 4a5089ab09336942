"""Graceful shutdown of a real `dangan serve`: SIGTERM while a case is being uploaded stores the whole
record (the request in flight is finished) and the server then exits by itself, cleanly; its JSON log
names the upload by the request id the client sent."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from dangan.core import load_settings
from dangan.demo import make_case
from dangan.services.archive import open_archive
from dangan.store.catalog import Record
from tests.e2e.test_browser import _dangan, _free_port, _wait_for_port
from tests.e2e.test_upload_server import BOUNDARY, DEPT, SYSTEM, _case_part, _part_head
from tests.helpers import json_of, run_dangan

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def _slow_body(parts: bytes, chunks: int, pause: float, sent: list[int]) -> Iterator[bytes]:
    step = -(-len(parts) // chunks)
    for i in range(0, len(parts), step):
        yield parts[i : i + step]
        sent[0] += 1
        time.sleep(pause)


def test_sigterm_during_an_upload_finishes_it_whole(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = {k: v for k, v in os.environ.items() if not k.startswith("DANGAN_")}
    env["DANGAN_EMBED_INTERVAL"] = "0"
    created = run_dangan("apikey", "create", "--system", SYSTEM, "--department", DEPT, "--data", str(data),
                         "--json", env=env)  # fmt: skip
    assert created.returncode == 0, created.stderr
    key = json_of(created)["key"]
    port = _free_port()
    log_path = tmp_path / "serve.log"
    with log_path.open("wb") as log_file:
        proc = subprocess.Popen(_dangan("serve", "--data", str(data), "--port", str(port), "--log-json"),
                                env=env, stderr=log_file)  # fmt: skip
        try:
            _wait_for_port(port, proc)
            case = make_case(11, department=DEPT, source_system=SYSTEM)
            body = (
                _case_part(case.case)
                + b"".join(
                    _part_head("files", path) + content + b"\r\n" for path, content in case.files.items()
                )
                + f"--{BOUNDARY}--\r\n".encode()
            )
            sent = [0]

            def terminate_mid_body() -> Iterator[bytes]:
                for chunk in _slow_body(body, 12, 0.25, sent):
                    yield chunk
                    if sent[0] == 4:
                        proc.send_signal(signal.SIGTERM)  # a third of the body is on the wire

            headers = {"Authorization": f"Bearer {key}", "X-Request-ID": "shutdown-upload-1",
                       "Content-Type": f"multipart/form-data; boundary={BOUNDARY}",
                       "Content-Length": str(len(body))}  # fmt: skip
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
                response = client.post("/api/v1/cases", content=terminate_mid_body(), headers=headers)
            assert response.status_code == 201, response.text
            assert response.headers["X-Request-ID"] == "shutdown-upload-1"
            assert proc.wait(timeout=60) == 0, "the server did not exit by itself after SIGTERM"
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()

    # After the server stopped: the record is whole, nothing is left in staging.
    archive = open_archive(load_settings(data), migrate=False)
    try:
        with archive.db.read() as s:
            records = s.scalars(select(Record).where(Record.source_id == case.case["source_id"])).all()
            assert len(records) == 1
            files = {f.path: f for f in records[0].files}
            assert set(files) == set(case.files)
            for f in files.values():
                for location in archive.objects.locations:
                    assert archive.objects.verify(f.sha256, f.encrypted, location), location.name
    finally:
        archive.close()
    staging = data / "staging"
    assert not staging.is_dir() or not list(staging.glob("upload-*"))

    lines = [json.loads(line) for line in log_path.read_text(encoding="utf-8").splitlines()
             if line.startswith("{")]  # fmt: skip
    assert lines, "no JSON log lines"
    assert all({"time", "level", "logger", "message", "request_id"} <= set(line) for line in lines)
    [access] = [line for line in lines if line.get("path") == "/api/v1/cases"]
    assert access["request_id"] == "shutdown-upload-1" and access["status"] == 201
