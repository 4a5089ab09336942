"""The searchable PDF/A-2b of a scanned file, built once all its pages are read.

It is made from the *original* pages (the archival copy is the scan as made, not our repair of it) with
the OCR lines stored per page laid over them as invisible text; their boxes are already in the scan's
pixels. Pages are decoded again one at a time (`iter_pages`) and handed to `scan_pdfa` as a generator,
so a long file never holds more than one decoded page. A page that cannot be decoded is left out and
counted. The PDF/A is stored exactly like the enhanced page images (object store, the original's
encryption rule, SHA-256 and SM3); building it never fails the file: when it cannot be made the reason
is kept on the file row instead.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from dangan.core import DanganError
from dangan.services.archive import Archive
from dangan.store.catalog import DigitizationFile, DigitizationPage

if TYPE_CHECKING:
    from dangan.digitize import ScanPage

log = logging.getLogger("dangan.digitization")

PDF = "application/pdf"
COLUMNS = ("pdf_sha256", "pdf_sm3", "pdf_size", "pdf_encrypted", "pdf_pages", "pdf_omitted", "pdf_error")


@dataclass(frozen=True)
class OcrLine:
    """A stored OCR line as `scan_pdfa` reads it."""

    text: str
    box: tuple[float, float, float, float]
    confidence: float


def cleared() -> dict[str, Any]:
    """The file row's PDF/A columns when there is none (yet)."""
    return {**dict.fromkeys(COLUMNS), "pdf_encrypted": False}


def _stored_lines(archive: Archive, file_id: int) -> dict[int, list[OcrLine]]:
    with archive.db.read() as s:
        rows = s.execute(
            select(DigitizationPage.page, DigitizationPage.ocr).where(DigitizationPage.file_id == file_id)
        ).all()
    out: dict[int, list[OcrLine]] = {}
    for page, ocr in rows:
        lines = []
        for line in (ocr or {}).get("lines", []):
            box = line.get("box") or []
            text = str(line.get("text") or "")
            if len(box) == 4 and text.strip():
                x0, y0, x1, y1 = (float(v) for v in box)
                lines.append(OcrLine(text, (x0, y0, x1, y1), float(line.get("confidence") or 0.0)))
        out[int(page)] = lines
    return out


class _Pages:
    """The scan's decodable pages as `ScanPage`s, counting the ones left out on the way."""

    def __init__(self, source: Path, lines: dict[int, list[OcrLine]]) -> None:
        self.source, self.lines = source, lines
        self.kept = 0
        self.omitted = 0

    def __iter__(self) -> Iterator[ScanPage]:
        from dangan.digitize import ScanPage, iter_pages

        for page in iter_pages(self.source):
            if page.image is None or page.error:
                self.omitted += 1
                continue
            self.kept += 1
            yield ScanPage(page.image, page.dpi, self.lines.get(page.index, []))


def build_scan_pdfa(
    archive: Archive, file_id: int, source: Path, encrypt: bool, title: str | None
) -> dict[str, Any]:
    """The file row's PDF/A columns: the stored PDF/A, or why there is none (never raises)."""
    from dangan.digitize import scan_pdfa

    pages = _Pages(source, _stored_lines(archive, file_id))
    columns = cleared()
    try:
        data = scan_pdfa(pages, title=title)
    except DanganError as exc:
        log.info("no PDF/A for digitization file %s: %s", file_id, exc.message)
        reason = "没有可解码的页面" if pages.kept == 0 else exc.message
        return {**columns, "pdf_omitted": pages.omitted, "pdf_error": reason[:1000]}
    except Exception as exc:  # a surprise in the PDF writer must not cost the file its OCR
        log.exception("PDF/A of digitization file %s failed", file_id)
        return {
            **columns,
            "pdf_omitted": pages.omitted,
            "pdf_error": f"生成可检索 PDF/A 失败：{type(exc).__name__}",
        }
    with archive.objects.durable_batch():
        obj = archive.objects.put_bytes(data, encrypt=encrypt)
    return {**columns, "pdf_sha256": obj.sha256, "pdf_sm3": obj.sm3, "pdf_size": obj.size,
            "pdf_encrypted": obj.encrypted, "pdf_pages": pages.kept, "pdf_omitted": pages.omitted}  # fmt: skip


def pdfa_event(columns: dict[str, Any]) -> dict[str, Any]:
    """What the ledger keeps of a build: the object's hashes, or the reason there is none."""
    if columns.get("pdf_sha256"):
        return {"status": "done", "pdf": {"sha256": columns["pdf_sha256"], "sm3": columns["pdf_sm3"],
                "size": columns["pdf_size"], "media_type": PDF}, "pages": columns["pdf_pages"],
                "omitted": columns["pdf_omitted"]}  # fmt: skip
    return {"status": "failed", "error": columns.get("pdf_error"), "omitted": columns.get("pdf_omitted")}


def apply(row: DigitizationFile, columns: dict[str, Any]) -> None:
    for key, value in columns.items():
        setattr(row, key, value)
    row.pdf_verified_at = None
