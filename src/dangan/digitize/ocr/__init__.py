"""Offline OCR of scanned pages: Chinese text with boxes and confidences, red seals, repaired identifiers.

rapidocr's wheel-shipped PP-OCRv6 models do the reading; this package adds what archives need around
them: seals separated from the print (and read), 文号/USCC/ID/date/amount repairs that only ever produce
valid values, and the `ocr --json` page contract with boxes in pixels of the scan as kept.
"""

from __future__ import annotations

from dangan.digitize.ocr._correct import correct_line, fix_id_number, fix_uscc
from dangan.digitize.ocr._engine import OcrUnavailable
from dangan.digitize.ocr._page import ocr_file, read_page, recognise
from dangan.digitize.ocr._seals import find_seals, red_mask, remove_red
from dangan.digitize.ocr._types import Correction, Line, PageText, Seal

__all__ = [
    "Correction",
    "Line",
    "OcrUnavailable",
    "PageText",
    "Seal",
    "correct_line",
    "find_seals",
    "fix_id_number",
    "fix_uscc",
    "ocr_file",
    "read_page",
    "recognise",
    "red_mask",
    "remove_red",
]
