"""SM4-GCM (GB/T 32907 in GCM mode) from libgcrypt, the same bytes `cryptography` gives, 3-4x faster here.

OpenSSL 3.0 (under `cryptography`) encrypts SM4 with portable C, about 0.1 GB/s on this machine, which made
ingest with `DANGAN_CIPHER=SM4-GCM` a third as fast as with AES-256-GCM; libgcrypt's AES-NI/AVX2 SM4 with
its PCLMUL GHASH runs at about 0.37 GB/s. GCM is a standard, so both produce the same ciphertext and tag
for the same key, nonce and associated data, and read each other's output: nothing stored changes.

Trusted only after it seals a fixed message exactly as `cryptography` does, opens it, and refuses it with
one bit changed; otherwise `crypto` keeps using `cryptography`.
"""

from __future__ import annotations

import ctypes
from functools import cache

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from . import _gcrypt
from ._gcrypt import GCRY_CIPHER_MODE_GCM, GCRY_CIPHER_SM4, Gcrypt

TAG = 16


class GcryptGCM:
    """One-shot GCM seal/open with a 16-byte tag appended, as `crypto.seal`/`open_sealed` lay it out."""

    def __init__(self, lib: Gcrypt, algorithm: int = GCRY_CIPHER_SM4) -> None:
        self._lib = lib.lib
        self._algorithm = algorithm

    def _start(self, key: bytes, nonce: bytes, aad: bytes) -> ctypes.c_void_p:
        lib = self._lib
        handle = ctypes.c_void_p()
        if lib.gcry_cipher_open(ctypes.byref(handle), self._algorithm, GCRY_CIPHER_MODE_GCM, 0) or not handle:
            raise OSError("libgcrypt refused SM4-GCM")
        if (
            lib.gcry_cipher_setkey(handle, key, len(key))
            or lib.gcry_cipher_setiv(handle, nonce, len(nonce))
            or (aad and lib.gcry_cipher_authenticate(handle, aad, len(aad)))
        ):
            lib.gcry_cipher_close(handle)
            raise OSError("libgcrypt refused the SM4-GCM key, nonce or associated data")
        return handle

    def seal(self, key: bytes, nonce: bytes, plaintext: bytes, aad: bytes = b"") -> bytes:
        plaintext = bytes(plaintext)  # a no-op for bytes; ctypes reads a bytes object's own buffer
        n = len(plaintext)
        out = bytearray(n + TAG)
        view = (ctypes.c_char * (n + TAG)).from_buffer(out)
        address = ctypes.addressof(view)
        handle = self._start(key, nonce, aad)
        try:
            if n and self._lib.gcry_cipher_encrypt(handle, address, n, plaintext, n):
                raise OSError("libgcrypt could not encrypt")
            if self._lib.gcry_cipher_gettag(handle, address + n, TAG):
                raise OSError("libgcrypt gave no tag")
        finally:
            self._lib.gcry_cipher_close(handle)
            del view
        return bytes(out)

    def open(self, key: bytes, nonce: bytes, sealed: bytes, aad: bytes = b"") -> bytes | None:
        """The plaintext, or None when the tag does not verify (nothing decrypted is handed out then)."""
        sealed = bytes(sealed)
        n = len(sealed) - TAG
        if n < 0:
            return None
        out = bytearray(n)
        view = (ctypes.c_char * max(n, 1)).from_buffer(out) if n else None
        handle = self._start(key, nonce, aad)
        try:
            if view is not None and self._lib.gcry_cipher_decrypt(
                handle, ctypes.addressof(view), n, sealed, n
            ):
                raise OSError("libgcrypt could not decrypt")
            if self._lib.gcry_cipher_checktag(handle, sealed[n:], TAG):
                return None
        finally:
            self._lib.gcry_cipher_close(handle)
            del view
        return bytes(out)


def reference_seal(key: bytes, nonce: bytes, plaintext: bytes, aad: bytes) -> bytes:
    enc = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
    enc.authenticate_additional_data(aad)
    return enc.update(plaintext) + enc.finalize() + enc.tag


def usable(lib: Gcrypt | None, algorithm: int = GCRY_CIPHER_SM4) -> bool:
    """Whether `lib` seals like `cryptography`, opens its own output and refuses it altered."""
    if lib is None:
        return False
    gcm = GcryptGCM(lib, algorithm)
    key, nonce, aad = bytes(range(16)), bytes(range(12)), b"dangan|self-test"
    message = "档案四性检测 SM4-GCM 自检".encode() * 3  # not a multiple of the 16-byte block
    try:
        sealed = gcm.seal(key, nonce, message, aad)
        altered = bytes([sealed[0] ^ 1]) + sealed[1:]
        return (
            sealed == reference_seal(key, nonce, message, aad)
            and gcm.open(key, nonce, sealed, aad) == message
            and gcm.open(key, nonce, altered, aad) is None
        )
    except OSError:
        return False


@cache
def fast_sm4_gcm() -> GcryptGCM | None:
    """libgcrypt's SM4-GCM if this system has it and it passed the self-test, else None."""
    lib = _gcrypt.system()
    return GcryptGCM(lib) if lib is not None and usable(lib) else None
