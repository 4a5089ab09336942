"""Writing a BagIt bag (RFC 8493) while its payload is written: one pass over every byte.

The export streams each record file out of the object store (decrypting on the way); hashing it in the
same pass means the manifest costs no second read of gigabytes of payload. Tag files (bagit.txt,
bag-info.txt, the manifests) are written last, so a bag is only a bag once it is complete; the caller
writes it into a private temporary folder and renames it into place.
"""

from __future__ import annotations

import hashlib
import os
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

ALGORITHM = "sha256"
# Already compressed: deflating them again costs time and saves nothing.
_STORED_SUFFIXES = frozenset(
    {".pdf", ".jpg", ".jpeg", ".png", ".zip", ".ofd", ".gz", ".docx", ".xlsx", ".jp2"}
)
_CHUNK = 1024 * 1024


def _manifest_path(rel: str) -> str:
    """RFC 8493 §2.1.3: CR, LF and % in a path are percent-encoded in manifests."""
    return rel.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _safe_parts(rel: str) -> tuple[str, ...]:
    parts = PurePosixPath(rel).parts
    if (
        not parts
        or PurePosixPath(rel).is_absolute()
        or any(p in ("", ".", "..") for p in parts)
        or "\\" in rel
    ):
        raise ValueError(f"unsafe bag path: {rel!r}")
    return parts


@dataclass
class BagWriter:
    """A bag being written under `root`: payload files go under `data/`, each hashed as it is written."""

    root: Path
    digests: dict[str, str] = field(default_factory=dict)  # "data/…" -> hex digest
    octets: int = 0

    def __post_init__(self) -> None:
        (self.root / "data").mkdir(parents=True, exist_ok=True)

    def _target(self, rel: str) -> tuple[str, Path]:
        parts = _safe_parts(rel)
        name = "data/" + "/".join(parts)
        if name in self.digests:
            raise ValueError(f"payload file written twice: {rel!r}")
        target = self.root.joinpath("data", *parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        return name, target

    def add_bytes(self, rel: str, data: bytes) -> str:
        """Write one payload file (`rel` below data/); returns its digest."""
        return self.add_chunks(rel, [data])

    def add_chunks(self, rel: str, chunks: Iterable[bytes]) -> str:
        name, target = self._target(rel)
        h = hashlib.new(ALGORITHM)
        size = 0
        with open(target, "xb") as out:
            for chunk in chunks:
                h.update(chunk)
                out.write(chunk)
                size += len(chunk)
        digest = h.hexdigest()
        self.digests[name] = digest
        self.octets += size
        return digest

    def finish(self, info: list[tuple[str, str]]) -> None:
        """Write the tag files: bagit.txt, bag-info.txt (with Payload-Oxum), the payload and tag manifests."""
        tags: dict[str, bytes] = {
            "bagit.txt": b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n",
            "bag-info.txt": _info_text([*info, ("Payload-Oxum", f"{self.octets}.{len(self.digests)}")]),
            f"manifest-{ALGORITHM}.txt": _manifest_text(self.digests),
        }
        tag_digests: dict[str, str] = {}
        for name, data in tags.items():
            (self.root / name).write_bytes(data)
            tag_digests[name] = hashlib.new(ALGORITHM, data).hexdigest()
        (self.root / f"tagmanifest-{ALGORITHM}.txt").write_bytes(_manifest_text(tag_digests))


def _info_text(info: list[tuple[str, str]]) -> bytes:
    lines = []
    for label, value in info:
        if ":" in label or label != label.strip() or not label:
            raise ValueError(f"bad bag-info label: {label!r}")
        # a value never spans lines here: newlines would start a new (bogus) element
        lines.append(f"{label}: {' '.join(value.split())}")
    return ("\n".join(lines) + "\n").encode("utf-8")


def _manifest_text(digests: dict[str, str]) -> bytes:
    return "".join(f"{d}  {_manifest_path(p)}\n" for p, d in sorted(digests.items())).encode("utf-8")


def zip_folder(folder: Path, dest: Path, top: str) -> None:
    """Write `folder` as a ZIP whose entries all sit under `top/` (the layout `dangan import` unpacks),
    synced to disk before the caller renames it into place."""
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for path in sorted(folder.rglob("*")):
            if not path.is_file():
                continue
            name = f"{top}/{path.relative_to(folder).as_posix()}"
            stored = path.suffix.lower() in _STORED_SUFFIXES
            compress = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
            with open(path, "rb") as src, zf.open(_info(name, compress), "w", force_zip64=True) as out:
                while chunk := src.read(_CHUNK):
                    out.write(chunk)
    with open(dest, "rb+") as f:
        os.fsync(f.fileno())


def _info(name: str, compress: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.compress_type = compress
    info.external_attr = 0o644 << 16
    return info
