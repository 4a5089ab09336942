"""The searchable PDF/A of a scanned file: built from the original pages (an undecodable page left out and
counted) with the OCR lines as text, stored as a derivative that verifies, logged once, delivered under
the one policy (masked below the unmask right), and replaced by a redo."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from PIL import Image
from sqlalchemy import select

from dangan.core import NotFound
from dangan.digitize import check_pdfa
from dangan.services.digitization import DigitizeSettings, run_open, scan_pdf, start
from dangan.store.catalog import Event
from tests.services.digitization_helpers import (
    ID_NUMBER,
    RARE_WORD,
    Scanned,
    decision_lines,
    scanned_archive,
    text_page,
)


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scanned]:
    """A 内部 record whose scan has a readable page and a 1×1 'page' that cannot be decoded."""
    pages = [text_page(decision_lines()), Image.new("RGB", (1, 1), "white")]
    with scanned_archive(tmp_path_factory.mktemp("scanpdf"), 4201, pages) as scanned:
        yield scanned


def _text(data: bytes) -> str:
    pdf = pdfium.PdfDocument(data)
    try:
        out = []
        for i in range(len(pdf)):
            page = pdf[i]
            textpage = page.get_textpage()
            out.append(textpage.get_text_range())
            textpage.close()
            page.close()
        return "".join(out)
    finally:
        pdf.close()


def _pages(data: bytes) -> int:
    pdf = pdfium.PdfDocument(data)
    try:
        return len(pdf)
    finally:
        pdf.close()


def test_the_scan_gets_a_searchable_pdfa_of_its_decodable_pages(scanned: Scanned) -> None:
    row = scanned.row()
    assert row.pdf_sha256 and row.pdf_sm3 and row.pdf_size and row.pdf_encrypted, "a 内部 record: encrypted"
    assert (row.pdf_pages, row.pdf_omitted, row.pdf_error) == (1, 1, None)
    data = scanned.archive.objects.read(row.pdf_sha256, row.pdf_encrypted)
    assert len(data) == row.pdf_size and _pages(data) == 1
    text = _text(data).replace(" ", "")
    assert RARE_WORD in text and "〔2024〕77号" in text, "the OCR'd words come back out of the PDF"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "scan.pdf"
        path.write_bytes(data)
        report = check_pdfa(path, 2)
    assert report.passed, [f.message for f in report.failures]
    for location in scanned.archive.objects.locations:
        assert scanned.archive.objects.verify(row.pdf_sha256, True, location)
    with scanned.archive.db.read() as s:
        events = s.scalars(select(Event).where(Event.kind == "scan_pdfa")).all()
    assert len(events) == 1
    assert events[0].detail["pdf"]["sha256"] == row.pdf_sha256 and events[0].detail["omitted"] == 1


def test_who_may_see_personal_data_gets_the_text_as_read(scanned: Scanned) -> None:
    arch = scanned.user("arch_secret", "archivist", clearance="秘密")
    data = scan_pdf(scanned.archive, arch, scanned.record_id, scanned.position())
    assert ID_NUMBER in _text(data).replace(" ", "")


def test_who_must_see_it_masked_gets_a_copy_without_the_number(scanned: Scanned) -> None:
    clerk = scanned.user("clerk_own", "clerk", department=scanned.department)
    data = scan_pdf(scanned.archive, clerk, scanned.record_id, scanned.position())
    text = _text(data).replace(" ", "")
    assert ID_NUMBER not in text and ID_NUMBER[-8:] not in text
    assert "*" * 18 in text, "the number's characters are starred in the text layer"
    assert RARE_WORD in text, "the rest of the page stays searchable"
    row = scanned.row()
    stored = scanned.archive.objects.read(str(row.pdf_sha256), row.pdf_encrypted)
    assert _dark_share(data) > _dark_share(stored), "the number's line is painted over in the picture"


def _dark_share(data: bytes) -> float:
    pdf = pdfium.PdfDocument(data)
    try:
        page = pdf[0]
        grey = page.render(scale=1.0).to_numpy()[:, :, :3].mean(axis=2)
        page.close()
    finally:
        pdf.close()
    return float((grey < 60).mean())


def test_one_who_may_not_read_the_record_is_told_not_found(scanned: Scanned) -> None:
    other = scanned.user("clerk_other", "clerk", department="某县自然资源和规划局")
    with pytest.raises(NotFound) as refused:
        scan_pdf(scanned.archive, other, scanned.record_id, scanned.position())
    with pytest.raises(NotFound) as missing:
        scan_pdf(scanned.archive, other, "01ZZZZZZZZZZZZZZZZZZZZZZZZ", 1)
    assert refused.value.message == missing.value.message


def test_a_redo_replaces_the_pdfa(scanned: Scanned) -> None:
    arch = scanned.user("arch_redo", "archivist")
    redo = start(
        scanned.archive, arch, [scanned.record_id], redo=True, settings=DigitizeSettings(enhance=False)
    )
    assert redo.queued == 1
    assert scanned.row().pdf_sha256 is None, "a queued redo has no PDF/A of the old reading"
    with pytest.raises(NotFound):
        scan_pdf(scanned.archive, arch, scanned.record_id, scanned.position())
    run_open(scanned.archive, redo.record_ids, batch_id=redo.batch_id)
    row = scanned.row()
    assert row.pdf_sha256 and row.pdf_pages == 1
    with scanned.archive.db.read() as s:
        events = s.scalars(select(Event).where(Event.kind == "scan_pdfa").order_by(Event.id)).all()
    assert len(events) == 2 and events[-1].detail["pdf"]["sha256"] == row.pdf_sha256
