"""Redaction of rendered pages: personal data leaves no pixel, text, object or metadata behind.

PDFs are made here with reportlab (text, a picture, an annotation, metadata) so each way a number can
hide in a file is tried on its own; the demo documents are tried through the web in
tests/web/test_redaction_demo.py.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import pypdfium2 as pdfium
import pytest
from PIL import Image

from dangan.digitize import notice_png, redact_pdf, redact_text, render_pdf_page, render_redacted_page
from dangan.domain import PersonalTerms

ID = "13030219630821030X"
PHONE = "18081201838"
TERMS = PersonalTerms.of([ID, PHONE, "迎宾路55号"])


def _pdf(draw: Callable[[Any, int], None], *, title: str = "", pages: int = 1) -> bytes:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    if "STSong-Light" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buf = io.BytesIO()
    pdf = canvas.Canvas(buf, pageCompression=0)
    if title:
        pdf.setTitle(title)
    for n in range(pages):
        pdf.setFont("STSong-Light", 14)
        draw(pdf, n)
        pdf.showPage()
    pdf.save()
    return buf.getvalue()


def _text(data: bytes) -> str:
    doc = pdfium.PdfDocument(data)
    try:
        return "\n".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))
    finally:
        doc.close()


def _streams(data: bytes) -> bytes:
    """Every stream of the file, inflated where it is deflated: what a tool digging in the file reads."""
    import pikepdf

    out = []
    with pikepdf.open(io.BytesIO(data)) as pdf:
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Stream):
                try:
                    out.append(obj.read_bytes())
                except pikepdf.PdfError:
                    out.append(obj.read_raw_bytes())
    return b"\n".join(out) + zlib.compress(b"")


def _dark_share(png: bytes, box: tuple[int, int, int, int]) -> float:
    img = Image.open(io.BytesIO(png)).convert("L").crop(box)
    pixels = list(cast("tuple[int, ...]", img.get_flattened_data()))  # mode "L": one int a pixel
    return sum(1 for p in pixels if p < 60) / len(pixels)


def test_numbers_in_text_are_covered_and_gone_from_every_layer() -> None:
    def draw(pdf: Any, n: int) -> None:
        pdf.drawString(72, 760, "申请书")
        pdf.drawString(72, 700, f"身份证件号码 {ID}")
        pdf.drawString(72, 670, f"联系电话 {PHONE}")
        pdf.drawString(72, 640, "住所 秦皇岛市海港区迎宾路55号")

    source = _pdf(draw, title=f"申请人 {ID}")
    assert ID in _text(source)
    result = redact_pdf(source, TERMS)
    assert (result.pages, result.redacted_pages, result.regions) == (1, 1, 3)
    text = _text(result.data)
    assert "申请书" in text and "秦皇岛市海港区" in text  # the rest is still searchable
    for value in (ID, PHONE, "迎宾路", "1303021963"):
        assert value not in text
        assert value.encode() not in result.data and value.encode() not in _streams(result.data)
    assert "*" * 18 in text
    doc = pdfium.PdfDocument(result.data)
    assert not doc.get_metadata_value("Title")  # the document's Info is not carried over
    doc.close()


def test_preview_pixels_are_covered_where_the_number_was(tmp_path: Path) -> None:
    def draw(pdf: Any, n: int) -> None:
        pdf.setFont("STSong-Light", 28)
        pdf.drawString(72, 700, ID)

    path = tmp_path / "a.pdf"
    path.write_bytes(_pdf(draw))
    plain = render_pdf_page(path, 0, 600)
    covered = render_redacted_page(path, 0, 600, TERMS)
    # The number sits at x 72-320 pt, y 700-720 pt on A4: pixels 73-322 across, 123-143 down at 600 px.
    box = (80, 125, 320, 140)
    assert _dark_share(plain, box) < 0.5 < _dark_share(covered, box)
    assert Image.open(io.BytesIO(covered)).size == Image.open(io.BytesIO(plain)).size


def test_pages_without_personal_data_are_copied_untouched() -> None:
    def draw(pdf: Any, n: int) -> None:
        pdf.drawString(72, 700, f"第 {n + 1} 页 " + (f"电话 {PHONE}" if n == 1 else "普通内容"))

    result = redact_pdf(_pdf(draw, pages=3), TERMS)
    assert (result.pages, result.redacted_pages) == (3, 1)
    doc = pdfium.PdfDocument(result.data)
    kinds = [[o.type for o in doc[i].get_objects()] for i in range(3)]
    doc.close()
    assert pdfium.raw.FPDF_PAGEOBJ_IMAGE not in kinds[0] + kinds[2]  # vector pages stay vector
    assert pdfium.raw.FPDF_PAGEOBJ_IMAGE in kinds[1]
    assert "第 1 页 普通内容" in _text(result.data) and PHONE not in _text(result.data)


def test_pictures_are_covered_until_ocr_reads_them(tmp_path: Path) -> None:
    """A scanned ID card inside a PDF has no text to search: it is covered, the page says why."""
    from reportlab.lib.utils import ImageReader

    card = Image.new("RGB", (400, 250), (20, 20, 20))
    buf = io.BytesIO()
    card.save(buf, format="PNG")

    def draw(pdf: Any, n: int) -> None:
        pdf.drawString(72, 760, "身份证复印件")
        pdf.drawImage(ImageReader(io.BytesIO(buf.getvalue())), 72, 450, 242, 153)

    path = tmp_path / "card.pdf"
    path.write_bytes(_pdf(draw))
    covered = render_redacted_page(path, 0, 600, PersonalTerms())
    plain = render_pdf_page(path, 0, 600)
    box = (90, 260, 290, 380)  # inside the picture (A4 at 600 px: 1.008 px a point)
    assert _dark_share(plain, box) > 0.9 > 0.05 > _dark_share(covered, box)
    result = redact_pdf(path.read_bytes(), PersonalTerms())
    assert result.redacted_pages == 1 and "身份证复印件" in _text(result.data)


def test_annotations_are_not_carried() -> None:
    """A free-text note holding a number is not page text; the covered page does not draw it."""
    import pikepdf

    def draw(pdf: Any, n: int) -> None:
        pdf.drawString(72, 760, "备注页")

    with pikepdf.open(io.BytesIO(_pdf(draw))) as pdf:
        note = pikepdf.Dictionary(
            Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.FreeText, Rect=[72, 600, 400, 640],
            Contents=pikepdf.String(f"电话 {PHONE}"), DA=pikepdf.String("0 g /Helv 12 Tf"),
        )  # fmt: skip
        pdf.pages[0].obj["/Annots"] = pdf.make_indirect(pikepdf.Array([pdf.make_indirect(note)]))
        out = io.BytesIO()
        pdf.save(out)
    result = redact_pdf(out.getvalue(), TERMS)
    assert result.redacted_pages == 1
    assert PHONE.encode() not in _streams(result.data)
    with pikepdf.open(io.BytesIO(result.data)) as pdf:
        assert "/Annots" not in pdf.pages[0].obj


def test_unmapped_characters_are_covered(tmp_path: Path) -> None:
    """Characters PDFium cannot read back (no Unicode) may be anything: they are covered too."""
    import pikepdf

    def draw(pdf: Any, n: int) -> None:
        pdf.drawString(72, 760, "可读文字")

    with pikepdf.open(io.BytesIO(_pdf(draw))) as pdf:
        page = pdf.pages[0]
        font = pdf.make_indirect(pikepdf.Dictionary(
            Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type3, FontBBox=[0, 0, 1000, 1000],
            FontMatrix=[0.001, 0, 0, 0.001, 0, 0], FirstChar=1, LastChar=1, Widths=[1000],
            Encoding=pikepdf.Dictionary(Type=pikepdf.Name.Encoding, Differences=[1, pikepdf.Name("/g1")]),
            CharProcs=pikepdf.Dictionary(g1=pdf.make_stream(b"1000 0 0 0 1000 1000 d1 0 0 1000 1000 re f")),
        ))  # fmt: skip
        page.obj.Resources.Font["/T3"] = font
        page.contents_add(pdf.make_stream(b"BT /T3 20 Tf 72 600 Td <0101010101> Tj ET"), prepend=False)
        out = io.BytesIO()
        pdf.save(out)
    path = tmp_path / "t3.pdf"
    path.write_bytes(out.getvalue())
    doc = pdfium.PdfDocument(path.read_bytes())
    codes = [pdfium.raw.FPDFText_GetUnicode(doc[0].get_textpage().raw, i) for i in range(20)]
    doc.close()
    assert any(c in (0, 1, 0xFFFD) for c in codes), codes  # the test's premise: PDFium reads no Unicode
    result = redact_pdf(path.read_bytes(), PersonalTerms())
    assert result.redacted_pages == 1 and result.regions >= 1


def test_damaged_pdf_raises_rather_than_passing_through() -> None:
    with pytest.raises(pdfium.PdfiumError):
        redact_pdf(b"%PDF-1.7\nnot really", TERMS)


def test_plain_text_is_starred() -> None:
    assert (
        redact_text(f"联系人电话：{PHONE}\n证件 {ID}", TERMS)
        == "联系人电话：" + "*" * 11 + "\n证件 " + "*" * 18
    )


def test_notice_has_the_size_asked_and_says_why() -> None:
    img = Image.open(io.BytesIO(notice_png(800, 1100)))
    assert img.size == (800, 1100)
    assert len(set(img.convert("L").get_flattened_data())) > 2  # text drawn on the grey ground
