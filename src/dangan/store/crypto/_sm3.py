"""SM3 (GB/T 32905) for the fixity recorded at ingest: libgcrypt's where the system has it, else OpenSSL's.

SM3 is the slowest work in storing a big file (one stream cannot be split, and this CPU has no SM3
instructions): OpenSSL 3.0 has only portable C, about 0.17-0.28 GB/s here, while libgcrypt's AVX/BMI2 code
(see `gcrypt`) is 1.2-1.4x faster on the same bytes, and still runs beside the copies in `OnePass`'s
helper thread.

The library is trusted only after it hashes the GB/T 32905 example to the standard's digest; anything
else (no library, FIPS mode refusing SM3, a wrong answer) falls back to `hashlib`, which gives the same
digests, only slower.
"""

from __future__ import annotations

import ctypes
import hashlib
from collections.abc import Callable
from functools import cache
from typing import Protocol

from . import _gcrypt
from ._gcrypt import GCRY_MD_SM3, Gcrypt

DIGEST_SIZE = 32
# GB/T 32905-2016, appendix A, example 1.
_EXAMPLE = (b"abc", "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0")


class Hasher(Protocol):
    def update(self, data: bytes, /) -> None: ...
    def digest(self) -> bytes: ...
    def hexdigest(self) -> str: ...


class GcryptSM3:
    """A hashlib-like SM3 object over one libgcrypt handle.

    `digest()` reads a copy of the handle (reading finalises it), so `update` may go on afterwards, as
    with hashlib. One object is fed by one thread at a time, as every hashlib object must be.
    """

    name = "sm3"
    digest_size = DIGEST_SIZE

    def __init__(self, lib: Gcrypt, algorithm: int = GCRY_MD_SM3) -> None:
        self._lib = lib.lib
        self._algorithm = algorithm
        self._handle: ctypes.c_void_p | None = None  # so that __del__ after a failed open has nothing to do
        handle = ctypes.c_void_p()
        if self._lib.gcry_md_open(ctypes.byref(handle), algorithm, 0) or not handle.value:
            raise OSError("libgcrypt refused SM3")
        self._handle = handle

    def update(self, data: bytes, /) -> None:
        if not isinstance(data, bytes):
            data = bytes(data)  # ctypes passes a bytes object's own buffer; other buffers are copied once
        self._lib.gcry_md_write(self._live(), data, len(data))

    def digest(self) -> bytes:
        copy = ctypes.c_void_p()
        if self._lib.gcry_md_copy(ctypes.byref(copy), self._live()) or not copy.value:
            raise OSError("libgcrypt could not copy an SM3 state")
        try:
            return bytes(self._lib.gcry_md_read(copy, self._algorithm).contents)
        finally:
            self._lib.gcry_md_close(copy)

    def hexdigest(self) -> str:
        return self.digest().hex()

    def _live(self) -> ctypes.c_void_p:
        if self._handle is None:
            raise ValueError("SM3 对象已关闭")
        return self._handle

    def close(self) -> None:
        if self._handle is not None:
            self._lib.gcry_md_close(self._handle)
            self._handle = None

    def __del__(self) -> None:
        self.close()


def usable(lib: Gcrypt | None, algorithm: int = GCRY_MD_SM3) -> bool:
    """Whether `lib` hashes the standard's example right with `algorithm` (SM3 unless a test says not)."""
    if lib is None:
        return False
    try:
        probe = GcryptSM3(lib, algorithm)
        probe.update(_EXAMPLE[0])
        ok = probe.hexdigest() == _EXAMPLE[1]
        probe.close()
    except OSError:
        return False
    return ok


@cache
def _factory() -> tuple[str, Callable[[], Hasher]]:
    lib = _gcrypt.system()
    if lib is not None and usable(lib):
        return f"libgcrypt {lib.version}", lambda: GcryptSM3(lib)
    return "OpenSSL", lambda: hashlib.new("sm3")


def new_sm3() -> Hasher:
    """A fresh SM3 hasher from the fastest backend that passed its self-test."""
    return _factory()[1]()


def backend() -> str:
    """Which library computes SM3 in this process (benchmarks print it beside their figures)."""
    return _factory()[0]
