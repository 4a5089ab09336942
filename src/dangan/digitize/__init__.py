"""Digitisation: text from stored documents, page previews, media types, PDF/A (OCR and QC come later)."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from dangan.digitize.fonts import find_cjk_font
from dangan.digitize.images import ImageTooLarge, ensure_decodable, open_image
from dangan.digitize.media import PREVIEWABLE_IMAGES, sniff_media_type
from dangan.digitize.preview import pdf_page_count, render_image, render_pdf_page
from dangan.digitize.redact import (
    NOTICE,
    PageFindings,
    RedactedPdf,
    find_redactions,
    notice_pdf,
    notice_png,
    redact_pdf,
    redact_text,
    render_redacted_page,
)
from dangan.digitize.text import pdf_text, pdfium_source
from dangan.digitize.watermark import Watermark, watermark_image, watermark_pdf, watermark_png

if TYPE_CHECKING:
    from dangan.digitize.fontembed import ConversionFailed
    from dangan.digitize.pdfa import PdfaResult, convert_to_pdfa
    from dangan.digitize.pdfa_check import PdfaReport, check_pdfa

# PDF/A pulls in pikepdf (~0.2 s): loaded on first use, not by every process that imports digitize.
_LAZY = {
    "ConversionFailed": "fontembed",
    "PdfaReport": "pdfa_check",
    "PdfaResult": "pdfa",
    "check_pdfa": "pdfa_check",
    "convert_to_pdfa": "pdfa",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(f"dangan.digitize.{_LAZY[name]}"), name)
    raise AttributeError(f"module 'dangan.digitize' has no attribute {name!r}")


__all__ = [
    "NOTICE",
    "PREVIEWABLE_IMAGES",
    "ConversionFailed",
    "ImageTooLarge",
    "PageFindings",
    "PdfaReport",
    "PdfaResult",
    "RedactedPdf",
    "Watermark",
    "check_pdfa",
    "convert_to_pdfa",
    "ensure_decodable",
    "find_cjk_font",
    "find_redactions",
    "notice_pdf",
    "notice_png",
    "open_image",
    "pdf_page_count",
    "pdf_text",
    "pdfium_source",
    "redact_pdf",
    "redact_text",
    "render_image",
    "render_pdf_page",
    "render_redacted_page",
    "sniff_media_type",
    "watermark_image",
    "watermark_pdf",
    "watermark_png",
]
