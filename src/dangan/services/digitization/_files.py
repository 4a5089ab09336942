"""A scan on disk, read or checked without importing it: what an archivist tries before a batch."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def ocr_file(path: Path, *, enhance: bool = True) -> dict[str, Any]:
    """`{"pages": [...]}` per the `ocr --json` contract; a page that fails carries its reason."""
    from dangan.digitize.ocr import ocr_file as read  # the OCR models load on first use only

    return read(path, enhance=enhance)


def qc_file(path: Path, *, archival: bool = True) -> dict[str, Any]:
    """`{"pages": [...]}` per the `qc --json` contract; `archival` holds the scan to the archival copy's
    thresholds (an access copy only warns at low resolution)."""
    from dangan.digitize import qc_file as check

    return check(path, archival=archival)
