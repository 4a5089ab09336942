"""Page images for in-browser preview: the server renders, so every browser shows the same thing
and a watermark can later be burnt into exactly what is delivered."""

from __future__ import annotations

import io
from pathlib import Path

import pypdfium2 as pdfium

from dangan.core import PDFIUM

from .images import ensure_decodable, open_image

MAX_PREVIEW_PIXELS = 1600


def pdf_page_count(path: Path) -> int:
    with PDFIUM:
        doc = pdfium.PdfDocument(str(path))
        try:
            return len(doc)
        finally:
            doc.close()


def render_pdf_page(path: Path, page_index: int, width: int = 1000) -> bytes:
    """PNG of one PDF page at about `width` pixels wide."""
    with PDFIUM:
        doc = pdfium.PdfDocument(str(path))
        try:
            page = doc[page_index]
            scale = min(width, MAX_PREVIEW_PIXELS) / page.get_width()
            image = page.render(scale=scale).to_pil()
            page.close()
        finally:
            doc.close()
    buf = io.BytesIO()
    image.convert("RGB").save(buf, format="PNG", optimize=False)
    return buf.getvalue()


def render_image(path: Path, width: int = 1000) -> bytes:
    """A PNG of an image file, scaled down to fit `width`.

    Pillow shrinks bilevel and palette images by nearest neighbour, which drops every line thinner than
    the scale step: a 600 dpi drawing at 1/14 lost most of its 3-pixel lines, and bilevel text pages came
    out ragged. They are turned into grey (or RGBA) first, so the shrink averages, at one more byte (or
    four) a pixel, counted in the budget.
    """
    box = (min(width, MAX_PREVIEW_PIXELS), MAX_PREVIEW_PIXELS * 2)
    with open_image(path) as img:
        img.draft("RGB", box)  # JPEG decodes at 1/2-1/8 scale; what thumbnail would do, but measured first
        smooth = {"1": "L", "P": "RGBA"}.get(img.mode)
        ensure_decodable(img, {"L": 1, "RGBA": 4}.get(smooth or "", 0))
        shown = img.convert(smooth) if smooth else img
        shown.thumbnail(box)
        buf = io.BytesIO()
        shown.convert("RGB").save(buf, format="PNG")
    return buf.getvalue()
