"""The push API and the drop folder against a real `dangan serve`: a client that hangs up mid-body
leaves nothing behind, a 50 MB body does not grow the server's memory, and the server's own watcher
imports what is dropped into DANGAN_DROP_DIR."""

from __future__ import annotations

import json
import os
import shutil
import socket
import sqlite3
import stat
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from dangan.demo import make_case
from tests.e2e.test_browser import _dangan, _free_port, _wait_for_port
from tests.factories import package_dir
from tests.helpers import json_of, run_dangan

pytestmark = pytest.mark.e2e

DEPT = "秦皇岛市市场监督管理局"
SYSTEM = "scjg-approval"
BOUNDARY = "e2e-boundary-7MA4YWxkTrZu0gW"


@dataclass
class Server:
    url: str
    port: int
    pid: int
    data: Path
    drop: Path
    key: str

    def staged(self) -> list[Path]:
        staging = self.data / "staging"
        return sorted(staging.glob("upload-*")) if staging.is_dir() else []

    def records(self) -> int:
        with sqlite3.connect(self.data / "catalog.db") as conn:
            return int(conn.execute("SELECT count(*) FROM record").fetchone()[0])

    def peak_rss(self) -> int:
        """VmHWM: the most resident memory the server process has ever used, in bytes."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
        raise AssertionError("no VmHWM in /proc status")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("push")
    data, drop = root / "data", root / "drop"
    env = {k: v for k, v in os.environ.items() if not k.startswith("DANGAN_")}
    created = run_dangan("apikey", "create", "--system", SYSTEM, "--department", DEPT, "--data", str(data),
                         "--json", env=env)  # fmt: skip
    assert created.returncode == 0, created.stderr
    key = json_of(created)["key"]
    env.update(DANGAN_DROP_DIR=str(drop), DANGAN_DROP_STABLE_SECONDS="1", DANGAN_DROP_POLL_SECONDS="0.2",
               DANGAN_MAX_UPLOAD_BYTES=str(200 * 1024 * 1024))  # fmt: skip
    port = _free_port()
    proc = subprocess.Popen(_dangan("serve", "--data", str(data), "--port", str(port)), env=env)
    try:
        _wait_for_port(port, proc)
        yield Server(f"http://127.0.0.1:{port}", port, proc.pid, data, drop, key)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _part_head(name: str, filename: str | None = None) -> bytes:
    disp = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
    return f"--{BOUNDARY}\r\nContent-Disposition: {disp}\r\n\r\n".encode()


def _case_part(doc: dict[str, Any]) -> bytes:
    return _part_head("case") + json.dumps(doc, ensure_ascii=False).encode() + b"\r\n"


def _wait(predicate: Callable[[], bool], timeout: float = 30) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return bool(predicate())


def test_push_over_http(server: Server) -> None:
    case = make_case(1, department=DEPT, source_system=SYSTEM)
    files = [("files", (p, d, "application/pdf")) for p, d in case.files.items()]
    auth = {"Authorization": f"Bearer {server.key}"}
    with httpx.Client(base_url=server.url, timeout=60) as client:
        first = client.post("/api/v1/cases", data={"case": json.dumps(case.case, ensure_ascii=False)},
                            files=files, headers=auth)  # fmt: skip
        assert first.status_code == 201, first.text
        again = client.post("/api/v1/cases", data={"case": json.dumps(case.case, ensure_ascii=False)},
                            files=files, headers=auth)  # fmt: skip
        assert again.status_code == 200 and again.json()["duplicate"] is True
    assert server.staged() == []


def test_client_hanging_up_mid_upload_leaves_nothing(server: Server) -> None:
    before = server.records()
    doc = make_case(2, department=DEPT, source_system=SYSTEM).case
    doc = dict(doc, files=[{"path": "大文件.pdf", "role": "决定书"}])
    head = _case_part(doc) + _part_head("files", "大文件.pdf")
    declared = len(head) + 20 * 1024 * 1024 + 100
    request = (
        f"POST /api/v1/cases HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
        f"Authorization: Bearer {server.key}\r\nContent-Type: multipart/form-data; boundary={BOUNDARY}\r\n"
        f"Content-Length: {declared}\r\n\r\n"
    ).encode()
    sock = socket.create_connection(("127.0.0.1", server.port))
    try:
        sock.sendall(request + head)
        block = os.urandom(64 * 1024)
        for _ in range(128):  # 8 MB of the promised 20 MB
            sock.sendall(block)
        # The bytes arrive in a private staging folder as they come, not in memory.
        assert _wait(lambda: bool(server.staged())), "nothing staged while the body was arriving"
        [folder] = server.staged()
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
        staged_file = folder / "package" / "大文件.pdf"
        assert _wait(lambda: staged_file.exists() and staged_file.stat().st_size >= 4 * 1024 * 1024)
    finally:
        sock.close()
    assert _wait(lambda: server.staged() == []), "the abandoned upload was not cleaned up"
    assert server.records() == before
    with httpx.Client(base_url=server.url, timeout=10) as client:
        assert client.get("/login").status_code == 200  # the server is still well


def _big_body(doc: dict[str, Any], size: int) -> Iterator[bytes]:
    yield _case_part(doc) + _part_head("files", "扫描件.pdf")
    block = os.urandom(256 * 1024)
    sent = 0
    while sent < size:
        yield block[: min(len(block), size - sent)]
        sent += len(block)
    yield f"\r\n--{BOUNDARY}--\r\n".encode()


def test_a_50_mb_body_is_streamed_not_buffered(server: Server) -> None:
    """The case is invalid (a date that does not exist), so it is refused before ingest reads the
    file: the server's peak memory then shows what receiving the body alone cost."""
    size = 50 * 1024 * 1024
    doc = dict(make_case(3, department=DEPT, source_system=SYSTEM).case, accepted_at="2023-02-30",
               files=[{"path": "扫描件.pdf", "role": "决定书"}])  # fmt: skip
    headers = {
        "Authorization": f"Bearer {server.key}",
        "Content-Type": f"multipart/form-data; boundary={BOUNDARY}",
    }
    with httpx.Client(base_url=server.url, timeout=120) as client:
        warm = client.post("/api/v1/cases", content=_big_body(doc, 1024 * 1024), headers=headers)
        assert warm.status_code == 422, warm.text
        before = server.peak_rss()
        response = client.post("/api/v1/cases", content=_big_body(doc, size), headers=headers)
    assert response.status_code == 422, response.text
    assert [d["code"] for d in response.json()["error"]["details"]] == ["invalid_date"]
    grown = server.peak_rss() - before
    assert grown < 20 * 1024 * 1024, f"peak RSS grew by {grown / 2**20:.1f} MB for a 50 MB upload"
    assert server.staged() == []


def test_the_server_watches_the_drop_folder(server: Server, tmp_path: Path) -> None:
    pkg = package_dir(tmp_path, 4)
    server.drop.mkdir(exist_ok=True)
    shutil.copytree(pkg, server.drop / pkg.name)  # taken once it has been quiet for 1 s
    done = server.drop / "done" / pkg.name
    assert _wait(done.exists, timeout=60), "the server's watcher did not take the dropped package"
    report = json.loads(done.with_name(done.name + ".report.json").read_text(encoding="utf-8"))
    assert report["status"] == "accepted" and report["archival_code"]
