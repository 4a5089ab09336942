"""libgcrypt through ctypes, for the national algorithms: SM3 (fixity) and SM4-GCM (encryption at rest).

OpenSSL 3.0, under both `hashlib` and `cryptography`, has only portable C for SM3 and SM4; libgcrypt 1.10
(Debian's `libgcrypt20`, on every Debian system as a dependency of apt's `gpgv`) picks AVX/BMI2 and
AES-NI/AVX2 implementations at run time. Measured on the same bytes in the same minute here: SM3 1.2-1.4x,
SM4-GCM about 3.6x. ctypes releases the GIL for each call, so both still run beside other threads.

Nothing here is trusted on its own: each user (`sm3`, `crypto`) checks an answer against the standard or
against `cryptography` once before using the library, and falls back to OpenSSL if it cannot load it or
gets a wrong answer. The ctypes signatures are declared in full: an int passed where `size_t` is expected
would leave a register's upper half to chance.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from functools import cache

GCRY_MD_SM3 = 326
GCRY_CIPHER_SM4 = 318
GCRY_CIPHER_MODE_GCM = 9

_vp = ctypes.c_void_p
_handle_out = ctypes.POINTER(ctypes.c_void_p)
_size = ctypes.c_size_t
_err = ctypes.c_uint
_SIGNATURES: dict[str, tuple[type | None, list[type]]] = {
    "gcry_md_open": (_err, [_handle_out, ctypes.c_int, ctypes.c_uint]),
    "gcry_md_copy": (_err, [_handle_out, _vp]),
    "gcry_md_write": (None, [_vp, ctypes.c_char_p, _size]),
    "gcry_md_close": (None, [_vp]),
    "gcry_cipher_open": (_err, [_handle_out, ctypes.c_int, ctypes.c_int, ctypes.c_uint]),
    "gcry_cipher_setkey": (_err, [_vp, ctypes.c_char_p, _size]),
    "gcry_cipher_setiv": (_err, [_vp, ctypes.c_char_p, _size]),
    "gcry_cipher_authenticate": (_err, [_vp, ctypes.c_char_p, _size]),
    "gcry_cipher_encrypt": (_err, [_vp, _vp, _size, ctypes.c_char_p, _size]),
    "gcry_cipher_decrypt": (_err, [_vp, _vp, _size, ctypes.c_char_p, _size]),
    "gcry_cipher_gettag": (_err, [_vp, _vp, _size]),
    "gcry_cipher_checktag": (_err, [_vp, ctypes.c_char_p, _size]),
    "gcry_cipher_close": (None, [_vp]),
}


class Gcrypt:
    """The library with the calls Dangan uses declared; `lib` is the loaded library."""

    def __init__(self, lib: ctypes.CDLL) -> None:
        lib.gcry_check_version.restype = ctypes.c_char_p
        lib.gcry_check_version.argtypes = [ctypes.c_char_p]
        # Initialises the library (its manual: before any other call); harmless if done already.
        version = lib.gcry_check_version(None)
        if not version:
            raise OSError("libgcrypt did not initialise")
        self.version: str = version.decode()
        for name, (restype, argtypes) in _SIGNATURES.items():
            function = getattr(lib, name)
            function.restype = restype
            function.argtypes = argtypes
        lib.gcry_md_read.restype = ctypes.POINTER(ctypes.c_ubyte * 32)
        lib.gcry_md_read.argtypes = [_vp, ctypes.c_int]
        self.lib = lib


def load(name: str | None = None) -> Gcrypt | None:
    """The library if it loads and has every call, else None."""
    name = name or ctypes.util.find_library("gcrypt") or "libgcrypt.so.20"
    try:
        return Gcrypt(ctypes.CDLL(name))
    except (OSError, AttributeError):
        return None


@cache
def system() -> Gcrypt | None:
    """This process's libgcrypt, loaded once."""
    return load()
