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
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from dangan.core import DanganError, Problem
from dangan.store.crypto import KeyRing, WrappedKey, decrypt_chunks, encrypt_chunks, key_record_bytes

from ._durability import Batch, Pending, have_syncfs, placement_lock, sync_filesystems
from ._locations import LocalLocation, Location, fsync_dir
from ._onepass import CHUNK, OnePass, fsync_all

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
        self._batch: Batch | None = None

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
        """Objects put inside are durable when the block ends; callers commit the rows that name them after.

        With `syncfs` (Linux) the objects' temp files are written unsynced, one filesystem sync makes
        them durable, they are renamed into place and a second sync makes the names durable: two syncs
        per filesystem for the whole batch instead of ~8 fsyncs per object (see `durability`). Without
        it, each file is fsynced and directory fsyncs are done once per directory at the end.
        """
        if self._batch is not None:  # nested: the outer batch settles everything
            yield
            return
        if not have_syncfs():
            local = [loc for loc in self.locations if isinstance(loc, LocalLocation)]
            for loc in local:
                loc.defer_dir_syncs()
            try:
                yield
            finally:
                for loc in local:
                    loc.sync_dirs()
            return
        batch = Batch()
        self._batch = batch
        try:
            yield
            self._batch = None
            self._settle(batch)
        finally:
            self._batch = None
            batch.discard()

    def _settle(self, batch: Batch) -> None:
        if not batch.pending:
            return
        sync_filesystems([path.parent for item in batch.pending for path in item.paths()])
        local = [loc for loc in self.locations if isinstance(loc, LocalLocation)]
        for loc in local:
            loc.defer_dir_syncs()
        try:
            with placement_lock(self.tmp):
                for item in batch.pending:
                    if self.primary.exists(item.key):  # another importer stored the same content first
                        sha256, _, ext = item.key.rpartition("/")[2].partition(".")
                        self._replicate(sha256, ext == "enc")
                    else:
                        self._place(item.key, item.temps, item.key_temps)
        finally:
            for loc in local:
                loc.forget_dir_syncs()
        sync_filesystems([loc.root for loc in local])

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
        local replica's temp copy; then make them durable and name them, replicas first, primary last
        (at once, or when the enclosing `durable_batch` ends)."""
        record: dict[str, str] | None = None
        targets = [
            (self.primary, self.tmp),
            *((r, r.tmp) for r in self.replicas if isinstance(r, LocalLocation)),
        ]
        batch = self._batch
        temps: list[Path] = []
        handed_over = False
        try:
            outs = []
            for _loc, directory in targets:
                fd, name = tempfile.mkstemp(dir=directory, prefix="put-")
                temps.append(Path(name))
                outs.append(os.fdopen(fd, "wb"))
            digests = OnePass(outs)
            try:
                if encrypt:
                    data_key, wrapped = self.keyring.wrap(self.cipher)
                    prefix = os.urandom(8)
                    record = {**wrapped.as_dict(), "prefix": prefix.hex(), "v": "1"}
                    for plain, sealed in encrypt_chunks(self.cipher, data_key, prefix, stream):
                        digests.update(plain, sealed)
                else:
                    while chunk := stream.read(CHUNK):
                        digests.update(chunk)
                digests.close()
                if batch is None:
                    fsync_all(outs, digests.size)
            finally:
                digests.close()
                for out in outs:
                    out.close()
            digest, sm3 = digests.digests()
            if expected_sha256 and expected_sha256.lower() != digest:
                msg = f"文件“{label}”的 SHA-256 与 case.json 中声明的不一致（声明 {expected_sha256}，实际 {digest}）"
                raise HashMismatch(msg, problems=[Problem("hash_mismatch", msg)])
            key = object_key(digest, encrypt)
            local_temp = {loc.name: path for (loc, _), path in zip(targets, temps, strict=True)}
            if batch is not None:
                if self.primary.exists(key):
                    self._replicate(digest, encrypt)
                else:
                    key_temps = {}
                    if record is not None:
                        key_temps = {loc.name: self._key_temp(d, record, sync=False) for loc, d in targets}
                    batch.pending.append(Pending(key, local_temp, key_temps))
                    handed_over = True
            else:
                with placement_lock(self.tmp):
                    if self.primary.exists(key):
                        self._replicate(digest, encrypt)
                    else:
                        key_temps = {}
                        if record is not None:
                            key_temps = {self.primary.name: self._key_temp(self.tmp, record, sync=True)}
                        try:
                            self._place(key, local_temp, key_temps)
                        finally:
                            for path in key_temps.values():
                                path.unlink(missing_ok=True)
            return StoredObject(digest, digests.size, sm3, encrypt)
        finally:
            if not handed_over:
                for path in temps:
                    path.unlink(missing_ok=True)

    def _place(self, key: str, temps: dict[str, Path], key_temps: dict[str, Path]) -> None:
        """Name one object (and its key record) in every location: replicas first, the primary last.

        A location's own temp is renamed; others (S3, another filesystem) get a copy of the primary's.
        Called under `placement_lock`, so the key record and the ciphertext come from one writer.
        """
        primary_temp = temps[self.primary.name]
        primary_key_temp = key_temps.get(self.primary.name)
        for loc in self.replicas:
            if loc.exists(key) and (primary_key_temp is None or loc.exists(key + ".key")):
                continue
            if primary_key_temp is not None:
                own_key = key_temps.get(loc.name)
                loc.put_file(key + ".key", own_key or primary_key_temp, move=own_key is not None)
            own = temps.get(loc.name)
            loc.put_file(key, own or primary_temp, move=own is not None)
        if primary_key_temp is not None:
            self.primary.put_file(key + ".key", primary_key_temp, move=True)
        self.primary.put_file(key, primary_temp, move=True)

    def _key_temp(self, directory: Path, record: dict[str, str], *, sync: bool) -> Path:
        fd, name = tempfile.mkstemp(dir=directory, prefix="key-")
        with os.fdopen(fd, "wb") as f:
            f.write(key_record_bytes(record))
            if sync:
                f.flush()
                os.fsync(f.fileno())
        return Path(name)

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
            temp = self._key_temp(self.tmp, new, sync=True)
            try:
                loc.put_file(key, temp, move=True)
            finally:
                temp.unlink(missing_ok=True)
            changed = True
        return changed

    def destroy(self, sha256: str, encrypted: bool = False) -> list[str]:
        """Destroy one object in every location (disposal); returns where a copy or key was removed.

        An encrypted object's key record goes first, everywhere (crypto-shredding: without the data key
        the ciphertext, and any copy of it a backup still holds, is unreadable), then the bytes. Safe to
        repeat after a crash. The caller has made sure no live record still names the object.
        """
        key = object_key(sha256, encrypted)
        names = [key + ".key", key] if encrypted else [key]
        removed: list[str] = []
        for name in names:
            for loc in self.locations:
                if loc.exists(name):
                    loc.delete(name)
                    removed.append(f"{loc.name}:{name}")
                if isinstance(loc, LocalLocation) and loc.path(name).parent.is_dir():
                    fsync_dir(loc.path(name).parent)  # the removal itself must survive a crash
        return removed

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
