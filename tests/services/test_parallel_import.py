"""档号 allocation under concurrent importers: unique and gap-free, each case stored once."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections import defaultdict
from pathlib import Path

import pytest
from sqlalchemy import select

from dangan.store.catalog import Database, Record
from tests.helpers import case_keys, dangan_cmd, json_of, run_dangan, write_pool

pytestmark = pytest.mark.slow


def test_parallel_processes_number_cases_uniquely_and_without_gaps(tmp_path: Path, db_url: str) -> None:
    pool = write_pool(tmp_path / "pool", 120)
    batches = []
    for k in range(4):  # overlapping batches: the same case is offered to two importers at once
        batch = tmp_path / f"batch{k}"
        batch.mkdir()
        for pkg in pool[k * 25 : k * 25 + 45]:
            shutil.copytree(pkg, batch / pkg.name)
        batches.append(batch)
    offered = set().union(*(case_keys(list(b.iterdir())) for b in batches))
    data = tmp_path / "data"
    env = {"DANGAN_DATABASE_URL": db_url}
    assert run_dangan("init", "--data", str(data), env=env).returncode == 0

    procs = [
        subprocess.Popen(
            dangan_cmd("import", "--data", str(data), "--json", str(b)),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, **env},
        )
        for b in batches
    ]
    results = []
    for p in procs:
        out, errs = p.communicate(timeout=600)
        assert p.returncode == 0, errs
        results.append(json_of(subprocess.CompletedProcess(p.args, 0, out, errs)))

    accepted = [(a["source_system"], a["source_id"]) for r in results for a in r["accepted"]]
    assert len(accepted) == len(set(accepted)) == len(offered)
    assert set(accepted) == offered
    assert all(not r["rejected"] for r in results)

    db = Database(db_url)
    with db.read() as s:
        rows = s.execute(select(Record.series_key, Record.item_no, Record.archival_code)).all()
    db.dispose()
    assert len(rows) == len(offered)
    assert len({r.archival_code for r in rows}) == len(rows)
    items: dict[str, list[int]] = defaultdict(list)
    for key, item, _ in rows:
        items[key].append(item)
    for key, numbers in items.items():
        assert sorted(numbers) == list(range(1, len(numbers) + 1)), key


def test_workers_are_forked_only_from_a_single_threaded_process() -> None:
    """A fork while another thread may hold a lock can deadlock the child: then a fork server is used.

    Run in a fresh interpreter: the test process may have threads left by other tests."""
    import sys

    script = (
        "import os, threading\n"
        "from dangan.services.intake._importer import worker_context, worker_parent\n"
        "ctx = worker_context()\n"
        "print(threading.active_count(), ctx.get_start_method(), worker_parent(ctx) == os.getpid())\n"
        "stop = threading.Event(); t = threading.Thread(target=stop.wait); t.start()\n"
        "ctx = worker_context()\n"
        "print(threading.active_count(), ctx.get_start_method(), worker_parent(ctx))\n"
        "stop.set(); t.join()\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    assert out.splitlines() == ["1 fork True", "2 forkserver None"]


def test_parallel_import_from_a_threaded_process_uses_the_fork_server(tmp_path: Path) -> None:
    """The CLI's progress bar runs a refresh thread: the import must still run in worker processes."""
    import threading

    from dangan.core import load_settings
    from dangan.services.archive import open_archive
    from dangan.services.intake import import_paths
    from dangan.services.intake._importer import PARALLEL_THRESHOLD
    from tests.factories import package_dir

    root = tmp_path / "in"
    for seed in range(PARALLEL_THRESHOLD):
        package_dir(root, 500 + seed)
    archive = open_archive(load_settings(tmp_path / "data"))
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        report = import_paths(archive, [root], workers=2)
    finally:
        stop.set()
        other.join()
        archive.close()
    assert len(report.accepted) == PARALLEL_THRESHOLD and not report.rejected
    assert len({o.archival_code for o in report.accepted}) == PARALLEL_THRESHOLD


def test_a_worker_freezes_its_warm_heap_once_after_its_first_group(tmp_path: Path) -> None:
    """Warm-up's long-lived objects leave the collector's reach after the first group, and only then:
    later groups' garbage stays collectable. A fresh interpreter, so other tests' state does not count."""
    import sys

    from tests.factories import package_dir

    for seed in range(3):
        package_dir(tmp_path / "in", 700 + seed)
    script = (
        "import gc, sys\n"
        "from pathlib import Path\n"
        "from dangan.core import load_settings\n"
        "from dangan.services.archive import open_archive\n"
        "from dangan.services.intake import _importer as importer\n"
        "settings = open_archive(load_settings(Path(sys.argv[1]))).settings.model_dump()\n"
        "importer._init_worker(settings, None)\n"
        "pkgs = sorted(Path(sys.argv[2]).iterdir())\n"
        "before = gc.get_freeze_count()\n"
        "first = importer._import_in_worker(([pkgs[0]], 'test'))\n"
        "after_first = gc.get_freeze_count()\n"
        "rest = importer._import_in_worker((pkgs[1:], 'test'))\n"
        # a second freeze would add the second group's survivors; frozen objects freed since only lower it
        "print(before, after_first > 10000, gc.get_freeze_count() <= after_first,\n"
        "      [o.status for o in first + rest])\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "data"), str(tmp_path / "in")],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert out.split() == ["0", "True", "True", "['accepted',", "'accepted',", "'accepted']"]
