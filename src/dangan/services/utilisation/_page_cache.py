"""Rendered preview pages kept on disk, so a page is rasterised (and redacted) once, not per request.

Rendering a PDF page and covering personal data costs tens of milliseconds of CPU each time; under load
that queued every other request behind it. What is kept is the page *before* the watermark: the mark
names the viewer, the time and a fresh request id, so it is burnt in per delivery and never cached.

Safety, because the cache holds pixels that only some viewers may see:

- the key is a digest of everything that changes the pixels: the object's hash, the page, the width,
  the renderer's version and the viewer's redaction view — "clear" (may see personal data) or the exact
  terms covered for him. A viewer below the unmask right therefore never reads the clear entry;
- each entry is sealed with AES-256-GCM under a key derived from the archive's master key, with the
  cache key as associated data: a plaintext page of an encrypted object never lies on disk in clear,
  and an entry copied or renamed under another key fails authentication and is treated as a miss;
- without a master key only objects stored unencrypted are cached.

Entries are written to a temp file and renamed (a reader sees a whole entry or none); the folder is
kept under a byte budget by dropping the least recently used entries.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import secrets
import shutil
import threading
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from dangan.domain import PersonalTerms
from dangan.services.archive import Archive

log = logging.getLogger("dangan.page_cache")
RENDER_VERSION = "2"  # bump when rendering or redaction changes what a page looks like
MAX_CACHE_BYTES = 256 * 2**20
_NONCE = 12
_SUFFIX = ".page"


def redaction_view(terms: PersonalTerms | None) -> str:
    """The part of the key that says what was covered: 'clear', or a digest of the exact terms (the
    terms themselves are personal data and never appear in a file name)."""
    if terms is None:
        return "clear"
    digest = hashlib.sha256(json.dumps(list(terms.values), ensure_ascii=False).encode()).hexdigest()
    return f"redacted:{digest}"


def page_key(sha256: str, page_index: int, width: int, terms: PersonalTerms | None) -> str:
    """'<object sha256>:<digest of everything that changes the pixels>' (entries of one object share a
    folder, so `forget` can drop them all)."""
    parts = [RENDER_VERSION, sha256, str(page_index), str(width), redaction_view(terms)]
    return f"{sha256}:{hashlib.sha256(chr(10).join(parts).encode()).hexdigest()}"


@dataclass
class PageCache:
    """One data directory's cache of rendered pages (see the module docstring)."""

    root: Path
    key: bytes | None  # 32-byte sealing key; None: only unencrypted objects are cached
    key_id: str = "none"
    max_bytes: int = MAX_CACHE_BYTES
    _written: int = field(default=0, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def _path(self, key: str) -> Path:
        sha256, _, digest = key.partition(":")
        return self.root / sha256[:2] / sha256 / f"{digest}{_SUFFIX}"

    def forget(self, sha256: str) -> int:
        """Drop every rendering of one object (a disposed record's pages must not outlive it)."""
        folder = self.root / sha256[:2] / sha256
        entries = list(folder.glob(f"*{_SUFFIX}")) if folder.is_dir() else []
        for path in entries:
            path.unlink(missing_ok=True)
        shutil.rmtree(folder, ignore_errors=True)
        return len(entries)

    def _aad(self, key: str) -> bytes:
        return f"dangan-page:{self.key_id}:{key}".encode()

    def usable(self, encrypted: bool) -> bool:
        return self.key is not None or not encrypted

    def get(self, key: str, encrypted: bool) -> bytes | None:
        if not self.usable(encrypted):
            return None
        path = self._path(key)
        try:
            blob = path.read_bytes()
        except OSError:
            return None
        try:
            data = self._open(key, blob)
        except (InvalidTag, ValueError):
            log.warning("page cache entry %s failed authentication; dropped", path.name)
            path.unlink(missing_ok=True)
            return None
        with contextlib.suppress(OSError):  # least recently used goes first when over the budget
            os.utime(path)
        return data

    def put(self, key: str, encrypted: bool, data: bytes) -> None:
        """Keep `data`; a failure to write only costs the next request a render."""
        if not self.usable(encrypted):
            return
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")  # not matched by the globs
            tmp.write_bytes(self._seal(key, data))
            os.replace(tmp, path)
        except OSError:
            log.warning("cannot write page cache entry %s", path.name, exc_info=True)
            return
        with self._lock:
            self._written += len(data)
            due = self._written > self.max_bytes // 8
            if due:
                self._written = 0
        if due:
            self.trim()

    def _seal(self, key: str, data: bytes) -> bytes:
        if self.key is None:
            return b"P" + data
        nonce = os.urandom(_NONCE)
        return b"E" + nonce + AESGCM(self.key).encrypt(nonce, data, self._aad(key))

    def _open(self, key: str, blob: bytes) -> bytes:
        kind, body = blob[:1], blob[1:]
        if kind == b"E" and self.key is not None:
            return AESGCM(self.key).decrypt(body[:_NONCE], body[_NONCE:], self._aad(key))
        if kind == b"P" and self.key is None:
            return body
        raise ValueError("entry sealed differently from this cache")

    def trim(self) -> None:
        """Drop the least recently used entries until the folder is under 80 % of its budget."""
        entries: list[tuple[float, int, Path]] = []
        for path in self.root.glob(f"*/*/*{_SUFFIX}"):
            try:
                st = path.stat()
            except OSError:
                continue
            entries.append((st.st_mtime, st.st_size, path))
        total = sum(size for _, size, _ in entries)
        if total <= self.max_bytes:
            return
        for _, size, path in sorted(entries):
            path.unlink(missing_ok=True)
            total -= size
            if total <= self.max_bytes * 0.8:
                break


_caches: dict[tuple[Path, str], PageCache] = {}
_caches_lock = threading.Lock()


def page_cache(archive: Archive) -> PageCache:
    """The archive's page cache under HOME/cache/pages, sealed with a key derived from the current master
    key (a rotation starts a fresh namespace: entries under the old key no longer authenticate)."""
    root = archive.settings.home / "cache" / "pages"
    try:
        master = archive.objects.keyring.current
    except Exception:  # no master key configured: cache only what is stored unencrypted
        master = None
    key_id = master.key_id if master is not None else "none"
    with _caches_lock:
        found = _caches.get((root, key_id))
        if found is None:
            sealing = None
            if master is not None:
                hkdf = HKDF(hashes.SHA256(), 32, salt=None, info=b"dangan-page-cache:v1")
                sealing = hkdf.derive(master.secret)
            found = _caches[(root, key_id)] = PageCache(root, sealing, key_id)
        return found


def forget_pages(archive: Archive, sha256: str) -> int:
    """Drop the cached renderings of one stored object, under every master key; how many were dropped.
    For disposal: a destroyed record's pages must not stay on disk even sealed."""
    root = archive.settings.home / "cache" / "pages"
    return PageCache(root, None).forget(sha256)
