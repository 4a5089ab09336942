"""Nothing lost: SIGKILL an import at random moments, restart it, and prove every case is stored once
with every file intact."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import time
from collections import defaultdict
from pathlib import Path

import pytest
from sqlalchemy import select

from dangan.core import load_settings
from dangan.services.archive import open_archive
from dangan.store.catalog import Record
from tests.helpers import case_keys, dangan_cmd, run_dangan, write_pool

pytestmark = [pytest.mark.slow, pytest.mark.e2e]


def _orphans(marker: str) -> list[int]:
    """Processes adopted by init whose environment carries this test's marker (left by a killed parent)."""
    time.sleep(1.0)  # PR_SET_PDEATHSIG is delivered asynchronously
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            ppid = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
            environ = (proc / "environ").read_bytes()
        except (OSError, ValueError, IndexError):
            continue
        if ppid == 1 and f"DANGAN_ORPHAN_MARK={marker}".encode() in environ:
            found.append(int(proc.name))
    return found


def test_killed_imports_leave_whole_records_or_none(tmp_path: Path) -> None:
    pool = write_pool(tmp_path / "pool", 300, seed=7)
    data = tmp_path / "data"
    assert run_dangan("init", "--data", str(data)).returncode == 0
    rng = random.Random(20241126)
    kills = 0
    for _ in range(6):
        proc = subprocess.Popen(dangan_cmd("import", "--data", str(data), str(tmp_path / "pool")),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                env={**os.environ, "DANGAN_ORPHAN_MARK": str(data)})  # fmt: skip
        time.sleep(rng.uniform(0.4, 2.5))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.wait()
    assert kills >= 3, "the import finished before it could be killed; make the pool bigger"

    assert _orphans(str(data)) == [], "workers of a killed import must die with it"
    final = run_dangan("import", "--data", str(data), "--json", str(tmp_path / "pool"))
    assert final.returncode == 0, final.stderr
    report = json.loads(final.stdout)
    assert not report["rejected"]

    archive = open_archive(load_settings(data), migrate=False)
    db, objects = archive.db, archive.objects
    with db.read() as s:
        records = s.scalars(select(Record)).all()
        keys = [(r.source_system, r.source_id) for r in records]
        assert len(keys) == len(set(keys)) == len(pool)
        assert set(keys) == case_keys(pool)
        by_key = {(r.source_system, r.source_id): r for r in records}
        for pkg in pool:
            doc = json.loads((pkg / "case.json").read_text(encoding="utf-8"))
            record = by_key[(doc["source_system"], doc["source_id"])]
            assert [f.path for f in record.files] == [f["path"] for f in doc["files"]]
            for f, listed in zip(record.files, doc["files"], strict=True):
                assert f.sha256 == listed["sha256"]
                for location in objects.locations:
                    assert objects.verify(f.sha256, f.encrypted, location), location.name
        series: dict[str, list[int]] = defaultdict(list)
        for r in records:
            series[r.series_key].append(r.item_no)
        for numbers in series.values():
            assert sorted(numbers) == list(range(1, len(numbers) + 1))
    archive.close()
    with sqlite3.connect(data / "catalog.db") as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
