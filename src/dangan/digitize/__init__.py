"""Digitisation: text from stored documents, page previews, media types (OCR and QC come later)."""

from dangan.digitize.fonts import find_cjk_font
from dangan.digitize.media import PREVIEWABLE_IMAGES, sniff_media_type
from dangan.digitize.preview import pdf_page_count, render_image, render_pdf_page
from dangan.digitize.text import pdf_text
from dangan.digitize.watermark import Watermark, watermark_image, watermark_pdf, watermark_png

__all__ = [
    "PREVIEWABLE_IMAGES",
    "Watermark",
    "find_cjk_font",
    "pdf_page_count",
    "pdf_text",
    "render_image",
    "render_pdf_page",
    "sniff_media_type",
    "watermark_image",
    "watermark_pdf",
    "watermark_png",
]
