"""The watched drop folder: ready packages are imported and moved to done/ or failed/ with a report."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from dangan.core import Conflict
from dangan.services.archive import Archive
from dangan.services.intake import DropWatcher, drop_lock
from dangan.store.catalog import Record
from tests.factories import package_dir, rewrite_case_json, zip_package
from tests.helpers import json_of, run_dangan


def _records(archive: Archive) -> int:
    with archive.db.read() as s:
        return int(s.scalar(select(func.count()).select_from(Record)) or 0)


def _report(path: Path) -> dict[str, Any]:
    return dict(json.loads(path.with_name(path.name + ".report.json").read_text(encoding="utf-8")))


def _age(path: Path, seconds: float) -> None:
    """Make a package look untouched for `seconds` (mtime only: ctime cannot be set back)."""
    past = time.time() - seconds
    for p in [path, *path.rglob("*")]:
        os.utime(p, (past, past))


def test_ready_packages_go_to_done_or_failed_with_reports(archive: Archive, tmp_path: Path) -> None:
    drop = tmp_path / "drop"
    drop.mkdir()
    good = package_dir(drop, 1)
    zip_package(package_dir(tmp_path / "src", 2), drop / "案卷二.zip")
    bad = package_dir(drop, 3)
    rewrite_case_json(bad, lambda d: d.update(accepted_at="2023-13-45"))
    (drop / ".partial-copy").write_bytes(b"hidden entries are never taken")

    results = DropWatcher(archive, drop, stable_seconds=0).scan()
    assert {r.name: r.status for r in results} == {
        good.name: "accepted",
        "案卷二.zip": "accepted",
        bad.name: "rejected",
    }
    assert _records(archive) == 2
    done, failed = drop / "done", drop / "failed"
    assert (done / good.name / "case.json").is_file() and (done / "案卷二.zip").is_file()
    assert (failed / bad.name / "case.json").is_file()
    assert sorted(p.name for p in drop.iterdir()) == [".partial-copy", "done", "failed"]
    report = _report(done / good.name)
    assert (
        report["status"] == "accepted"
        and report["archival_code"]
        and report["moved_to"] == f"done/{good.name}"
    )
    rejected = _report(failed / bad.name)
    assert rejected["status"] == "rejected"
    assert [r["code"] for r in rejected["reasons"]] == ["invalid_date"]


def test_the_same_package_dropped_again_is_a_duplicate_kept_apart(archive: Archive, tmp_path: Path) -> None:
    drop = tmp_path / "drop"
    pkg = package_dir(tmp_path / "src", 4)
    shutil.copytree(pkg, drop / pkg.name)
    DropWatcher(archive, drop, stable_seconds=0).scan()
    shutil.copytree(pkg, drop / pkg.name)
    [second] = DropWatcher(archive, drop, stable_seconds=0).scan()
    assert second.status == "duplicate" and second.moved_to is not None
    assert second.moved_to.parent == drop / "done" and second.moved_to.name.startswith(pkg.name + ".")
    assert _report(second.moved_to)["status"] == "duplicate"
    assert (drop / "done" / pkg.name).is_dir() and _records(archive) == 1


def test_a_package_still_changing_waits_unless_marked_ready(archive: Archive, tmp_path: Path) -> None:
    drop = tmp_path / "drop"
    drop.mkdir()
    fresh = package_dir(drop, 5)
    marked = package_dir(drop, 6)
    (drop / f"{marked.name}.ready").touch()
    watcher = DropWatcher(archive, drop, stable_seconds=3600)
    assert [(r.name, r.status) for r in watcher.scan()] == [(marked.name, "accepted")]
    assert fresh.is_dir() and not (drop / f"{marked.name}.ready").exists()
    _age(fresh, 7200)  # mtime set back, but ctime (now) still says it just changed: not taken
    assert watcher.scan() == []
    assert [r.status for r in DropWatcher(archive, drop, stable_seconds=0).scan()] == ["accepted"]


def test_symlinks_are_refused(archive: Archive, tmp_path: Path) -> None:
    drop = tmp_path / "drop"
    drop.mkdir()
    target = package_dir(tmp_path / "elsewhere", 7)
    (drop / "link").symlink_to(target)
    [result] = DropWatcher(archive, drop, stable_seconds=0).scan()
    assert result.status == "rejected" and result.report["reasons"][0]["code"] == "unsafe_path"
    assert (drop / "failed" / "link").is_symlink() and target.is_dir() and _records(archive) == 0


def test_a_broken_import_is_retried_then_failed(
    archive: Archive, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dangan.services.intake import _watch as watch_module

    drop = tmp_path / "drop"
    drop.mkdir()
    pkg = package_dir(drop, 8)

    def boom(*_: Any, **__: Any) -> Any:
        raise OSError("磁盘出错")

    monkeypatch.setattr(watch_module, "ingest_folder", boom)
    watcher = DropWatcher(archive, drop, stable_seconds=0)
    for _ in range(watch_module.MAX_ATTEMPTS - 1):
        [result] = watcher.scan()
        assert result.status == "error" and pkg.is_dir()
    [result] = watcher.scan()
    assert result.status == "rejected" and (drop / "failed" / pkg.name).is_dir()
    assert "磁盘出错" in _report(drop / "failed" / pkg.name)["reasons"][0]["message"]


def test_one_watcher_per_folder(archive: Archive, tmp_path: Path) -> None:
    drop = tmp_path / "drop"
    with drop_lock(drop):
        watcher = DropWatcher(archive, drop)
        with pytest.raises(Conflict):
            watcher.start()
    watcher = DropWatcher(archive, drop, stable_seconds=0, poll_seconds=0.1)
    watcher.start()
    try:
        pkg = package_dir(tmp_path / "src", 9)
        shutil.copytree(pkg, drop / ".incoming")
        os.replace(drop / ".incoming", drop / pkg.name)  # how a careful sender publishes a package
        deadline = time.monotonic() + 60
        while not (drop / "done" / pkg.name).exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert (drop / "done" / pkg.name).is_dir(), "the background watcher never took the package"
    finally:
        watcher.stop()
    assert _records(archive) == 1


def test_cli_watch_once(tmp_path: Path) -> None:
    data, drop = tmp_path / "data", tmp_path / "drop"
    drop.mkdir()
    good = package_dir(drop, 10)
    bad = package_dir(drop, 11)
    rewrite_case_json(bad, lambda d: d.pop("title"))
    proc = run_dangan("watch", "--once", "--dir", str(drop), "--stable", "0", "--data", str(data), "--json")
    assert proc.returncode == 1, proc.stderr  # a package was refused: the work found problems
    doc = json_of(proc)
    assert [d["package"] for d in doc["done"]] == [good.name]
    assert [d["package"] for d in doc["failed"]] == [bad.name] and doc["errors"] == []
    assert doc["failed"][0]["reasons"][0]["code"] == "missing_field"
    assert "拒收" in proc.stderr
    again = run_dangan("watch", "--once", "--dir", str(drop), "--data", str(data), "--json")
    assert again.returncode == 0 and json_of(again) == {"done": [], "failed": [], "errors": []}


def test_cli_watch_takes_the_folder_from_the_settings(tmp_path: Path) -> None:
    data, drop = tmp_path / "data", tmp_path / "drop"
    drop.mkdir()
    package_dir(drop, 12)
    env = {"DANGAN_DROP_DIR": str(drop), "DANGAN_DROP_STABLE_SECONDS": "0"}
    proc = run_dangan("watch", "--once", "--data", str(data), "--json", env=env)
    assert proc.returncode == 0, proc.stderr
    assert len(json_of(proc)["done"]) == 1
    missing = run_dangan("watch", "--once", "--data", str(data), env={"DANGAN_DROP_DIR": ""})  # empty: unset
    assert missing.returncode == 2 and "DANGAN_DROP_DIR" in missing.stderr
