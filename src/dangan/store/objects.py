"""Content-addressed object store on local disk.

An object is named by the SHA-256 of its bytes and written as temp file → fsync → rename → fsync of the
directory, so after a crash an object either exists whole under its name or not at all. Objects are
immutable; storing the same bytes twice stores them once. The catalogue row that refers to an object
is committed only after the object is durable, so a reader never meets a row without its bytes.
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from dangan.core import DanganError, Problem

CHUNK = 1024 * 1024


class HashMismatch(DanganError):
    code = "hash_mismatch"
    status = 422


@dataclass(frozen=True)
class StoredObject:
    sha256: str
    size: int


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class LocalObjectStore:
    def __init__(self, root: Path):
        self.root = Path(root)
        self._tmp = self.root / "tmp"
        self._tmp.mkdir(parents=True, exist_ok=True)

    def path_for(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def exists(self, sha256: str) -> bool:
        return self.path_for(sha256).is_file()

    def put_stream(
        self, stream: BinaryIO, expected_sha256: str | None = None, label: str = ""
    ) -> StoredObject:
        """Copy a stream in while hashing it: one pass over the bytes."""
        digest = hashlib.sha256()
        size = 0
        fd, tmp_name = tempfile.mkstemp(dir=self._tmp, prefix="put-")
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := stream.read(CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
                    size += len(chunk)
                out.flush()
                os.fsync(out.fileno())
            sha = digest.hexdigest()
            if expected_sha256 and expected_sha256.lower() != sha:
                msg = f"文件“{label}”的 SHA-256 与 case.json 中声明的不一致（声明 {expected_sha256}，实际 {sha}）"
                raise HashMismatch(msg, problems=[Problem("hash_mismatch", msg)])
            final = self.path_for(sha)
            if final.is_file():
                tmp.unlink()
            else:
                if not final.parent.is_dir():  # a stat is much cheaper than a failing mkdir
                    self._make_dirs(final.parent)
                os.replace(tmp, final)
                _fsync_dir(final.parent)
            return StoredObject(sha, size)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise

    def _make_dirs(self, path: Path) -> None:
        """Create the fan-out directories and make their own entries durable too."""
        path.mkdir(parents=True, exist_ok=True)
        _fsync_dir(path.parent)
        _fsync_dir(path.parent.parent)

    def put_file(self, path: Path, expected_sha256: str | None = None, label: str = "") -> StoredObject:
        with open(path, "rb") as f:
            return self.put_stream(f, expected_sha256, label or path.name)

    def put_bytes(self, data: bytes) -> StoredObject:
        return self.put_stream(io.BytesIO(data))

    def open(self, sha256: str) -> BinaryIO:
        return open(self.path_for(sha256), "rb")

    def read(self, sha256: str) -> bytes:
        return self.path_for(sha256).read_bytes()

    def verify(self, sha256: str) -> bool:
        """True when the stored bytes still hash to their name."""
        path = self.path_for(sha256)
        if not path.is_file():
            return False
        digest = hashlib.sha256()
        with open(path, "rb") as f:
            while chunk := f.read(CHUNK):
                digest.update(chunk)
        return digest.hexdigest() == sha256


def hash_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
