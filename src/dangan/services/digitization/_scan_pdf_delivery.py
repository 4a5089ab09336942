"""The searchable PDF/A of a scanned file as a user receives it: under the rules of downloading the file.

`file_for(download=True)` decides, so one who may not read the record is told "not found" exactly as for
a missing one, and a view-only grant is refused as for the original. Below the unmask right the stored
PDF/A is never sent: `utilisation`'s PDF redaction would cover the whole scan picture (it cannot tell
what a picture shows), so the masked copy is rebuilt here from what OCR read — each page rendered at its
scan resolution, every line holding personal data (an ID or phone number, the record's own values, or a
long run of digits OCR may have misread) painted black, and the text layer written anew with those
characters as '*'. Nothing of the stored document is carried over but the painted pixels. Whatever is
not public carries the reader's watermark, as every other delivered copy does.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select

from dangan.access import Principal, granted_only, redaction_terms
from dangan.core import PDFIUM, NotFound, ValidationFailed, local_text, utcnow
from dangan.domain import PersonalTerms, personal_spans
from dangan.services.archive import Archive, log_access
from dangan.services.records import file_for
from dangan.services.utilisation import is_public
from dangan.store.catalog import DigitizationFile, Record

from ._scan_pdfa import OcrLine

if TYPE_CHECKING:
    import numpy as np
    import pypdfium2 as pdfium

    from dangan.digitize import ScanPage

_DIGIT_RUN = re.compile(r"[0-9０-９]{11,}[0-9Xx]?")  # an ID or phone number OCR may have garbled
PAD_PX = 3
NOT_BUILT = "该扫描件还没有可检索的 PDF/A"


@dataclass(frozen=True)
class _Char:
    ch: str
    box: tuple[float, float, float, float] | None  # left, bottom, right, top in points


def scan_pdf(archive: Archive, user: Principal, record_id: str, position: int) -> bytes:
    """The file's searchable PDF/A as this user may have it (see the module docstring)."""
    record, f, _content = file_for(archive, user, record_id, position, download=True)
    with archive.db.read() as s:
        row = s.scalars(select(DigitizationFile).where(DigitizationFile.record_file_id == f.id)).first()
        if row is None or row.pdf_sha256 is None:
            raise NotFound(NOT_BUILT)
        sha, enc = row.pdf_sha256, row.pdf_encrypted
    data = archive.objects.read(sha, enc)
    request_id = secrets.token_hex(8)
    detail = {
        "via": "scan_pdf",
        "file": f.path,
        "position": position,
        "sha256": sha,
        "request_id": request_id,
    }
    terms = redaction_terms(user, record)
    if terms is not None:
        try:
            data = masked_scan_pdf(data, terms)
        except Exception as exc:  # never the unmasked copy
            raise ValidationFailed(
                "扫描件 PDF/A 无法遮蔽个人信息，暂不能下载", code="redaction_failed"
            ) from exc
        detail["redacted"] = True
    if not is_public(record):
        data = _watermarked(archive, user, record, data, request_id, detail)
    log_access(archive, user.username, "download", record.id, detail)
    return data


def _watermarked(
    archive: Archive, user: Principal, record: Record, data: bytes, request_id: str, detail: dict[str, object]
) -> bytes:
    from dangan.digitize import Watermark, watermark_pdf

    now = local_text(utcnow(), archive.settings.timezone, label=True)
    grant = granted_only(user, record)
    if grant is not None:
        detail["utilization_request_id"] = grant.request_id
    mark = Watermark(user.display_name, user.username, now,
                     request_id if grant is None else f"利用申请 {grant.request_id}")  # fmt: skip
    try:
        marked = watermark_pdf(data, mark)
    except Exception as exc:  # never an unmarked copy of a non-public file
        raise ValidationFailed(
            "该文件无法加注水印，暂不能下载，请联系档案管理员", code="watermark_failed"
        ) from exc
    detail["watermarked"] = True
    return marked


def masked_scan_pdf(data: bytes, terms: PersonalTerms) -> bytes:
    """A new PDF/A of the scan's pages with every line holding personal data painted over."""
    from dangan.digitize import scan_pdfa

    return scan_pdfa(_masked_pages(data, terms))


def _masked_pages(data: bytes, terms: PersonalTerms) -> Iterator[ScanPage]:
    import numpy as np
    import pypdfium2 as pdfium

    from dangan.digitize import ScanPage

    with PDFIUM:
        doc = pdfium.PdfDocument(data)
        count = len(doc)
    try:
        for i in range(count):
            with PDFIUM:
                page = doc[i]
                try:
                    width_pt, height_pt = page.get_size()
                    scale = _scan_scale(page, width_pt)
                    chars = _chars(page)
                    pixels = page.render(scale=scale, rev_byteorder=True, draw_annots=False).to_numpy()
                finally:
                    page.close()
            image = np.ascontiguousarray(pixels[:, :, :3], dtype=np.uint8)
            lines = [_masked_line(line, terms, scale, height_pt, image) for line in _lines(chars)]
            yield ScanPage(image, (scale * 72.0, scale * 72.0), [ln for ln in lines if ln is not None])
    finally:
        with PDFIUM:
            doc.close()


def _scan_scale(page: pdfium.PdfPage, width_pt: float) -> float:
    """Pixels per point of the page's picture, so the copy keeps the scan's resolution."""
    import pypdfium2 as pdfium

    best = 300.0 / 72.0
    for obj in page.get_objects(filter=(pdfium.raw.FPDF_PAGEOBJ_IMAGE,), max_depth=1):
        px_w, _px_h = obj.get_px_size()
        if px_w > 0 and width_pt > 0:
            best = px_w / width_pt
            break
    return best


def _chars(page: pdfium.PdfPage) -> list[_Char]:
    import pypdfium2.raw as pdfium_c

    textpage = page.get_textpage()
    try:
        out = []
        for i in range(textpage.count_chars()):
            code = pdfium_c.FPDFText_GetUnicode(textpage.raw, i)
            ch = chr(code) if 0 < code < 0x110000 and not 0xD800 <= code <= 0xDFFF else "\ufffd"
            left, bottom, right, top = textpage.get_charbox(i, loose=True)
            box = (left, bottom, right, top) if right > left and top > bottom else None
            out.append(_Char(ch, box))
        return out
    finally:
        textpage.close()


def _lines(chars: list[_Char]) -> list[list[_Char]]:
    """Characters split where PDFium breaks the text (each OCR line was written as its own run)."""
    lines: list[list[_Char]] = [[]]
    for c in chars:
        if c.ch in "\r\n":
            if lines[-1]:
                lines.append([])
            continue
        lines[-1].append(c)
    return [line for line in lines if line]


def _masked_line(
    line: list[_Char], terms: PersonalTerms, scale: float, height_pt: float, image: np.ndarray
) -> OcrLine | None:
    import numpy as np

    text = "".join(c.ch for c in line)
    boxes = [c.box for c in line if c.box is not None]
    if not boxes or not text.strip():
        return None
    left = min(b[0] for b in boxes) * scale
    right = max(b[2] for b in boxes) * scale
    top = (height_pt - max(b[3] for b in boxes)) * scale
    bottom = (height_pt - min(b[1] for b in boxes)) * scale
    covered = {i for start, end in personal_spans(text, terms) for i in range(start, end)}
    covered |= {i for m in _DIGIT_RUN.finditer(text) for i in range(m.start(), m.end())}
    covered |= {i for i, ch in enumerate(text) if ch == "\ufffd"}
    if covered:
        h, w = image.shape[:2]
        x0, y0 = max(0, int(left) - PAD_PX), max(0, int(top) - PAD_PX)
        x1, y1 = min(w, int(np.ceil(right)) + PAD_PX), min(h, int(np.ceil(bottom)) + PAD_PX)
        image[y0:y1, x0:x1] = 0
        text = "".join("*" if i in covered else ch for i, ch in enumerate(text))
    return OcrLine(text, (left, top, right, bottom), 1.0)
