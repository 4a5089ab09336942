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
    """A PNG of an image file, scaled down to fit `width`."""
    box = (min(width, MAX_PREVIEW_PIXELS), MAX_PREVIEW_PIXELS * 2)
    with open_image(path) as img:
        img.draft("RGB", box)  # JPEG decodes at 1/2-1/8 scale; what thumbnail would do, but measured first
        ensure_decodable(img)
        img.thumbnail(box)
        buf = io.BytesIO()
        img.convert("RGB").save(buf, format="PNG")
    return buf.getvalue()
