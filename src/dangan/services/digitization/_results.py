"""What the record page, the CLI and the batch view show of digitization: plain data, under the policy.

Results are read exactly as the record is: through `record_for`, so a user who may not read the record
gets the same "not found" as for a missing one. OCR text is the record's text, so it carries the same
personal-data masking as the rest of it (`should_mask` / `mask_text`): an ID number read off a scan is
never shown in clear to a user who must see it masked — not in the text, the lines, the seals, the
table cells, the corrections, nor in the pixels of the page image (the lines that hold one are blacked
out there).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dangan.access import Principal, Role, mask_text, should_mask
from dangan.core import NotFound, PermissionDenied
from dangan.lifecycle import refuse_if_destroyed
from dangan.services.archive import Archive, log_access
from dangan.services.records import record_for
from dangan.store.catalog import DigitizationBatch, DigitizationFile, DigitizationPage, Record, RecordFile

from ._plan import DONE, FAILED, QUEUED, RUNNING, SKIPPED

STATUS_LABELS = {QUEUED: "排队中", RUNNING: "识别中", DONE: "已完成", FAILED: "失败", SKIPPED: "非扫描件"}


def require_digitizer(user: Principal) -> None:
    """Running OCR over stored records (and watching batches) is the archivist's work."""
    if user.role is not Role.ARCHIVIST:
        raise PermissionDenied("只有档案管理员可以运行数字化识别", code="digitize_forbidden")


def _masked_ocr(ocr: dict[str, Any], record: Record) -> dict[str, Any]:
    def m(value: Any) -> Any:
        return mask_text(value, record) if isinstance(value, str) else value

    out = dict(ocr)
    out["text"] = m(ocr.get("text", ""))
    out["lines"] = [{**line, "text": m(line.get("text"))} for line in ocr.get("lines", [])]
    out["seals"] = [{**seal, "text": m(seal.get("text"))} for seal in ocr.get("seals", [])]
    out["tables"] = [
        {**t, "rows": [[m(cell) for cell in row] for row in t.get("rows", [])]} for t in ocr.get("tables", [])
    ]
    out["corrections"] = [
        {**c, "before": m(c.get("before")), "after": m(c.get("after"))} for c in ocr.get("corrections", [])
    ]
    return out


def _page_json(row: DigitizationPage, record: Record, masked: bool) -> dict[str, Any]:
    ocr = row.ocr
    if ocr is not None and masked:
        ocr = _masked_ocr(ocr, record)
    image = None
    if row.image_sha256:
        image = {"sha256": row.image_sha256, "sm3": row.image_sm3, "size": row.image_size,
                 "media_type": row.image_media_type}  # fmt: skip
    return {
        "page": row.page,
        "status": row.status,
        "status_label": STATUS_LABELS.get(row.status, row.status),
        "error": row.error,
        "qc": row.qc,
        "ocr": ocr,
        "image": image,
        "settings": row.settings,
        "finished_at": row.finished_at.isoformat() if row.finished_at else None,
    }


def scans_of(
    s: Session, record_id: str
) -> tuple[list[tuple[DigitizationFile, RecordFile]], dict[int, list[DigitizationPage]]]:
    """The record's scanned files (born-digital ones skipped) in file order, and their stored pages by
    file id, in page order."""
    rows = s.execute(
        select(DigitizationFile, RecordFile)
        .join(RecordFile, RecordFile.id == DigitizationFile.record_file_id)
        .where(DigitizationFile.record_id == record_id, DigitizationFile.status != SKIPPED)
        .order_by(RecordFile.position)
    ).all()
    pages: dict[int, list[DigitizationPage]] = {}
    for p in s.scalars(
        select(DigitizationPage)
        .where(DigitizationPage.record_id == record_id)
        .order_by(DigitizationPage.page)
    ):
        pages.setdefault(p.file_id, []).append(p)
    return [(f, rf) for f, rf in rows], pages


def record_digitization(archive: Archive, user: Principal, record_id: str) -> dict[str, Any]:
    """Per scanned file of the record, its status and pages (QC, OCR with boxes, error, image), as this
    user may see them; pages not read yet are listed as queued (or the one being read as running)."""
    record = record_for(archive, user, record_id)
    masked = should_mask(user, record)
    with archive.db.read() as s:
        rows, pages = scans_of(s, record.id)
        files = []
        for f, rf in rows:
            listed = [_page_json(p, record, masked) for p in pages.get(f.id, [])]
            have = {p["page"] for p in listed}
            waiting = [n for n in range(1, (f.pages or 0) + 1) if n not in have]
            for i, n in enumerate(waiting):
                state = RUNNING if f.status == RUNNING and i == 0 else QUEUED
                listed.append({"page": n, "status": state, "status_label": STATUS_LABELS[state], "error": None,
                               "qc": None, "ocr": None, "image": None, "settings": f.settings,
                               "finished_at": None})  # fmt: skip
            listed.sort(key=lambda p: p["page"])
            files.append({
                "position": rf.position, "path": rf.path, "role": rf.role, "status": f.status,
                "status_label": STATUS_LABELS.get(f.status, f.status), "pages": f.pages, "error": f.error,
                "settings": f.settings, "batch": f.batch_id,
                "finished_at": f.finished_at.isoformat() if f.finished_at else None, "page_results": listed,
            })  # fmt: skip
    log_access(archive, user.username, "view", record.id, {"via": "digitization"})
    return {"record_id": record.id, "archival_code": record.archival_code, "masked": masked, "files": files}


def batch_progress(archive: Archive, user: Principal, batch_id: int) -> dict[str, Any]:
    """Files and pages of one batch by status: what a progress bar of the batch needs."""
    require_digitizer(user)
    with archive.db.read() as s:
        batch = s.get(DigitizationBatch, batch_id)
        if batch is None:
            raise NotFound(f"数字化批次 {batch_id} 不存在")
        return _progress(s, batch)


def _progress(s: Any, batch: DigitizationBatch) -> dict[str, Any]:
    files = dict(
        s.execute(
            select(DigitizationFile.status, func.count())
            .where(DigitizationFile.batch_id == batch.id)
            .group_by(DigitizationFile.status)
        ).all()
    )
    total_pages = s.scalar(
        select(func.coalesce(func.sum(DigitizationFile.pages), 0)).where(
            DigitizationFile.batch_id == batch.id
        )
    )
    pages = dict(
        s.execute(
            select(DigitizationPage.status, func.count())
            .join(DigitizationFile, DigitizationFile.id == DigitizationPage.file_id)
            .where(DigitizationFile.batch_id == batch.id)
            .group_by(DigitizationPage.status)
        ).all()
    )
    open_files = int(files.get(QUEUED, 0)) + int(files.get(RUNNING, 0))
    return {
        "batch": batch.id,
        "actor": batch.actor,
        "origin": batch.origin,
        "created_at": batch.created_at.isoformat() if batch.created_at else None,
        "settings": batch.settings,
        "records": batch.records,
        "files": {
            "total": sum(int(v) for v in files.values()),
            **{k: int(files.get(k, 0)) for k in (QUEUED, RUNNING, DONE, FAILED)},
        },
        "pages": {
            "known": int(total_pages or 0),
            DONE: int(pages.get(DONE, 0)),
            FAILED: int(pages.get(FAILED, 0)),
        },
        "finished": open_files == 0,
    }


def batches(archive: Archive, user: Principal, limit: int = 20) -> list[dict[str, Any]]:
    """The latest batches, newest first, each with its progress."""
    require_digitizer(user)
    with archive.db.read() as s:
        rows = s.scalars(select(DigitizationBatch).order_by(DigitizationBatch.id.desc()).limit(limit)).all()
        return [_progress(s, b) for b in rows]


def verify_page_images(archive: Archive, record_id: str) -> list[dict[str, Any]]:
    """Fixity of every enhanced page image of the record, in every copy the store keeps."""
    with archive.db.read() as s:
        rows = s.execute(
            select(
                DigitizationPage.file_id,
                DigitizationPage.page,
                DigitizationPage.image_sha256,
                DigitizationPage.image_encrypted,
            )
            .where(DigitizationPage.record_id == record_id, DigitizationPage.image_sha256.is_not(None))
            .order_by(DigitizationPage.file_id, DigitizationPage.page)
        ).all()
    out = []
    for file_id, page, sha, enc in rows:
        assert sha is not None
        copies = [archive.objects.verify(sha, enc, loc) for loc in archive.objects.locations]
        out.append({"file": file_id, "page": page, "sha256": sha, "ok": all(copies), "copies": copies})
    return out


def page_image(archive: Archive, user: Principal, record_id: str, position: int, page: int) -> bytes:
    """The enhanced image of one page as PNG, as this user may see it (see the module docstring)."""
    record = record_for(archive, user, record_id)
    refuse_if_destroyed(record.lifecycle_status, record.archival_code)  # 410: content gone, metadata kept
    with archive.db.read() as s:
        row = s.scalars(
            select(DigitizationPage)
            .join(DigitizationFile, DigitizationFile.id == DigitizationPage.file_id)
            .join(RecordFile, RecordFile.id == DigitizationFile.record_file_id)
            .where(
                DigitizationPage.record_id == record.id,
                RecordFile.position == position,
                DigitizationPage.page == page,
            )
        ).first()
        if row is None or row.image_sha256 is None:
            raise NotFound("该页没有增强图像")
        sha, enc, ocr = row.image_sha256, row.image_encrypted, row.ocr or {}
    data = archive.objects.read(sha, enc)
    log_access(archive, user.username, "view", record.id, {"via": "digitization_image", "position": position,
                                                            "page": page})  # fmt: skip
    if not should_mask(user, record):
        return data
    return _black_out(data, ocr, record)


def _black_out(png: bytes, ocr: dict[str, Any], record: Record) -> bytes:
    """Lines whose text masking would change are painted over (boxes mapped onto the enhanced image)."""
    import cv2
    import numpy as np

    hidden = [line["box"] for line in ocr.get("lines", []) if mask_text(line["text"], record) != line["text"]]
    if not hidden:
        return png
    img = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_COLOR)
    if img is None:  # never hand out unmasked pixels
        raise NotFound("该页增强图像无法读取")
    matrix = np.asarray(ocr.get("matrix") or [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]], dtype=np.float64)
    for x0, y0, x1, y1 in hidden:
        corners = np.array([[x0, y0, 1.0], [x1, y0, 1.0], [x1, y1, 1.0], [x0, y1, 1.0]]) @ matrix.T
        pts = corners.round().astype(np.int32).reshape(-1, 1, 2)
        cv2.fillPoly(img, [pts], (0, 0, 0))
    ok, buf = cv2.imencode(".png", img)
    assert ok
    return bytes(buf.tobytes())
