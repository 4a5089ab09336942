"""Page images for in-browser preview: the server renders, so every browser shows the same thing
and a watermark can later be burnt into exactly what is delivered."""

from __future__ import annotations

import io
from pathlib import Path

import pypdfium2 as pdfium
from PIL import Image

from dangan.core import PDFIUM

from .images import ensure_decodable, open_image

MAX_PREVIEW_PIXELS = 1600
PAGE_COLOURS = 64  # a page keeps 64 colours: with 4 levels of watermark ink each, one byte a pixel


def page_png(image: Image.Image) -> bytes:
    """A rendered page as previews deliver it: at most `PAGE_COLOURS` colours, one byte a pixel.

    A page is text, lines and a seal or two; 64 colours keep its anti-aliasing. What it buys is the
    watermark, burnt in per delivery: on a palette page it is a second set of palette entries
    (`watermark._stamp_palette`), not a decode, blend and encode of three bytes a pixel — under the mixed
    load of bench/load.py that was ~70 % of a preview's time. The palette is chosen once, when the page
    is rendered (and cached)."""
    quantized = image.convert("RGB").quantize(
        colors=PAGE_COLOURS, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE
    )
    buf = io.BytesIO()
    quantized.save(buf, format="PNG", compress_level=6)
    return buf.getvalue()


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
    return page_png(image)


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
