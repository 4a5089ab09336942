"""Catalogue fields proposed from a record's own text, stored for the archivist's confirmation page.

Proposals are computed per page of each scanned file from the page's OCR lines, so every value keeps
the box of the lines it was read from (pixels of the page as scanned — what the archivist compares it
with); a born-digital record is read from its PDFs' text layer instead (a span, no box). The archive's
own names steer the reading: matters and departments from the catalogue, with the matter aliases
search understands (shipped and the archive's own synonyms). When extraction finds no matter or
category, the classifier trained on confirmed records suggests one (`source` "classifier").
A record's proposals are replaced whole, so OCR run again with other settings never leaves stale ones.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from dangan.core import utcnow
from dangan.services.archive import Archive
from dangan.services.utilisation import list_synonyms
from dangan.store.catalog import (
    Department,
    DigitizationFile,
    DigitizationPage,
    ExtractionProposal,
    Matter,
    Record,
    RecordFile,
    get_record,
)

from ._scans import PDF

log = logging.getLogger("dangan.digitization")

OCR, PDF_TEXT, CLASSIFIER = "ocr", "pdf", "classifier"
MIN_SUGGESTED = 0.05


@dataclass(frozen=True)
class _Line:
    text: str
    box: Sequence[float]
    confidence: float


def current_values(record: Record) -> dict[str, str | None]:
    """The record's catalogue value of each proposable field, as text (dates ISO), None where the
    catalogue has no such field or no value."""
    extra = record.extra or {}

    def iso(value: Any) -> str | None:
        return value.isoformat() if value is not None else None

    return {
        "doc_number": record.doc_number,
        "written_at": extra.get("成文日期") if isinstance(extra.get("成文日期"), str) else None,
        "decided_at": iso(record.decided_at),
        "accepted_at": iso(record.accepted_at),
        "applicant": record.applicant_name,
        "applicant_type": record.applicant_type,
        "uscc": record.applicant_uscc,
        "legal_representative": record.legal_representative,
        "id_number": record.id_number,
        "phone": record.phone,
        "address": record.address,
        "matter": record.matter.name if record.matter else None,
        "result": record.result,
        "department": record.department.name if record.department else None,
        "industry": record.industry,
        "category": record.category,
    }


def known_names(s: Session) -> tuple[list[Any], list[str]]:
    """(MatterRef of every catalogued matter with its search aliases, department names)."""
    from dangan.digitize import MatterRef

    rows = s.execute(
        select(Matter.name, Department.name).join(Department, Department.id == Matter.department_id)
    )
    departments = sorted(set(s.scalars(select(Department.name)).all()))
    return [MatterRef(name, dept) for name, dept in rows.all()], departments


def _with_aliases(archive: Archive, matters: list[Any]) -> list[Any]:
    """An alias names every matter whose name holds its target (the synonym table's own rule)."""
    from dataclasses import replace

    try:
        entries = list_synonyms(archive, None, kind="matters")
    except Exception:  # a synonym table that cannot be read must not cost the proposals
        log.exception("matter synonyms could not be read")
        return matters
    out = []
    for m in matters:
        aliases = tuple(
            sorted({e.alias for e in entries if e.target and e.target in m.name and e.alias != m.name})
        )
        out.append(replace(m, aliases=aliases) if aliases else m)
    return out


def _page_sources(s: Session, record_id: str) -> list[tuple[str, int, int, dict[str, Any]]]:
    """(file path, file position, page, OCR page) of every page read, in reading order."""
    rows = s.execute(
        select(RecordFile.path, RecordFile.position, DigitizationPage.page, DigitizationPage.ocr)
        .join(DigitizationFile, DigitizationFile.id == DigitizationPage.file_id)
        .join(RecordFile, RecordFile.id == DigitizationFile.record_file_id)
        .where(DigitizationPage.record_id == record_id, DigitizationPage.status == "done")
        .order_by(RecordFile.position, DigitizationPage.page)
    ).all()
    return [(path, pos, page, ocr) for path, pos, page, ocr in rows if ocr]


def _rows_of(
    proposals: Sequence[Any], record_id: str, source: str, current: dict[str, str | None], **where: Any
) -> list[ExtractionProposal]:
    now = utcnow()
    out = []
    for p in proposals:
        kind = "int" if isinstance(p.value, int) else "float" if isinstance(p.value, float) else "str"
        out.append(
            ExtractionProposal(
                record_id=record_id, source=source, field=p.field, value=str(p.value), kind=kind,
                confidence=float(p.confidence), box=list(p.box) if p.box else None, span_start=p.start,
                span_end=p.end, note=(p.note or None) and p.note[:500], current=current.get(p.field),
                created_at=now, **where,
            )
        )  # fmt: skip
    return out


def compute_proposals(archive: Archive, record_id: str, *, born_digital: bool | None = None) -> int:
    """Propose the record's fields again and store them; returns how many were stored.

    `born_digital`: read the PDFs' text layer too — by default only when no page of the record was
    OCR'd (a born-digital record), since a scanned record's PDFs are mostly its forms."""
    from dangan.digitize import pdf_text, propose

    with archive.db.read() as s:
        record = get_record(s, record_id)
        if record is None:
            return 0
        current = current_values(record)
        matters, departments = known_names(s)
        pages = _page_sources(s, record_id)
        pdfs = [(f.path, f.position, f.sha256, f.encrypted) for f in sorted(record.files, key=lambda f: f.position)
                if f.media_type == PDF]  # fmt: skip
    matters = _with_aliases(archive, matters)
    rows: list[ExtractionProposal] = []
    for path, position, page, ocr in pages:
        lines = [
            _Line(str(line.get("text") or ""), line.get("box") or (), float(line.get("confidence") or 0.0))
            for line in ocr.get("lines", [])
        ]
        text = "\n".join(line.text for line in lines)
        found = propose(text, lines, matters=matters, departments=departments)
        rows += _rows_of(found, record_id, OCR, current, file_path=path, file_position=position, page=page)
    if born_digital or (born_digital is None and not pages):
        for path, position, sha, enc in pdfs:
            with archive.objects.plain_path(sha, enc) as plain:
                text = pdf_text(plain)
            if text.strip():
                found = propose(text, matters=matters, departments=departments)
                rows += _rows_of(found, record_id, PDF_TEXT, current, file_path=path, file_position=position)
    if not any(r.field in ("matter", "category") for r in rows):
        rows += _suggested(archive, record_id, current, pages)
    with archive.db.write() as s:
        s.execute(delete(ExtractionProposal).where(ExtractionProposal.record_id == record_id))
        s.add_all(rows)
    return len(rows)


def _suggested(
    archive: Archive, record_id: str, current: dict[str, str | None], pages: list[Any]
) -> list[ExtractionProposal]:
    """The classifier's top-3 of matter and category as proposals, when a model was trained."""
    from ._classifier import predict_text, record_text

    text = "\n".join(str(ocr.get("text") or "") for *_, ocr in pages) or record_text(archive, record_id)
    if not text.strip():
        return []
    now = utcnow()
    rows = []
    for target, ranked in predict_text(archive, text).items():
        for i, (label, prob) in enumerate(ranked):
            if i and prob < MIN_SUGGESTED:
                break  # a runner-up with next to no probability would only be noise beside the image
            rows.append(ExtractionProposal(
                record_id=record_id, source=CLASSIFIER, field=target, value=label, kind="str",
                confidence=float(prob), note="由本馆已确认案卷训练的分类模型推荐", current=current.get(target),
                created_at=now,
            ))  # fmt: skip
    return rows


def refresh_after_ocr(archive: Archive, record_id: str) -> None:
    """The pipeline's last step for a file: never lets a proposal failure touch the OCR results."""
    try:
        compute_proposals(archive, record_id)
    except Exception:
        log.exception("fields of record %s could not be proposed", record_id)
