"""SM3 (GB/T 32905) for the fixity recorded at ingest: libgcrypt's where the system has it, else OpenSSL's.

SM3 is the slowest work in storing a big file (one stream cannot be split, and this CPU has no SM3
instructions): OpenSSL 3.0 has only portable C, about 0.21-0.26 GB/s here, while libgcrypt 1.10 (Debian's
`libgcrypt20`, already on every Debian system as a dependency of apt's `gpgv`) picks an AVX/BMI2
implementation at run time, about 1.3x faster on the same bytes. It is loaded through ctypes, which releases
the GIL for the call, so the hash still runs beside the copies in `OnePass`'s helper thread.

The library is trusted only after it hashes the GB/T 32905 example to the standard's digest; anything
else (no library, FIPS mode refusing SM3, a wrong answer) falls back to `hashlib`, which gives the same
digests, only slower.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import hashlib
from collections.abc import Callable
from functools import cache
from typing import Protocol

GCRY_MD_SM3 = 326
DIGEST_SIZE = 32
# GB/T 32905-2016, appendix A, example 1.
_EXAMPLE = (b"abc", "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0")


class Hasher(Protocol):
    def update(self, data: bytes, /) -> None: ...
    def digest(self) -> bytes: ...
    def hexdigest(self) -> str: ...


class _Gcrypt:
    """The handful of libgcrypt's message-digest calls SM3 needs."""

    def __init__(self, lib: ctypes.CDLL, algorithm: int = GCRY_MD_SM3) -> None:
        self.algorithm = algorithm
        lib.gcry_check_version.restype = ctypes.c_char_p
        lib.gcry_check_version.argtypes = [ctypes.c_char_p]
        # Initialises the library (its manual: before any other call); harmless if done already.
        version = lib.gcry_check_version(None)
        if not version:
            raise OSError("libgcrypt did not initialise")
        self.version = version.decode()
        lib.gcry_md_open.restype = ctypes.c_uint
        lib.gcry_md_open.argtypes = [ctypes.POINTER(ctypes.c_void_p), ctypes.c_int, ctypes.c_uint]
        lib.gcry_md_copy.restype = ctypes.c_uint
        lib.gcry_md_copy.argtypes = [ctypes.POINTER(ctypes.c_void_p), ctypes.c_void_p]
        lib.gcry_md_write.restype = None
        lib.gcry_md_write.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t]
        lib.gcry_md_read.restype = ctypes.POINTER(ctypes.c_ubyte * DIGEST_SIZE)
        lib.gcry_md_read.argtypes = [ctypes.c_void_p, ctypes.c_int]
        lib.gcry_md_close.restype = None
        lib.gcry_md_close.argtypes = [ctypes.c_void_p]
        self.lib = lib

    def open(self) -> ctypes.c_void_p:
        handle = ctypes.c_void_p()
        if self.lib.gcry_md_open(ctypes.byref(handle), self.algorithm, 0) or not handle.value:
            raise OSError("libgcrypt refused SM3")
        return handle


class GcryptSM3:
    """A hashlib-like SM3 object over one libgcrypt handle.

    `digest()` reads a copy of the handle (reading finalises it), so `update` may go on afterwards, as
    with hashlib. One object is fed by one thread at a time, as every hashlib object must be.
    """

    name = "sm3"
    digest_size = DIGEST_SIZE

    def __init__(self, gcrypt: _Gcrypt) -> None:
        self._g = gcrypt
        self._handle: ctypes.c_void_p | None = None  # so that __del__ after a failed open has nothing to do
        self._handle = gcrypt.open()

    def update(self, data: bytes, /) -> None:
        if not isinstance(data, bytes):
            data = bytes(data)  # ctypes passes a bytes object's own buffer; other buffers are copied once
        self._g.lib.gcry_md_write(self._live(), data, len(data))

    def digest(self) -> bytes:
        lib = self._g.lib
        copy = ctypes.c_void_p()
        if lib.gcry_md_copy(ctypes.byref(copy), self._live()) or not copy.value:
            raise OSError("libgcrypt could not copy an SM3 state")
        try:
            return bytes(lib.gcry_md_read(copy, self._g.algorithm).contents)
        finally:
            lib.gcry_md_close(copy)

    def hexdigest(self) -> str:
        return self.digest().hex()

    def _live(self) -> ctypes.c_void_p:
        if self._handle is None:
            raise ValueError("SM3 对象已关闭")
        return self._handle

    def close(self) -> None:
        if self._handle is not None:
            self._g.lib.gcry_md_close(self._handle)
            self._handle = None

    def __del__(self) -> None:
        self.close()


def load_gcrypt(name: str | None = None, algorithm: int = GCRY_MD_SM3) -> _Gcrypt | None:
    """libgcrypt's SM3 if the library loads and hashes the standard's example right, else None."""
    name = name or ctypes.util.find_library("gcrypt") or "libgcrypt.so.20"
    try:
        gcrypt = _Gcrypt(ctypes.CDLL(name), algorithm)
        probe = GcryptSM3(gcrypt)
        probe.update(_EXAMPLE[0])
        ok = probe.hexdigest() == _EXAMPLE[1]
        probe.close()
    except (OSError, AttributeError):
        return None
    return gcrypt if ok else None


@cache
def _factory() -> tuple[str, Callable[[], Hasher]]:
    gcrypt = load_gcrypt()
    if gcrypt is not None:
        return f"libgcrypt {gcrypt.version}", lambda: GcryptSM3(gcrypt)
    return "OpenSSL", lambda: hashlib.new("sm3")


def new_sm3() -> Hasher:
    """A fresh SM3 hasher from the fastest backend that passed its self-test."""
    return _factory()[1]()


def backend() -> str:
    """Which library computes SM3 in this process (benchmarks print it beside their figures)."""
    return _factory()[0]
