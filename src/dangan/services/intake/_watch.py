"""The watched drop folder: packages put into a folder are imported and moved out of it.

Each top-level entry of the folder (a package folder with case.json, a .zip, later a BagIt bag) is one
package. It is taken when it is *ready*:

- a marker file `NAME.ready` lies beside it (for scripts: copy, then touch the marker), or
- nothing in it has changed for `stable_seconds`: the newest change time (ctime, which `cp -p` and
  `rsync -a` cannot backdate, and mtime) of every file and folder in it is at least that old.

Hidden entries (`.name`, what rsync and many copiers write to) are never taken. A taken package is
imported with `import_one` (so idempotent on `(source_system, source_id)`) and moved to `done/`
(accepted or duplicate) or `failed/` (rejected), with `NAME.report.json` beside it. The report is
written (atomically) before the package is moved, so a crash in between leaves the package in the
folder, and the next scan imports it again as a duplicate. One watcher per folder: a lock file
refuses a second one.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from dangan.core import Conflict, Problem, utcnow
from dangan.services.archive import Archive

from ._ingest import IngestOutcome
from ._ingest_pool import ingest_folder

log = logging.getLogger("dangan.watch")

DONE, FAILED = "done", "failed"
READY_SUFFIX = ".ready"
REPORT_SUFFIX = ".report.json"
LOCK_NAME = ".dangan-watch.lock"
MAX_ATTEMPTS = 3


@dataclass(frozen=True)
class DropResult:
    name: str
    status: str  # accepted / duplicate / rejected / error (left in place to retry)
    moved_to: Path | None
    report: dict[str, Any]


def _newest_change(path: Path) -> float:
    st = path.lstat()
    newest = max(st.st_mtime, st.st_ctime)
    if path.is_dir() and not path.is_symlink():
        for dirpath, dirnames, filenames in os.walk(path):
            for name in dirnames + filenames:
                with contextlib.suppress(FileNotFoundError):
                    s = os.lstat(os.path.join(dirpath, name))
                    newest = max(newest, s.st_mtime, s.st_ctime)
    return newest


def candidates(drop: Path) -> list[Path]:
    """Every entry that is a package (or claims to be): not hidden, not a marker, not our folders."""
    out = []
    for entry in sorted(drop.iterdir()):
        name = entry.name
        if name.startswith(".") or name in (DONE, FAILED) or name.endswith(READY_SUFFIX):
            continue
        out.append(entry)
    return out


def is_ready(entry: Path, stable_seconds: float, now: float) -> bool:
    if entry.with_name(entry.name + READY_SUFFIX).exists():
        return True
    try:
        return now - _newest_change(entry) >= stable_seconds
    except FileNotFoundError:
        return False  # removed while we looked


def _write_json_atomic(path: Path, doc: dict[str, Any]) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False, indent=2)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def _free_target(folder: Path, name: str) -> Path:
    target = folder / name
    if not target.exists() and not target.is_symlink():
        return target
    stamp = utcnow().strftime("%Y%m%dT%H%M%S%f")
    return folder / f"{name}.{stamp}"


def _report(entry: Path, outcome: IngestOutcome, target: Path | None) -> dict[str, Any]:
    return {
        "package": entry.name,
        "status": outcome.status,
        "source_system": outcome.source_system,
        "source_id": outcome.source_id,
        "record_id": outcome.record_id,
        "archival_code": outcome.archival_code,
        "reasons": [p.as_dict() for p in outcome.problems],
        "processed_at": utcnow().isoformat(),
        "moved_to": str(target.relative_to(target.parent.parent)) if target else None,
    }


def _import(archive: Archive, entry: Path) -> IngestOutcome:
    if entry.is_symlink():
        msg = "投递目录中的符号链接不会被导入"
        return IngestOutcome("rejected", str(entry), problems=[Problem("unsafe_path", msg)])
    return ingest_folder(archive, entry, actor="watch")


def process(archive: Archive, drop: Path, entry: Path) -> DropResult:
    """Import one ready entry and move it (and its report) out of the drop folder."""
    outcome = _import(archive, entry)
    folder = drop / (FAILED if outcome.status == "rejected" else DONE)
    folder.mkdir(exist_ok=True)
    target = _free_target(folder, entry.name)
    report = _report(entry, outcome, target)
    _write_json_atomic(target.with_name(target.name + REPORT_SUFFIX), report)
    os.replace(entry, target)
    entry.with_name(entry.name + READY_SUFFIX).unlink(missing_ok=True)
    return DropResult(entry.name, outcome.status, target, report)


@contextlib.contextmanager
def drop_lock(drop: Path) -> Iterator[None]:
    """Hold the folder's lock (released by the OS if the process dies)."""
    drop.mkdir(parents=True, exist_ok=True)
    handle: IO[str] = open(drop / LOCK_NAME, "a")  # noqa: SIM115 - closed below
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise Conflict(f"投递目录 {drop} 已由另一个监视进程处理", code="drop_dir_busy") from None
        yield
    finally:
        handle.close()


class DropWatcher:
    """Scans a drop folder; `scan()` once, or `start()` a background thread that scans every poll."""

    def __init__(
        self,
        archive: Archive,
        drop: Path,
        *,
        stable_seconds: float | None = None,
        poll_seconds: float | None = None,
        on_result: Callable[[DropResult], None] | None = None,
    ) -> None:
        settings = archive.settings
        self.archive = archive
        self.drop = Path(drop)
        self.stable_seconds = settings.drop_stable_seconds if stable_seconds is None else stable_seconds
        self.poll_seconds = settings.drop_poll_seconds if poll_seconds is None else poll_seconds
        self.on_result = on_result
        self._attempts: dict[str, int] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock: contextlib.ExitStack | None = None

    def scan(self) -> list[DropResult]:
        """One pass: every ready package, in name order."""
        results = []
        now = utcnow().timestamp()
        for entry in candidates(self.drop):
            if self._stop.is_set():
                break
            if not is_ready(entry, self.stable_seconds, now):
                continue
            result = self._process_guarded(entry)
            results.append(result)
            if self.on_result:
                self.on_result(result)
        return results

    def _process_guarded(self, entry: Path) -> DropResult:
        try:
            result = process(self.archive, self.drop, entry)
        except Exception as exc:  # a broken disk or database must not stop the watcher
            log.exception("drop folder: importing %s failed", entry)
            tries = self._attempts.get(entry.name, 0) + 1
            self._attempts[entry.name] = tries
            reason = Problem("import_error", f"导入时出错（第 {tries} 次）：{exc}")
            if tries < MAX_ATTEMPTS:
                return DropResult(entry.name, "error", None, {"package": entry.name, "status": "error",
                                                               "reasons": [reason.as_dict()]})  # fmt: skip
            outcome = IngestOutcome("rejected", str(entry), problems=[reason])
            folder = self.drop / FAILED
            folder.mkdir(exist_ok=True)
            target = _free_target(folder, entry.name)
            report = _report(entry, outcome, target)
            _write_json_atomic(target.with_name(target.name + REPORT_SUFFIX), report)
            with contextlib.suppress(OSError):
                os.replace(entry, target)
            result = DropResult(entry.name, "rejected", target, report)
        self._attempts.pop(entry.name, None)
        return result

    def start(self) -> None:
        """Take the folder's lock and scan in a background (daemon) thread until `stop()`."""
        stack = contextlib.ExitStack()
        stack.enter_context(drop_lock(self.drop))
        self._lock = stack
        self._thread = threading.Thread(target=self._loop, name="dangan-drop-watcher", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.scan()
            except Exception:
                log.exception("drop folder scan failed")
            self._stop.wait(self.poll_seconds)

    def stop(self, timeout: float = 30) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        if self._lock is not None:
            self._lock.close()
            self._lock = None


@contextlib.contextmanager
def watching(archive: Archive) -> Iterator[DropWatcher | None]:
    """While inside: the drop folder of the settings (`DANGAN_DROP_DIR`) is watched, if one is set."""
    drop = archive.settings.drop_dir
    if drop is None:
        yield None
        return
    watcher = DropWatcher(archive, drop)
    watcher.start()
    try:
        yield watcher
    finally:
        watcher.stop()
