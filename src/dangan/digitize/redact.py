"""Personal data hidden in what is rendered: the pixels of a preview and every layer of a delivered PDF.

Masking the catalogue is not enough when the 申请书 itself shows the ID number. For a user below the
unmask right every page is looked at before it leaves:

* text the PDF carries (PDFium's characters with their boxes) is searched for ID and phone numbers and
  the record's own personal values (`dangan.domain.personal_spans`); their boxes are painted over;
* characters PDFium cannot map to Unicode (a font without a ToUnicode map) are painted over too, since
  what they show cannot be checked;
* pictures larger than a logo (a scanned page, an ID-card copy) are covered: until OCR reads scans they
  show "含个人信息，需申请" instead;
* form fields and other annotations are not drawn (their text is not part of the page's text).

A page that needed any of this is delivered as a picture of the painted page, built into a *new*
document, so the covered text is in no layer, object or stream of the file; the others are copied as
they are. Pages keep their size. Functions are pure: bytes or a path in, bytes out.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import Image, ImageDraw

from dangan.core import PDFIUM
from dangan.domain import PersonalTerms, personal_spans

from .fonts import pil_cjk_font
from .preview import page_png
from .textlayer import add_text_layer

NOTICE = "含个人信息，需申请"
HINT = "如需查看原件，请提交利用申请并申请查看个人信息"
IMAGE_SHARE = 0.01  # of the page: a logo stays, an ID-card copy (about 7 % of A4) is covered
SCAN_SHARE = 0.5  # a picture this large is the page itself: the notice goes in its middle
PAD = 1.5  # points around a covered character
RASTER_DPI = 150
TEXT_FILL = (0, 0, 0)
IMAGE_FILL = (205, 205, 205)

Box = tuple[float, float, float, float]  # left, bottom, right, top in PDF points


@dataclass
class PageFindings:
    """What must be covered on one page."""

    text_boxes: list[Box] = field(default_factory=list)
    lines: list[tuple[Box, str]] = field(default_factory=list)  # the page's text, covered characters as '*'
    image_boxes: list[Box] = field(default_factory=list)
    annotations: int = 0
    scan: bool = False

    @property
    def needed(self) -> bool:
        return bool(self.text_boxes or self.image_boxes or self.annotations)

    @property
    def regions(self) -> int:
        return len(self.text_boxes) + len(self.image_boxes)


@dataclass(frozen=True)
class RedactedPdf:
    data: bytes
    pages: int
    redacted_pages: int
    regions: int


def _unreadable(code: int) -> bool:
    """A character whose meaning PDFium could not tell: no Unicode, a replacement, private use."""
    if code in (0x0D, 0x0A, 0x09, 0x20):
        return False
    return code < 0x20 or code == 0xFFFD or 0xE000 <= code <= 0xF8FF or 0xD800 <= code <= 0xDFFF


def _char_box(textpage: pdfium.PdfTextPage, index: int) -> Box | None:
    left, bottom, right, top = textpage.get_charbox(index, loose=True)
    if right - left <= 0 or top - bottom <= 0:
        return None
    return left, bottom, right, top


def _line_boxes(textpage: pdfium.PdfTextPage, indices: Iterator[int]) -> list[Box]:
    """Boxes of characters joined per line, so a number is one bar, not eighteen."""
    boxes: list[Box] = []
    for i in indices:
        box = _char_box(textpage, i)
        if box is None:
            continue
        if boxes:
            last = boxes[-1]
            same_line = min(last[3], box[3]) - max(last[1], box[1]) > 0.5 * (box[3] - box[1])
            if same_line and box[0] <= last[2] + (box[3] - box[1]):
                boxes[-1] = (
                    min(last[0], box[0]),
                    min(last[1], box[1]),
                    max(last[2], box[2]),
                    max(last[3], box[3]),
                )
                continue
        boxes.append(box)
    return [(l_ - PAD, b - PAD, r + PAD, t + PAD) for l_, b, r, t in boxes]


def _text_lines(textpage: pdfium.PdfTextPage, text: str, covered: set[int]) -> list[tuple[Box, str]]:
    """The page's text line by line with its boxes, covered characters as '*': the text layer a
    covered page keeps, so the delivered copy can still be searched and read aloud."""
    lines: list[tuple[Box, str]] = []
    chars: list[str] = []
    box: Box | None = None
    for i, ch in enumerate([*text, "\n"]):
        char_box = _char_box(textpage, i) if i < len(text) else None
        if ch in "\r\n" or (char_box is not None and box is not None and char_box[0] < box[0] - 1):
            if box is not None and "".join(chars).strip():
                lines.append((box, "".join(chars)))
            chars, box = [], None
            if ch in "\r\n":
                continue
        chars.append("*" if i in covered else ch)
        if char_box is not None:
            box = char_box if box is None else (
                min(box[0], char_box[0]), min(box[1], char_box[1]), max(box[2], char_box[2]), max(box[3], char_box[3])
            )  # fmt: skip
    return lines


def _text_findings(page: pdfium.PdfPage, terms: PersonalTerms) -> tuple[list[Box], list[tuple[Box, str]]]:
    textpage = page.get_textpage()
    try:
        count = textpage.count_chars()
        codes = [pdfium_c.FPDFText_GetUnicode(textpage.raw, i) for i in range(count)]
        text = "".join(chr(c) if 0 < c < 0x110000 and not 0xD800 <= c <= 0xDFFF else "\ufffd" for c in codes)
        covered = {i for start, end in personal_spans(text, terms) for i in range(start, end)}
        covered.update(i for i, c in enumerate(codes) if _unreadable(c))
        return _line_boxes(textpage, iter(sorted(covered))), _text_lines(textpage, text, covered)
    finally:
        textpage.close()


def _image_findings(page: pdfium.PdfPage) -> list[Box]:
    """Boxes of top-level pictures, and of forms holding one, larger than `IMAGE_SHARE` of the page."""
    width, height = page.get_size()
    area = max(width * height, 1.0)
    boxes = []
    for obj in page.get_objects(max_depth=0):
        if obj.type == pdfium_c.FPDF_PAGEOBJ_IMAGE:
            holds_image = True
        elif obj.type == pdfium_c.FPDF_PAGEOBJ_FORM:
            holds_image = _form_holds_image(obj)
        else:
            holds_image = False
        if not holds_image:
            continue
        left, bottom, right, top = obj.get_bounds()
        if (right - left) * (top - bottom) >= IMAGE_SHARE * area:
            boxes.append((left, bottom, right, top))
    return boxes


def _form_holds_image(form: pdfium.PdfObject) -> bool:
    """True when a form XObject, at any depth, draws a picture."""
    stack = [form.raw]
    while stack:
        raw = stack.pop()
        for i in range(pdfium_c.FPDFFormObj_CountObjects(raw)):
            child = pdfium_c.FPDFFormObj_GetObject(raw, i)
            kind = pdfium_c.FPDFPageObj_GetType(child)
            if kind == pdfium_c.FPDF_PAGEOBJ_IMAGE:
                return True
            if kind == pdfium_c.FPDF_PAGEOBJ_FORM:
                stack.append(child)
    return False


def _annotations(page: pdfium.PdfPage) -> int:
    """Annotations other than links: form fields, notes, stamps — text the page's text does not hold."""
    found = 0
    for i in range(pdfium_c.FPDFPage_GetAnnotCount(page.raw)):
        annot = pdfium_c.FPDFPage_GetAnnot(page.raw, i)
        try:
            if pdfium_c.FPDFAnnot_GetSubtype(annot) != pdfium_c.FPDF_ANNOT_LINK:
                found += 1
        finally:
            pdfium_c.FPDFPage_CloseAnnot(annot)
    return found


def find_redactions(page: pdfium.PdfPage, terms: PersonalTerms) -> PageFindings:
    images = _image_findings(page)
    width, height = page.get_size()
    largest = max(((r - x) * (t - b) for x, b, r, t in images), default=0.0)
    boxes, lines = _text_findings(page, terms)
    return PageFindings(
        text_boxes=boxes,
        lines=lines,
        image_boxes=images,
        annotations=_annotations(page),
        scan=largest >= SCAN_SHARE * width * height,
    )


def _paint(page: pdfium.PdfPage, findings: PageFindings) -> None:
    """Filled rectangles on top of the page's content (in memory only; the document is never saved)."""
    for boxes, (r, g, b) in ((findings.image_boxes, IMAGE_FILL), (findings.text_boxes, TEXT_FILL)):
        for left, bottom, right, top in boxes:
            rect = pdfium_c.FPDFPageObj_CreateNewRect(left, bottom, right - left, top - bottom)
            pdfium_c.FPDFPageObj_SetFillColor(rect, r, g, b, 255)
            pdfium_c.FPDFPath_SetDrawMode(rect, pdfium_c.FPDF_FILLMODE_WINDING, False)
            pdfium_c.FPDFPage_InsertObject(page.raw, rect)


def _caption(image: Image.Image, findings: PageFindings) -> None:
    """Say on the page what was hidden, so nobody takes a covered page for a damaged one."""
    draw = ImageDraw.Draw(image)
    width, height = image.size
    if findings.scan:
        big = pil_cjk_font(max(16, width // 18))
        small = pil_cjk_font(max(12, width // 45))
        for text, font, y in ((NOTICE, big, height * 0.45), (HINT, small, height * 0.45 + width / 12)):
            left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
            draw.text(((width - (right - left)) / 2, y), text, font=font, fill=(90, 90, 90))
    size = max(11, width // 70)
    note = (
        f"本页已遮蔽个人信息 {findings.regions} 处（{NOTICE}）"
        if findings.regions
        else f"本页批注已隐藏（{NOTICE}）"
    )
    font = pil_cjk_font(size)
    left, top, right, bottom = draw.textbbox((0, 0), note, font=font)
    box = (0, height - (bottom - top) - size, width, height)
    draw.rectangle(box, fill=(255, 244, 214))
    draw.text((size // 2, box[1] + size // 2 - top), note, font=font, fill=(140, 80, 0))


def _raster(page: pdfium.PdfPage, findings: PageFindings, scale: float) -> Image.Image:
    _paint(page, findings)
    image = page.render(scale=scale, draw_annots=False, may_draw_forms=False).to_pil().convert("RGB")
    _caption(image, findings)
    return image


def render_redacted_page(path: Path, page_index: int, width: int, terms: PersonalTerms) -> bytes:
    """PNG of one page at about `width` pixels, personal data covered (same size as `render_pdf_page`)."""
    with PDFIUM:
        doc = pdfium.PdfDocument(str(path))
        try:
            page = doc[page_index]
            scale = width / page.get_width()
            findings = find_redactions(page, terms)
            if findings.needed:
                image = _raster(page, findings, scale)
            else:
                image = page.render(scale=scale, draw_annots=False).to_pil().convert("RGB")
            page.close()
        finally:
            doc.close()
    return page_png(image)


def _image_page(out: pdfium.PdfDocument, index: int, image: Image.Image, size: tuple[float, float]) -> None:
    jpeg = io.BytesIO()
    image.save(jpeg, format="JPEG", quality=85)
    jpeg.seek(0)
    page = out.new_page(size[0], size[1], index=index)
    picture = pdfium.PdfImage.new(out)
    picture.load_jpeg(jpeg, inline=True)
    picture.set_matrix(pdfium.PdfMatrix().scale(size[0], size[1]))
    page.insert_obj(picture)
    page.gen_content()
    page.close()


def redact_pdf(data: bytes, terms: PersonalTerms, dpi: int = RASTER_DPI) -> RedactedPdf:
    """A new PDF of the same pages with personal data removed (see the module docstring).

    Nothing of the source document is carried over but the pages that needed no covering: not its
    metadata, attachments, outline, form or structure tree, nor any object of a covered page.
    Raises what PDFium raises for a damaged or encrypted file; callers must then deliver nothing.
    """
    with PDFIUM:
        src = pdfium.PdfDocument(data)
        out = pdfium.PdfDocument.new()
        try:
            redacted = regions = 0
            layers: dict[int, list[tuple[Box, str]]] = {}
            for i in range(len(src)):
                page = src[i]
                findings = find_redactions(page, terms)
                if findings.needed:
                    size = page.get_size()
                    image = _raster(page, findings, dpi / 72)
                    page.close()
                    _image_page(out, i, image, size)
                    if findings.lines:
                        layers[i] = findings.lines
                    redacted += 1
                    regions += findings.regions
                else:
                    page.close()
                    out.import_pages(src, [i], index=i)
            if layers:
                add_text_layer(out, layers)
            buf = io.BytesIO()
            out.save(buf)
            return RedactedPdf(buf.getvalue(), len(src), redacted, regions)
        finally:
            out.close()
            src.close()


def notice_png(width: int, height: int) -> bytes:
    """What a picture that cannot be checked for personal data shows instead (a scan before OCR)."""
    width, height = max(200, width), max(200, height)
    image = Image.new("RGB", (width, height), IMAGE_FILL)
    _caption(image, PageFindings(image_boxes=[(0, 0, width, height)], scan=True))
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return buf.getvalue()


def notice_pdf(width_pt: float = 595.28, height_pt: float = 841.89) -> bytes:
    """One page saying a picture was withheld (a certified copy's stand-in for a scan)."""
    scale = RASTER_DPI / 72
    image = Image.open(io.BytesIO(notice_png(int(width_pt * scale), int(height_pt * scale))))
    with PDFIUM:
        out = pdfium.PdfDocument.new()
        try:
            _image_page(out, 0, image.convert("RGB"), (width_pt, height_pt))
            buf = io.BytesIO()
            out.save(buf)
            return buf.getvalue()
        finally:
            out.close()


def redact_text(text: str, terms: PersonalTerms) -> str:
    """Plain text (XML, JSON, CSV, TXT) with every personal character replaced by '*'."""
    chars = list(text)
    for start, end in personal_spans(text, terms):
        for i in range(start, end):
            if not chars[i].isspace():
                chars[i] = "*"
    return "".join(chars)


__all__ = [
    "HINT",
    "NOTICE",
    "PageFindings",
    "RedactedPdf",
    "find_redactions",
    "notice_pdf",
    "notice_png",
    "redact_pdf",
    "redact_text",
    "render_redacted_page",
]
