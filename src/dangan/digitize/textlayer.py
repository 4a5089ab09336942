"""An invisible text layer for pages delivered as pictures: each line of the page's own text at its place
(render mode 3), covered characters as '*', so a redacted copy can still be searched and read aloud."""

from __future__ import annotations

import io

import pypdfium2 as pdfium

Box = tuple[float, float, float, float]  # left, bottom, right, top in PDF points


def _text_layer(pages: list[tuple[tuple[float, float], list[tuple[Box, str]]]]) -> bytes:
    """Invisible text (render mode 3) at each line's place, one page per covered page."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    font = "STSong-Light"
    if font not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(font))
    buf = io.BytesIO()
    pdf = canvas.Canvas(buf, pageCompression=1)
    for (width, height), lines in pages:
        pdf.setPageSize((width, height))
        for (left, bottom, right, top), line in lines:
            size = max(1.0, top - bottom)
            natural = pdfmetrics.stringWidth(line, font, size) or 1.0
            text = pdf.beginText(left, bottom)
            text.setTextRenderMode(3)
            text.setFont(font, size)
            text.setHorizScale(max(1.0, min(1000.0, 100 * (right - left) / natural)))
            text.textOut(line)
            pdf.drawText(text)
        pdf.showPage()
    pdf.save()
    return buf.getvalue()


def add_text_layer(out: pdfium.PdfDocument, layers: dict[int, list[tuple[Box, str]]]) -> None:
    pages = sorted(layers)
    sizes = [out[i].get_size() for i in pages]
    overlay = pdfium.PdfDocument(
        _text_layer([(size, layers[i]) for i, size in zip(pages, sizes, strict=True)])
    )
    try:
        for k, i in enumerate(pages):
            page = out[i]
            page.insert_obj(overlay.page_as_xobject(k, out).as_pageobject())
            page.gen_content()
            page.close()
    finally:
        overlay.close()
