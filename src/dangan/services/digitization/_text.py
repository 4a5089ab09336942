"""A record's search text rebuilt with what OCR read on its scans.

Born-digital PDF text reaches search at ingest; a scan's text arrives later, from the worker. The
search document is rebuilt whole (the record's described fields, every text-layer PDF's text, every
read page's text) rather than appended to, so running OCR again with other settings replaces the old
words instead of piling new ones on top of them. The caller writes it in the same transaction that
marks the file done, together with the search outbox row (`index_record`), exactly as ingest does.
"""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from dangan.digitize import pdf_text
from dangan.index import index_record
from dangan.services.archive import Archive
from dangan.store.catalog import DigitizationFile, DigitizationPage, Record, RecordFile, get_record

from ._scans import PDF

_BROKEN_NUMBER = re.compile(r"([0-9A-Za-z][0-9A-Za-z-]*\d)[ \t]*\r?\n[ \t]*(\d[0-9A-Za-z-]*)")


def _rejoined_numbers(text: str) -> list[str]:
    """Numbers broken across lines, whole (as ingest indexes PDF text), so a typed number still finds them."""
    return [m.group(1) + m.group(2) for m in _BROKEN_NUMBER.finditer(text)]


def _described(record: Record) -> list[str]:
    parts = [record.doc_number or "", record.department.name if record.department else ""]
    parts += [record.matter.name if record.matter else "", record.result, record.applicant_name]
    parts += [record.applicant_uscc or "", record.legal_representative or "", record.address or ""]
    return [*parts, record.source_id]


def body_parts(archive: Archive, record_id: str) -> list[str] | None:
    """Everything search should find the record by, read outside any write transaction (PDF text and
    OCR rows); None when the record is gone."""
    with archive.db.read() as s:
        record = get_record(s, record_id)
        if record is None:
            return None
        parts = _described(record)
        files = sorted(record.files, key=lambda f: f.position)
        pdfs = [(f.sha256, f.encrypted) for f in files if f.media_type == PDF]
        parts += [f.role or "" for f in files]
        ocr = _ocr_texts(s, record_id)
    for sha, enc in pdfs:
        with archive.objects.plain_path(sha, enc) as path:
            text = pdf_text(path)
        if text.strip():  # an image-only PDF has none: its words come from the OCR rows below
            parts += [text, *_rejoined_numbers(text)]
    for text in ocr:
        parts += [text, *_rejoined_numbers(text)]
    return parts


def _ocr_texts(s: Session, record_id: str) -> list[str]:
    rows = s.execute(
        select(DigitizationPage.ocr)
        .join(DigitizationFile, DigitizationFile.id == DigitizationPage.file_id)
        .join(RecordFile, RecordFile.id == DigitizationFile.record_file_id)
        .where(DigitizationPage.record_id == record_id, DigitizationPage.status == "done")
        .order_by(RecordFile.position, DigitizationPage.page)
    ).all()
    return [str((ocr or {}).get("text") or "") for (ocr,) in rows]


def write_search_text(s: Session, record_id: str, parts: list[str]) -> bool:
    """Replace the record's search document (and queue it for the engine) inside the caller's
    transaction; False when the record is gone."""
    record = get_record(s, record_id)
    if record is None:
        return False
    index_record(s, record, parts)
    return True
