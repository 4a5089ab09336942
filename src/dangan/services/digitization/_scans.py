"""Which stored files are scans: what OCR is for, and all it is for.

An image is a scan. A PDF is one only when it has no text layer (pages that are pictures of paper): a
born-digital PDF's text already reached search at ingest, and reading it again would only add
recognition errors to exact text.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

PDF = "application/pdf"
IMAGE_SUFFIXES = frozenset({".tif", ".tiff", ".jpg", ".jpeg", ".png", ".bmp", ".gif", ".webp", ".jp2"})


def is_image(media_type: str, path: str) -> bool:
    return media_type.startswith("image/") or PurePosixPath(path).suffix.lower() in IMAGE_SUFFIXES


def may_be_scan(media_type: str, path: str) -> bool:
    """Worth a closer look without opening it: an image, or a PDF (whose text layer decides)."""
    return is_image(media_type, path) or media_type == PDF


def is_scan(media_type: str, path: str, source: Path, *, text: str | None = None) -> bool:
    """`text`: the PDF's text layer when the caller already read it (ingest's checks did)."""
    if is_image(media_type, path):
        return True
    if media_type != PDF:
        return False
    if text is None:
        from dangan.digitize import pdf_text

        text = pdf_text(source)
    return not text.strip()
