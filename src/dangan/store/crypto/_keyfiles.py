"""Files of the key rings (DATA/keys/signing, DATA/keys/seal): owner-only folders and atomic writes.

A private key must never be readable by others, not even for the moment between creating and chmod-ing
it, and a crash must leave either the old file or the new one: so files are created with their final
mode, fsynced, then renamed into place.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def private_dir(path: Path, ring: str) -> Path:
    """Create `path` and make it and its parents up to the ring folder (`ring`) owner-only; mkdir obeys
    the umask, so the modes are set afterwards, never above the ring."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    for folder in (path, *path.parents):
        if ring not in folder.parts:
            break
        folder.chmod(0o700)
    return path


def write_atomic(path: Path, data: bytes, mode: int) -> None:
    """Temp file (created with `mode`) → fsync → rename over `path`."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
