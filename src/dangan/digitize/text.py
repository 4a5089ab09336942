"""Text out of stored files, for search. pypdfium2 keeps CJK text layers that pdfminer loses."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pypdfium2 as pdfium

from .textfont import text_mode

log = logging.getLogger(__name__)
MAX_PAGES = 200
SMALL_PDF_BYTES = 4 * 1024 * 1024
# pdfium breaks a wrapped paragraph with CRLF; rejoin Chinese so a phrase across the wrap is still found.
_WRAPPED = re.compile(r"(?<=[\u3400-\u9fff])\r?\n(?=[\u3400-\u9fff])")


def pdf_text(path: Path, max_pages: int = MAX_PAGES) -> str:
    """The text layer of a PDF, page by page; empty for a PDF without one or one that will not open.

    Non-embedded CJK fonts are read without loading a system font's glyphs (see `textfont`)."""
    with text_mode():
        return _pdf_text(path, max_pages)


def pdfium_source(path: Path) -> str | bytes:
    """What to hand `pdfium.PdfDocument`: a small file's bytes, else its path.

    Given a path, pypdfium2 resolves it (a realpath, one lstat per component): ~35 us of a demo PDF's
    ~80 us open, and ingest opens each PDF two or three times. Big files stay on disk.
    """
    try:
        if path.stat().st_size <= SMALL_PDF_BYTES:
            return path.read_bytes()
    except OSError:
        pass  # let PDFium report it
    return str(path)


def _pdf_text(path: Path, max_pages: int) -> str:
    try:
        doc = pdfium.PdfDocument(pdfium_source(path))
    except pdfium.PdfiumError as exc:
        log.info("no text from %s: %s", path, exc)
        return ""
    try:
        parts = []
        for i in range(min(len(doc), max_pages)):
            page = doc[i]
            textpage = page.get_textpage()
            parts.append(textpage.get_text_range())
            textpage.close()
            page.close()
        return _WRAPPED.sub("", "\n".join(parts))
    finally:
        doc.close()
