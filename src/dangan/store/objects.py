"""Content-addressed, optionally encrypted, replicated object store.

An object is named by the SHA-256 of its plaintext. One pass over the bytes hashes them (SHA-256 and
SM3), seals them when the object must be encrypted, and writes a temp file that is fsynced and renamed
into the primary location; each replica then gets its own durable copy. `put` returns only when every
location holds the object, and the catalogue row that refers to it is committed after that, so a
reader never meets a row without its bytes. A crash in between leaves unreferenced objects only.

Encrypted objects are stored as `<sha256>.enc` (sealed 1 MiB chunks, see `crypto`) beside a small key
record `<sha256>.enc.key` holding the data key wrapped by the master key.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tempfile
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, BinaryIO

from dangan.core import DanganError, Problem

from .crypto import WrappedKey, decrypt_chunks, encrypt_chunks
from .keyring import KeyRing, key_record_bytes
from .locations import LocalLocation, Location

CHUNK = 1024 * 1024
DEFAULT_CIPHER = "AES-256-GCM"


class HashMismatch(DanganError):
    code = "hash_mismatch"
    status = 422


class ObjectMissing(DanganError):
    code = "object_missing"
    status = 500


@dataclass(frozen=True)
class StoredObject:
    sha256: str
    size: int
    sm3: str | None = None
    encrypted: bool = False


class _Digests:
    """SHA-256 in the caller's thread, SM3 beside it for big inputs.

    OpenSSL releases the GIL while hashing, so on two cores the slower SM3 (about 0.34 GB/s here) no
    longer adds to the time of a large file; small files hash inline (a thread would cost more).
    """

    def __init__(self) -> None:
        self.sha = hashlib.sha256()
        self.sm3 = hashlib.new("sm3")
        self.size = 0
        self._pool: ThreadPoolExecutor | None = None
        self._pending: Future[None] | None = None

    def update(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self._pending is not None:
            self._pending.result()  # keep SM3's input in order
            self._pending = None
        if len(chunk) >= CHUNK:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(1, thread_name_prefix="sm3")
            self._pending = self._pool.submit(self.sm3.update, chunk)
        else:
            self.sm3.update(chunk)
        self.sha.update(chunk)

    def finish(self) -> tuple[str, str]:
        if self._pending is not None:
            self._pending.result()
        if self._pool is not None:
            self._pool.shutdown()
        return self.sha.hexdigest(), self.sm3.hexdigest()


def _fsync_all(outs: Sequence[IO[bytes]], size: int) -> None:
    """Flush and fsync every copy; big copies are synced in parallel (fsync releases the GIL), small ones
    one after the other (starting threads would cost more than the fsyncs)."""
    for out in outs:
        out.flush()
    if len(outs) == 1 or size < 4 * CHUNK:
        for out in outs:
            os.fsync(out.fileno())
        return
    with ThreadPoolExecutor(len(outs)) as pool:
        list(pool.map(lambda o: os.fsync(o.fileno()), outs))


def object_key(sha256: str, encrypted: bool = False) -> str:
    return f"{sha256[:2]}/{sha256[2:4]}/{sha256}" + (".enc" if encrypted else "")


class ObjectStore:
    def __init__(
        self,
        primary: Location,
        replicas: list[Location] | None = None,
        keyring: KeyRing | None = None,
        cipher: str = DEFAULT_CIPHER,
        tmp_dir: Path | None = None,
    ):
        self.primary = primary
        if tmp_dir is None:
            if not isinstance(primary, LocalLocation):
                raise ValueError("a non-local primary needs a local tmp_dir for staging")
            tmp_dir = primary.tmp
        self.tmp = tmp_dir
        self.tmp.mkdir(parents=True, exist_ok=True)
        self.replicas = list(replicas or [])
        self._keyring = keyring
        self.cipher = cipher

    @property
    def root(self) -> Path:
        return self._local_primary().root

    def _local_primary(self) -> LocalLocation:
        if not isinstance(self.primary, LocalLocation):
            raise TypeError("the primary location is not a local directory")
        return self.primary

    @property
    def locations(self) -> list[Location]:
        return [self.primary, *self.replicas]

    def use_keyring(self, keyring: KeyRing) -> None:
        """Switch to a new master key (after a rotation) for every later wrap and unwrap."""
        self._keyring = keyring

    @property
    def keyring(self) -> KeyRing:
        if self._keyring is None:
            raise DanganError("未配置主密钥，无法处理加密对象", code="no_master_key")
        return self._keyring

    @contextmanager
    def durable_batch(self) -> Iterator[None]:
        """Objects put inside are durable when the block ends (directory fsyncs done once per directory).

        Callers commit the rows that name the objects only after the block: that is the ordering that
        matters, and batching it turns ~8 directory fsyncs per object into ~1 per directory touched.
        """
        local = [loc for loc in self.locations if isinstance(loc, LocalLocation)]
        for loc in local:
            loc.defer_dir_syncs()
        try:
            yield
        finally:
            for loc in local:
                loc.sync_dirs()

    def path_for(self, sha256: str, encrypted: bool = False) -> Path:
        """Where a local primary keeps the object (for tests and local tools)."""
        return self._local_primary().path(object_key(sha256, encrypted))

    def exists(self, sha256: str, encrypted: bool = False) -> bool:
        return self.primary.exists(object_key(sha256, encrypted))

    # -- writing ---------------------------------------------------------------------------------

    def put_stream(
        self, stream: BinaryIO, expected_sha256: str | None = None, label: str = "", *, encrypt: bool = False
    ) -> StoredObject:
        """One pass over the bytes: hash (SHA-256 + SM3), seal if asked, write the primary's and every
        local replica's temp copy; then fsync them all and rename into place, replicas first."""
        digests = _Digests()
        record: dict[str, str] | None = None
        targets = [
            (self.primary, self.tmp),
            *((r, r.tmp) for r in self.replicas if isinstance(r, LocalLocation)),
        ]
        temps: list[Path] = []
        try:
            outs = []
            for _loc, directory in targets:
                fd, name = tempfile.mkstemp(dir=directory, prefix="put-")
                temps.append(Path(name))
                outs.append(os.fdopen(fd, "wb"))
            try:
                if encrypt:
                    data_key, wrapped = self.keyring.wrap(self.cipher)
                    prefix = os.urandom(8)
                    record = {**wrapped.as_dict(), "prefix": prefix.hex(), "v": "1"}
                    for plain, sealed in encrypt_chunks(self.cipher, data_key, prefix, stream):
                        digests.update(plain)
                        for out in outs:
                            out.write(sealed)
                else:
                    while chunk := stream.read(CHUNK):
                        digests.update(chunk)
                        for out in outs:
                            out.write(chunk)
                _fsync_all(outs, digests.size)
            finally:
                for out in outs:
                    out.close()
            digest, sm3 = digests.finish()
            if expected_sha256 and expected_sha256.lower() != digest:
                msg = f"文件“{label}”的 SHA-256 与 case.json 中声明的不一致（声明 {expected_sha256}，实际 {digest}）"
                raise HashMismatch(msg, problems=[Problem("hash_mismatch", msg)])
            key = object_key(digest, encrypt)
            if self.primary.exists(key):
                self._replicate(digest, encrypt)
            else:
                # replicas first, the primary (a rename when local) last: all durable before we return
                local_temp = {loc.name: path for (loc, _), path in zip(targets, temps, strict=True)}
                for loc in [*self.replicas, self.primary]:
                    if record is not None and not loc.exists(key + ".key"):
                        self._put_key_record(loc, key, record)
                    if loc is self.primary or loc.exists(key):
                        continue
                    if loc.name in local_temp:
                        loc.put_file(key, local_temp[loc.name], move=True)
                    else:
                        loc.put_file(key, temps[0])
                self.primary.put_file(key, temps[0], move=True)
            return StoredObject(digest, digests.size, sm3, encrypt)
        finally:
            for path in temps:
                path.unlink(missing_ok=True)

    def _put_key_record(self, location: Location, key: str, record: dict[str, str]) -> None:
        fd, name = tempfile.mkstemp(dir=self.tmp, prefix="key-")
        with os.fdopen(fd, "wb") as f:
            f.write(key_record_bytes(record))
            f.flush()
            os.fsync(f.fileno())
        try:
            location.put_file(key + ".key", Path(name), move=True)
        finally:
            Path(name).unlink(missing_ok=True)

    def _replicate(self, sha256: str, encrypted: bool) -> None:
        """Give every replica the object the primary already has (a retry after a crash lands here)."""
        key = object_key(sha256, encrypted)
        for replica in self.replicas:
            if not replica.exists(key) or (encrypted and not replica.exists(key + ".key")):
                self.copy_object(sha256, encrypted, self.primary, replica)

    def copy_object(self, sha256: str, encrypted: bool, source: Location, target: Location) -> None:
        """Copy one object (and its key record) from a good location over a bad or missing copy."""
        key = object_key(sha256, encrypted)
        for name in ([key + ".key"] if encrypted else []) + [key]:
            fd, tmp_name = tempfile.mkstemp(dir=self.tmp, prefix="repair-")
            try:
                with os.fdopen(fd, "wb") as out, source.open(name) as src:
                    while chunk := src.read(CHUNK):
                        out.write(chunk)
                    out.flush()
                    os.fsync(out.fileno())
                target.put_file(name, Path(tmp_name), move=True)
            finally:
                Path(tmp_name).unlink(missing_ok=True)

    def rewrap(self, sha256: str, keyring: KeyRing) -> bool:
        """Re-wrap one encrypted object's data key under `keyring.current`, in every location."""
        key = object_key(sha256, True) + ".key"
        changed = False
        for loc in self.locations:
            if not loc.exists(key):
                continue
            with loc.open(key) as f:
                new = keyring.rewrap(json.loads(f.read()))
            if new is None:
                continue
            fd, name = tempfile.mkstemp(dir=self.tmp, prefix="key-")
            with os.fdopen(fd, "wb") as out:
                out.write(key_record_bytes(new))
                out.flush()
                os.fsync(out.fileno())
            try:
                loc.put_file(key, Path(name), move=True)
            finally:
                Path(name).unlink(missing_ok=True)
            changed = True
        return changed

    def put_file(
        self, path: Path, expected_sha256: str | None = None, label: str = "", *, encrypt: bool = False
    ) -> StoredObject:
        with open(path, "rb") as f:
            return self.put_stream(f, expected_sha256, label or path.name, encrypt=encrypt)

    def put_bytes(self, data: bytes, *, encrypt: bool = False) -> StoredObject:
        return self.put_stream(io.BytesIO(data), encrypt=encrypt)

    # -- reading ---------------------------------------------------------------------------------

    def _key_record(self, location: Location, key: str) -> dict[str, str]:
        with location.open(key + ".key") as f:
            record: dict[str, str] = json.loads(f.read())
        return record

    def iter_plain(
        self, sha256: str, encrypted: bool = False, location: Location | None = None
    ) -> Iterator[bytes]:
        """The plaintext in chunks, from `location` (default: the primary)."""
        loc = location or self.primary
        key = object_key(sha256, encrypted)
        if not loc.exists(key):
            raise ObjectMissing(f"对象 {sha256[:12]}… 在 {loc.name} 中不存在")
        with loc.open(key) as f:
            if not encrypted:
                while chunk := f.read(CHUNK):
                    yield chunk
                return
            record = self._key_record(loc, key)
            data_key = self.keyring.unwrap(WrappedKey.from_dict(record))
            yield from decrypt_chunks(record["cipher"], data_key, bytes.fromhex(record["prefix"]), f)

    def read(self, sha256: str, encrypted: bool = False) -> bytes:
        return b"".join(self.iter_plain(sha256, encrypted))

    @contextmanager
    def plain_path(self, sha256: str, encrypted: bool = False) -> Iterator[Path]:
        """A file holding the plaintext, for libraries that want a path; decrypted copies are removed after."""
        if not encrypted and isinstance(self.primary, LocalLocation):
            yield self.path_for(sha256)
            return
        fd, name = tempfile.mkstemp(dir=self.tmp, prefix="plain-")
        try:
            with os.fdopen(fd, "wb") as out:
                for chunk in self.iter_plain(sha256, encrypted):
                    out.write(chunk)
            yield Path(name)
        finally:
            Path(name).unlink(missing_ok=True)

    def verify(self, sha256: str, encrypted: bool = False, location: Location | None = None) -> bool:
        """True when the copy in `location` still yields the plaintext its name promises."""
        digest = hashlib.sha256()
        try:
            for chunk in self.iter_plain(sha256, encrypted, location):
                digest.update(chunk)
        except (ObjectMissing, DanganError, OSError, ValueError, KeyError):
            return False
        return digest.hexdigest() == sha256


def hash_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
