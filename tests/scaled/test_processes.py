"""End to end, as deployed: `dangan serve --workers 2` (two web processes) and `dangan worker` as separate
processes on PostgreSQL + S3 + Redis. Cases pushed through the API land in S3 (and the local replica),
and the audit handed to Redis is done by the worker process."""

from __future__ import annotations

import json
import os
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from dangan.demo import DemoCase, make_case
from dangan.services.archive import Archive
from dangan.services.preservation import Jobs
from dangan.store.catalog import Record, RecordFile
from dangan.store.objects import object_key
from tests.e2e.test_browser import _free_port, _wait_for_port
from tests.helpers import dangan_cmd, json_of, run_dangan
from tests.scaled.conftest import scaled_settings

pytestmark = [pytest.mark.postgres, pytest.mark.s3, pytest.mark.e2e, pytest.mark.slow]

DEPT = "秦皇岛市市场监督管理局"
SYSTEM = "scjg-approval"


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


def test_two_web_processes_and_a_worker(
    scaled_env: dict[str, str], scaled_archive: Archive, tmp_path: Path
) -> None:
    created = run_dangan(
        "apikey", "create", "--system", SYSTEM, "--department", DEPT, "--json", env=scaled_env
    )
    assert created.returncode == 0, created.stderr
    key = json_of(created)["key"]
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("DANGAN_")},
        **scaled_env,
        "DANGAN_AUDIT_INTERVAL": "0",
    }  # fmt: skip - only the audit this test hands over
    port = _free_port()
    with open(tmp_path / "serve.log", "w") as serve_log, open(tmp_path / "worker.log", "w") as worker_log:
        web = subprocess.Popen(dangan_cmd("serve", "--workers", "2", "--port", str(port)), env=env,
                               stdout=serve_log, stderr=subprocess.STDOUT)  # fmt: skip
        worker = subprocess.Popen(dangan_cmd("worker", "--workers", "2"), env=env,
                                  stdout=worker_log, stderr=subprocess.STDOUT)  # fmt: skip
    try:
        _wait_for_port(port, web, timeout=90)
        cases = [make_case(70 + i, department=DEPT, source_system=SYSTEM) for i in range(6)]

        def push(case: DemoCase) -> int:
            files = [("files", (p, d, "application/pdf")) for p, d in case.files.items()]
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120) as client:
                r = client.post("/api/v1/cases", data={"case": json.dumps(case.case, ensure_ascii=False)},
                                files=files, headers={"Authorization": f"Bearer {key}"})  # fmt: skip
            assert r.status_code == 201, r.text
            return r.status_code

        with ThreadPoolExecutor(3) as pool:
            assert list(pool.map(push, cases)) == [201] * 6
        assert len(_children(web.pid)) >= 2, "serve --workers 2 runs its app in two processes"
        result = Jobs(scaled_settings(scaled_env)).audit(mb_per_s=500)
        audited = result.get(blocking=True, timeout=120)
        assert worker.poll() is None, (tmp_path / "worker.log").read_text()
    finally:
        for proc in (web, worker):
            proc.terminate()
        for proc in (web, worker):
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()

    arc = scaled_archive
    primary, replica = arc.objects.locations
    with arc.db.read() as s:
        assert s.scalar(select(func.count()).select_from(Record)) == 6
        files = s.execute(select(RecordFile.sha256, RecordFile.encrypted, RecordFile.verified_at)).all()
    assert files and all(primary.exists(object_key(sha, enc)) for sha, enc, _ in files), "stored in S3"
    assert all(replica.exists(object_key(sha, enc)) for sha, enc, _ in files)
    assert audited["objects_checked"] == len({(sha, enc) for sha, enc, _ in files})
    assert not (audited["damaged"] or audited["missing"])
    assert all(verified is not None for _, _, verified in files), "the worker recorded each check"
    assert "完整性检查" in (tmp_path / "worker.log").read_text(), "the worker logged the audit it ran"
