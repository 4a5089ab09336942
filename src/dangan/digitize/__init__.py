"""Digitisation: text from stored documents, page previews, media types, PDF/A; scans as pages, their
quality (DA/T 31), their repair, and reading them (the `ocr` and `tables` subpackages)."""

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
    from dangan.digitize.classify import Classifier, evaluate, majority_baseline, split_held_back, train
    from dangan.digitize.enhance import Enhanced, enhance_scan, estimate_skew
    from dangan.digitize.extract import FIELD_LABELS, MatterRef, Proposal, best, propose
    from dangan.digitize.fontembed import ConversionFailed
    from dangan.digitize.pages import PageImage, count_pages, iter_pages, load_pages
    from dangan.digitize.pdfa import PdfaResult, convert_to_pdfa
    from dangan.digitize.pdfa_check import PdfaReport, check_pdfa
    from dangan.digitize.qc import PageQC, check_page, qc_file
    from dangan.digitize.scanpdf import ScanPage, scan_pdfa

# PDF/A pulls in pikepdf (~0.2 s), scans OpenCV and numpy: loaded on first use, not by every process that
# imports digitize.
_LAZY = {
    "Classifier": "classify",
    "FIELD_LABELS": "extract",
    "MatterRef": "extract",
    "Proposal": "extract",
    "best": "extract",
    "evaluate": "classify",
    "majority_baseline": "classify",
    "propose": "extract",
    "split_held_back": "classify",
    "train": "classify",
    "ConversionFailed": "fontembed",
    "Enhanced": "enhance",
    "PageImage": "pages",
    "PageQC": "qc",
    "check_page": "qc",
    "enhance_scan": "enhance",
    "estimate_skew": "enhance",
    "load_pages": "pages",
    "iter_pages": "pages",
    "count_pages": "pages",
    "qc_file": "qc",
    "ScanPage": "scanpdf",
    "scan_pdfa": "scanpdf",
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
    "FIELD_LABELS",
    "NOTICE",
    "PREVIEWABLE_IMAGES",
    "Classifier",
    "ConversionFailed",
    "Enhanced",
    "ImageTooLarge",
    "MatterRef",
    "PageFindings",
    "PageImage",
    "PageQC",
    "PdfaReport",
    "PdfaResult",
    "Proposal",
    "RedactedPdf",
    "ScanPage",
    "Watermark",
    "best",
    "check_page",
    "check_pdfa",
    "convert_to_pdfa",
    "count_pages",
    "enhance_scan",
    "ensure_decodable",
    "estimate_skew",
    "evaluate",
    "find_cjk_font",
    "find_redactions",
    "iter_pages",
    "load_pages",
    "majority_baseline",
    "notice_pdf",
    "notice_png",
    "open_image",
    "pdf_page_count",
    "pdf_text",
    "pdfium_source",
    "propose",
    "qc_file",
    "redact_pdf",
    "redact_text",
    "render_image",
    "render_pdf_page",
    "render_redacted_page",
    "scan_pdfa",
    "sniff_media_type",
    "split_held_back",
    "train",
    "watermark_image",
    "watermark_pdf",
    "watermark_png",
]
