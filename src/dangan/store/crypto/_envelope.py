"""Envelope encryption of stored objects: a fresh data key per object, wrapped by a master key.

Ciphers: AES-256-GCM (default) or SM4-GCM (GB/T 32907, 128-bit keys), from `cryptography`, except SM4-GCM
from libgcrypt where the system has it (same bytes, 3-4x faster; see `sm4gcm`).
Large objects are sealed in 1 MiB chunks (the STREAM construction: nonce = 8-byte random prefix ‖
4-byte chunk counter ‖ last-chunk flag), so a multi-GB file is never held in memory and every chunk is
authenticated before its plaintext is used; truncation, reordering and chunk swapping all fail.

The master key never lives in the data directory: it comes from a key file or the environment. Data
keys are wrapped with a key-encryption key derived from it (HKDF-SHA256, one per cipher), so rotating
the master key re-wraps the small data-key records and never rewrites content.
"""

from __future__ import annotations

import base64
import os
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from dangan.core import ConfigurationError, DanganError

from ._sm4gcm import fast_sm4_gcm

CHUNK = 1024 * 1024
TAG = 16
_TAG_FAILED = "密文校验失败：数据已损坏或密钥不符"
CIPHERS = {"AES-256-GCM": 32, "SM4-GCM": 16}


class DecryptionFailed(DanganError):
    code = "decryption_failed"
    status = 500


def _algorithm(cipher: str, key: bytes) -> algorithms.AES | algorithms.SM4:
    return algorithms.SM4(key) if cipher == "SM4-GCM" else algorithms.AES(key)


def seal(cipher: str, key: bytes, nonce: bytes, plaintext: bytes, aad: bytes = b"") -> bytes:
    if cipher == "SM4-GCM" and (fast := fast_sm4_gcm()) is not None:
        return fast.seal(key, nonce, plaintext, aad)
    enc = Cipher(_algorithm(cipher, key), modes.GCM(nonce)).encryptor()
    enc.authenticate_additional_data(aad)
    return enc.update(plaintext) + enc.finalize() + enc.tag


def open_sealed(cipher: str, key: bytes, nonce: bytes, sealed: bytes, aad: bytes = b"") -> bytes:
    if len(sealed) < TAG:
        raise DecryptionFailed("密文不完整")
    if cipher == "SM4-GCM" and (fast := fast_sm4_gcm()) is not None:
        plaintext = fast.open(key, nonce, sealed, aad)
        if plaintext is None:
            raise DecryptionFailed(_TAG_FAILED)
        return plaintext
    dec = Cipher(_algorithm(cipher, key), modes.GCM(nonce, sealed[-TAG:])).decryptor()
    dec.authenticate_additional_data(aad)
    try:
        return dec.update(sealed[:-TAG]) + dec.finalize()
    except InvalidTag as exc:
        raise DecryptionFailed(_TAG_FAILED) from exc


@dataclass(frozen=True)
class MasterKey:
    """The key-encryption root. `key_id` names it so a rotation can tell old wraps from new."""

    key_id: str
    secret: bytes

    def kek(self, cipher: str) -> bytes:
        return HKDF(hashes.SHA256(), CIPHERS[cipher], salt=None, info=f"dangan-kek:{cipher}".encode()).derive(
            self.secret
        )

    @classmethod
    def generate(cls, key_id: str) -> MasterKey:
        return cls(key_id, os.urandom(32))

    def to_text(self) -> str:
        return f"{self.key_id}:{base64.b64encode(self.secret).decode()}\n"

    @classmethod
    def from_text(cls, text: str) -> MasterKey:
        try:
            key_id, b64 = text.strip().split(":", 1)
            secret = base64.b64decode(b64, validate=True)
        except ValueError as exc:
            raise ConfigurationError("主密钥格式错误：应为“密钥编号:Base64”") from exc
        if len(secret) != 32 or not key_id:
            raise ConfigurationError("主密钥长度错误：应为 32 字节")
        return cls(key_id, secret)

    @classmethod
    def load(cls, path: Path) -> MasterKey:
        if not path.is_file():
            raise ConfigurationError(f"找不到主密钥文件 {path}")
        return cls.from_text(path.read_text(encoding="ascii"))


@dataclass(frozen=True)
class WrappedKey:
    cipher: str
    key_id: str
    nonce: bytes
    wrapped: bytes

    def as_dict(self) -> dict[str, str]:
        return {
            "cipher": self.cipher,
            "key_id": self.key_id,
            "nonce": base64.b64encode(self.nonce).decode(),
            "wrapped": base64.b64encode(self.wrapped).decode(),
        }

    @classmethod
    def from_dict(cls, d: dict[str, str]) -> WrappedKey:
        return cls(d["cipher"], d["key_id"], base64.b64decode(d["nonce"]), base64.b64decode(d["wrapped"]))


def wrap_key(master: MasterKey, cipher: str, data_key: bytes) -> WrappedKey:
    nonce = os.urandom(12)
    aad = f"{cipher}|{master.key_id}".encode()
    return WrappedKey(cipher, master.key_id, nonce, seal(cipher, master.kek(cipher), nonce, data_key, aad))


def unwrap_key(master: MasterKey, wrapped: WrappedKey) -> bytes:
    if wrapped.key_id != master.key_id:
        raise DecryptionFailed(f"数据密钥由主密钥 {wrapped.key_id} 加密，当前主密钥为 {master.key_id}")
    aad = f"{wrapped.cipher}|{wrapped.key_id}".encode()
    return open_sealed(wrapped.cipher, master.kek(wrapped.cipher), wrapped.nonce, wrapped.wrapped, aad)


def new_data_key(cipher: str) -> bytes:
    if cipher not in CIPHERS:
        raise ConfigurationError(f"不支持的加密算法：{cipher}（可选 {', '.join(CIPHERS)}）")
    return os.urandom(CIPHERS[cipher])


def _chunk_nonce(prefix: bytes, counter: int, last: bool) -> bytes:
    return prefix + struct.pack(">I", counter)[1:] + (b"\x01" if last else b"\x00")


def encrypt_chunks(cipher: str, key: bytes, prefix: bytes, source: BinaryIO) -> Iterator[tuple[bytes, bytes]]:
    """Yield (plaintext chunk, sealed chunk) pairs; the caller hashes the plaintext as it goes."""
    counter = 0
    current = source.read(CHUNK)
    while True:
        following = source.read(CHUNK) if current else b""
        last = not following
        yield current, seal(cipher, key, _chunk_nonce(prefix, counter, last), current)
        if last:
            return
        counter += 1
        current = following


def decrypt_chunks(cipher: str, key: bytes, prefix: bytes, source: BinaryIO) -> Iterator[bytes]:
    counter = 0
    current = source.read(CHUNK + TAG)
    while True:
        following = source.read(CHUNK + TAG)
        last = not following
        yield open_sealed(cipher, key, _chunk_nonce(prefix, counter, last), current)
        if last:
            return
        counter += 1
        current = following
