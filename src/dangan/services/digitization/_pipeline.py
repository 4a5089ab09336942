"""The pipeline over stored records: each scanned file read page by page, each page kept on its own.

Per page: decode (`iter_pages`: one page at a time, so a 500-page file costs the memory of one page),
check (DA/T 31), repair (`enhance`), read (OCR, seals, tables) on the repaired image with every box
mapped back to the scan as kept, then store the repaired image as a derivative (through the object store,
durable, the original's encryption rule) and only after that commit the page row. A killed worker
therefore loses at most the page it was on; the next run skips every page that has a row and never reads
one twice. A page that cannot be read gets a row too, with its reason, and the rest go on. When the last
page of a file is in, its searchable PDF/A is built from the original pages and the stored OCR lines
(`_scan_pdfa`), and one transaction rebuilds the record's search text (search document + outbox), names
the PDF/A on the file row and marks the file done, so a scanned 决定书 is found by its words exactly when it
says so.

Which files a run reads and which worker reads each (batches, plans, claims) is `_plan`'s.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from dangan.core import DanganError, utcnow
from dangan.services.archive import Archive, record_event
from dangan.store.catalog import DigitizationFile, DigitizationPage, RecordFile

from ._plan import (
    DONE,
    FAILED,
    OPEN,
    DigitizeSettings,
    claim_file,
    renew_claim,
    worker_id,
)
from ._scan_pdfa import apply as apply_pdfa
from ._scan_pdfa import build_scan_pdfa, pdfa_event
from ._text import body_parts, write_search_text

if TYPE_CHECKING:
    import numpy as np

    from dangan.digitize import PageImage

log = logging.getLogger("dangan.digitization")

PNG = "image/png"


@dataclass
class PageDone:
    """One page as it was stored: what a progress bar shows."""

    record_id: str
    path: str
    page: int
    pages: int
    status: str
    error: str | None = None


@dataclass
class FileOutcome:
    record_id: str
    path: str
    status: str  # done / failed / busy (another worker holds it) / gone
    pages: int = 0
    read: int = 0  # pages read by this run (the rest were already done)
    failed: int = 0
    error: str | None = None

    def as_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class RunSummary:
    batch_id: int | None
    files: list[FileOutcome] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "batch": self.batch_id,
            "files": [f.as_json() for f in self.files],
            "pages_read": sum(f.read for f in self.files),
            "pages_failed": sum(f.failed for f in self.files),
        }


Progress = Callable[[PageDone], None]


def run_file(
    archive: Archive, file_id: int, *, actor: str = "jobs", progress: Progress | None = None
) -> FileOutcome:
    """Read the pages of one queued file not read yet (see the module docstring)."""
    me = worker_id()
    with archive.db.read() as s:
        row = s.get(DigitizationFile, file_id)
        rf = s.get(RecordFile, row.record_file_id) if row is not None else None
        if row is None or rf is None:
            return FileOutcome("", "", "gone")
        record_id, path, sha, enc = row.record_id, rf.path, rf.sha256, rf.encrypted
        encrypt = enc or archive.settings.encrypt_public or not rf.record.open_to_public
        title = f"{rf.record.archival_code} {path}"
    outcome = FileOutcome(record_id, path, "busy")
    claimed = claim_file(archive, file_id, me)
    if claimed is None:
        return outcome
    settings = DigitizeSettings.of(claimed.settings)
    with ExitStack() as stack:
        try:
            source = stack.enter_context(archive.objects.plain_path(sha, enc))
        except (DanganError, OSError) as exc:
            message = exc.message if isinstance(exc, DanganError) else "扫描件无法从存储中读取"
            _finish(archive, file_id, me, record_id, FAILED, message, actor, 0, 0)
            outcome.status, outcome.error = FAILED, message
            return outcome
        if not _read_pages(archive, file_id, me, source, settings, encrypt, outcome, progress):
            return outcome  # the claim was taken over: that worker finishes the file
        pdf = build_scan_pdfa(archive, file_id, source, encrypt, title)
    _finish(archive, file_id, me, record_id, outcome.status, outcome.error, actor, outcome.pages,
            outcome.failed, pdf)  # fmt: skip
    # --- extraction: fields proposed from the pages just read; never fails the file ---
    if outcome.status == DONE:
        from ._proposals import refresh_after_ocr

        refresh_after_ocr(archive, record_id)
    return outcome


def _read_pages(
    archive: Archive,
    file_id: int,
    me: str,
    source: Path,
    settings: DigitizeSettings,
    encrypt: bool,
    outcome: FileOutcome,
    progress: Progress | None,
) -> bool:
    """Every page not read yet, decoded one at a time (memory stays at about one page); False when the
    claim was lost on the way. Sets the outcome's status, page count, failures and first error."""
    from dangan.digitize import count_pages, iter_pages

    total = count_pages(source)
    if not renew_claim(archive, file_id, me, pages=total):
        return False
    with archive.db.read() as s:
        done = dict(
            s.execute(
                select(DigitizationPage.page, DigitizationPage.status).where(
                    DigitizationPage.file_id == file_id
                )
            ).all()
        )
    seen, first_error = 0, None
    for page in iter_pages(source):
        seen = page.index
        first_error = first_error or page.error
        if seen in done:
            del page  # the loop variable would keep it while the next page is decoded
            continue
        started = utcnow()
        status, qc, ocr, error, image = read_one(page, settings)
        first_error = first_error or error
        del page  # the decoded pixels go before the next page is decoded
        stored = _store_image(archive, image, encrypt, outcome.path, seen) if image is not None else None
        del image
        if not _insert_page(archive, file_id, outcome.record_id, seen, status, qc, ocr, error, settings,
                            stored, started):  # fmt: skip
            continue  # another worker (which took over a lapsed claim) stored it first
        done[seen] = status
        outcome.read += 1
        if progress is not None:
            progress(PageDone(outcome.record_id, outcome.path, seen, max(total, seen), status, error))
        if not renew_claim(archive, file_id, me, **({"pages": seen} if seen > total else {})):
            return False
    if seen != total and not renew_claim(archive, file_id, me, pages=seen):
        return False
    failed = sum(1 for v in done.values() if v == FAILED)
    outcome.pages, outcome.failed = seen, failed
    outcome.status = FAILED if seen and failed == seen else DONE
    outcome.error = first_error if outcome.status == FAILED else None
    return True


def read_one(
    page: PageImage, settings: DigitizeSettings
) -> tuple[str, dict[str, Any], dict[str, Any] | None, str | None, np.ndarray | None]:
    """(status, qc page, ocr page, error, enhanced image) of one page; never raises."""
    from dangan.digitize import check_page

    try:
        qc = check_page(page, settings.archival).to_dict()
    except Exception as exc:  # a QC surprise must not cost the page its text
        log.exception("QC of page %s failed", page.index)
        qc = {"page": page.index, "verdict": "fail", "items": [
            {"code": "readable", "verdict": "fail", "value": False, "message": f"质量检查失败：{type(exc).__name__}"}
        ]}  # fmt: skip
    if page.image is None or page.error:
        return FAILED, qc, None, page.error or "无法读取该页图像", None
    try:
        ocr, image = _read(page.image, settings)
    except DanganError as exc:
        return FAILED, qc, None, exc.message, None
    except Exception as exc:  # one bad page never stops the rest
        log.exception("page %s could not be read", page.index)
        return FAILED, qc, None, f"识别失败：{type(exc).__name__}", None
    return DONE, qc, ocr, None, image


def _read(img: np.ndarray, settings: DigitizeSettings) -> tuple[dict[str, Any], np.ndarray | None]:
    """The page read on its repaired image, boxes mapped back to the scan as kept."""
    import numpy as np

    from dangan.digitize import enhance_scan
    from dangan.digitize.ocr import read_page

    repaired = None
    if settings.enhance:
        try:
            repaired = enhance_scan(img)
        except Exception:  # an unrepairable page is still worth reading as scanned
            log.exception("enhancement failed; reading the page as scanned")
    work = img if repaired is None else repaired.image
    ocr = read_page(work, enhance=False)
    if repaired is not None:
        h, w = img.shape[:2]

        def back(box: list[float]) -> list[int]:
            x0, y0, x1, y1 = repaired.to_original((box[0], box[1], box[2], box[3]))
            return [min(max(round(x0), 0), w), min(max(round(y0), 0), h),
                    min(max(round(x1), 0), w), min(max(round(y1), 0), h)]  # fmt: skip

        for key in ("lines", "seals", "tables", "figures"):
            for item in ocr.get(key, []):
                item["box"] = back(item["box"])
        ocr["skew_degrees"] = round(float(repaired.skew_degrees), 2)
        ocr["steps"] = list(repaired.steps)
        ocr["matrix"] = np.asarray(repaired.matrix, dtype=float).round(6).tolist()
    ocr.setdefault("skew_degrees", 0.0)
    ocr.setdefault("steps", [])
    return ocr, None if repaired is None else repaired.image


def _store_image(archive: Archive, image: np.ndarray, encrypt: bool, path: str, page: int) -> dict[str, Any]:
    import cv2

    ok, buf = cv2.imencode(".png", cv2.cvtColor(image, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_PNG_COMPRESSION, 3])
    if not ok:
        raise DanganError(f"{path} 第 {page} 页增强图像无法编码")
    with archive.objects.durable_batch():
        obj = archive.objects.put_bytes(buf.tobytes(), encrypt=encrypt)
    return {"image_sha256": obj.sha256, "image_sm3": obj.sm3, "image_size": obj.size,
            "image_media_type": PNG, "image_encrypted": obj.encrypted}  # fmt: skip


def _insert_page(
    archive: Archive,
    file_id: int,
    record_id: str,
    page: int,
    status: str,
    qc: dict[str, Any],
    ocr: dict[str, Any] | None,
    error: str | None,
    settings: DigitizeSettings,
    stored: dict[str, Any] | None,
    started: datetime,
) -> bool:
    try:
        with archive.db.write() as s:
            s.add(
                DigitizationPage(
                    file_id=file_id, record_id=record_id, page=page, status=status, qc=qc, ocr=ocr,
                    error=error, settings=settings.as_json(), started_at=started, finished_at=utcnow(),
                    **(stored or {"image_encrypted": False}),
                )
            )  # fmt: skip
        return True
    except IntegrityError:
        return False


def _finish(
    archive: Archive,
    file_id: int,
    me: str,
    record_id: str,
    status: str,
    error: str | None,
    actor: str,
    pages: int,
    failed: int,
    pdf: dict[str, Any] | None = None,
) -> None:
    """Search text, file status and the PDF/A (when one was built) in one transaction (module doc)."""
    parts = body_parts(archive, record_id)
    with archive.db.write() as s:
        row = s.get(DigitizationFile, file_id)
        if row is None or row.claimed_by != me:
            return
        if parts is not None:
            write_search_text(s, record_id, parts)
        row.status, row.error, row.finished_at = status, error, utcnow()
        row.claimed_by, row.claimed_until = None, None
        rf = s.get(RecordFile, row.record_file_id)
        detail = {"file": rf.path if rf else None, "sha256": rf.sha256 if rf else None, "status": status,
                  "pages": pages, "failed": failed, "settings": row.settings}  # fmt: skip
        if error:
            detail["error"] = error
        record_event(s, "digitize", actor, record_id, detail)
        if pdf is not None:
            apply_pdfa(row, pdf)
            record_event(s, "scan_pdfa", actor, record_id, {"file": detail["file"], "sha256": detail["sha256"],
                                                            **pdfa_event(pdf)})  # fmt: skip


def open_files(archive: Archive, record_ids: list[str] | None = None) -> list[int]:
    """Files queued or left running (by a worker that may have died), oldest first."""
    query = select(DigitizationFile.id).where(DigitizationFile.status.in_(OPEN)).order_by(DigitizationFile.id)
    if record_ids is not None:
        query = query.where(DigitizationFile.record_id.in_(record_ids))
    with archive.db.read() as s:
        return list(s.scalars(query).all())


def run_open(
    archive: Archive,
    record_ids: list[str] | None = None,
    *,
    batch_id: int | None = None,
    actor: str = "jobs",
    progress: Progress | None = None,
) -> RunSummary:
    """Every open file (of these records) read; a file another worker holds is reported busy."""
    summary = RunSummary(batch_id)
    for file_id in open_files(archive, record_ids):
        summary.files.append(run_file(archive, file_id, actor=actor, progress=progress))
    return summary
