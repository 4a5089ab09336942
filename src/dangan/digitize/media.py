"""A first media-type guess from the leading bytes (PRONOM identification comes with the checks issue)."""

from __future__ import annotations

from pathlib import Path

_MAGIC = [
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
    (b"GIF8", "image/gif"),
    (b"PK\x03\x04", "application/zip"),
]
_BY_SUFFIX = {
    ".ofd": "application/ofd",
    ".xml": "application/xml",
    ".json": "application/json",
    ".txt": "text/plain",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def sniff_media_type(path: Path) -> str:
    with open(path, "rb") as f:
        head = f.read(16)
    for magic, media_type in _MAGIC:
        if head.startswith(magic):
            if media_type == "application/zip" and path.suffix.lower() in _BY_SUFFIX:
                return _BY_SUFFIX[path.suffix.lower()]
            return media_type
    return _BY_SUFFIX.get(path.suffix.lower(), "application/octet-stream")


PREVIEWABLE_IMAGES = {"image/png", "image/jpeg", "image/gif", "image/tiff"}
