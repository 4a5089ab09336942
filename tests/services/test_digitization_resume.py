"""A worker SIGKILLed in the middle of a scanned file: the next worker goes on at the first page not
done, and every page ends done exactly once (no page read twice, none lost)."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

from sqlalchemy import select

from dangan.services.archive import Archive
from dangan.services.intake import import_paths
from dangan.store.catalog import DigitizationFile, DigitizationPage, Event, RecordFile
from tests.helpers import dangan_cmd
from tests.services.digitization_helpers import scanned_case, text_page

PAGES = 8
NAME = "核查记录扫描件.tif"


def _scan(archive: Archive) -> int:
    """The rendered multi-page scan's row (the generated case may hold an image-only PDF too)."""
    with archive.db.read() as s:
        file_id = s.scalar(
            select(DigitizationFile.id)
            .join(RecordFile, RecordFile.id == DigitizationFile.record_file_id)
            .where(RecordFile.path == NAME)
        )
    assert file_id is not None
    return int(file_id)


def _status(archive: Archive, file_id: int) -> str | None:
    with archive.db.read() as s:
        return s.scalar(select(DigitizationFile.status).where(DigitizationFile.id == file_id))


def _done(archive: Archive, file_id: int) -> dict[int, tuple[int, object]]:
    with archive.db.read() as s:
        rows = s.execute(
            select(DigitizationPage.page, DigitizationPage.id, DigitizationPage.finished_at).where(
                DigitizationPage.file_id == file_id
            )
        ).all()
    return {page: (pid, at) for page, pid, at in rows}


def _worker(home: Path, log: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DANGAN_")} | {
        "DANGAN_EMBED_INTERVAL": "0"
    }
    with open(log, "ab") as out:
        return subprocess.Popen(
            dangan_cmd("worker", "--workers", "1", "--no-periodic", "--data", str(home)),
            env=env, stdout=subprocess.DEVNULL, stderr=out,
        )  # fmt: skip


def test_a_killed_worker_is_resumed_and_every_page_is_done_exactly_once(
    archive: Archive, tmp_path: Path
) -> None:
    pages = [
        text_page([f"第{n}页 蟋蟀养殖场所核查记录"], size=(700, 160), font_px=30) for n in range(1, PAGES + 1)
    ]
    scanned_case(tmp_path / "in", 4202, pages, name=NAME)
    assert len(import_paths(archive, [tmp_path / "in"]).accepted) == 1  # the ingest queued the scan
    file_id = _scan(archive)
    home = archive.settings.home
    log = tmp_path / "worker.log"
    first = _worker(home, log)
    before: dict[int, tuple[int, object]] = {}
    deadline = time.monotonic() + 180
    try:
        while time.monotonic() < deadline and first.poll() is None:
            before = _done(archive, file_id)
            if 0 < len(before) < PAGES - 2:
                first.send_signal(signal.SIGKILL)
                break
            time.sleep(0.02)
    finally:
        if first.poll() is None and not before:
            first.kill()
        first.wait(30)
    assert 0 < len(before) < PAGES, f"the worker was not caught mid-file:\n{log.read_text()}"
    assert _status(archive, file_id) == "running", "left open by the killed worker"

    second = _worker(home, log)  # its start-up queues the resumption of what was left open
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            if _status(archive, file_id) == "done":
                break
            assert second.poll() is None, log.read_text()
            time.sleep(0.2)
    finally:
        second.terminate()
        second.wait(60)
    after = _done(archive, file_id)
    assert sorted(after) == list(range(1, PAGES + 1)), "every page done"
    for page, row in before.items():
        assert after[page] == row, f"page {page}, done before the kill, was not read again"
    with archive.db.read() as s:
        statuses = s.scalars(select(DigitizationPage.status).where(DigitizationPage.file_id == file_id)).all()
        assert set(statuses) == {"done"} and len(statuses) == PAGES
        events = s.scalars(select(Event).where(Event.kind == "digitize")).all()
    assert [e.detail["pages"] for e in events if e.detail["file"] == NAME] == [PAGES], "finished once"
