"""The SM3 used for fixity: libgcrypt's must give the standard's digests, hashlib's on any input, and
anything that cannot (no library, a library answering wrong) must fall back to OpenSSL."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dangan.store.crypto import _gcrypt as gcrypt
from dangan.store.crypto import _sm3 as sm3
from dangan.store.objects._onepass import OnePass
from tests.conftest import VECTORS

SM3_VECTORS = json.loads((VECTORS / "sm" / "vectors.json").read_text(encoding="utf-8"))["sm3"]
GCRYPT = gcrypt.system()
GCRY_MD_SHA256 = 8


def test_libgcrypt_is_the_backend_where_the_system_has_it() -> None:
    """setup.sh installs libgcrypt20 (Debian has it anyway, for apt's gpgv): losing it, or breaking the
    ctypes signatures so that its self-test fails, would silently make big ingests ~1.3x slower."""
    assert GCRYPT is not None and sm3.usable(GCRYPT)
    assert sm3.backend() == f"libgcrypt {GCRYPT.version}"
    assert isinstance(sm3.new_sm3(), sm3.GcryptSM3)


@pytest.mark.parametrize("vector", SM3_VECTORS, ids=lambda v: v["name"])
def test_standard_vectors(vector: dict[str, str]) -> None:
    assert GCRYPT is not None
    h = sm3.GcryptSM3(GCRYPT)
    h.update(bytes.fromhex(vector["message_hex"]))
    assert h.hexdigest() == vector["digest_hex"]
    assert sm3.new_sm3().hexdigest() == hashlib.new("sm3").hexdigest()  # the empty message too


@settings(max_examples=60, deadline=None)
@given(st.lists(st.binary(max_size=300), max_size=12), st.integers(min_value=0, max_value=2))
def test_same_digest_as_openssl_for_any_split(pieces: list[bytes], kind: int) -> None:
    assert GCRYPT is not None
    h = sm3.GcryptSM3(GCRYPT)
    for piece in pieces:
        h.update([piece, bytearray(piece), memoryview(piece)][kind])  # type: ignore[arg-type]  # it takes any buffer; its signature says bytes
    assert h.digest() == hashlib.new("sm3", b"".join(pieces)).digest()


def test_a_digest_does_not_end_the_hash() -> None:
    """libgcrypt's read finalises its state; the object reads a copy, as hashlib lets one go on."""
    assert GCRYPT is not None
    h = sm3.GcryptSM3(GCRYPT)
    h.update(b"ab")
    assert h.hexdigest() == hashlib.new("sm3", b"ab").hexdigest()
    assert h.hexdigest() == hashlib.new("sm3", b"ab").hexdigest()
    h.update(b"c")
    assert h.hexdigest() == SM3_VECTORS[0]["digest_hex"]


def test_a_closed_hasher_refuses_more_input() -> None:
    assert GCRYPT is not None
    h = sm3.GcryptSM3(GCRYPT)
    h.close()
    h.close()
    with pytest.raises(ValueError):
        h.update(b"x")


def test_big_chunks_through_onepass_match_openssl(tmp_path: Path) -> None:
    data = bytes(range(256)) * (5 * 4096 + 7)  # > 5 MiB: several chunks through the helper thread
    with open(tmp_path / "copy", "wb") as out:
        digests = OnePass([out])
        for i in range(0, len(data), 1 << 20):
            digests.update(data[i : i + (1 << 20)])
        digests.close()
    assert digests.digests() == (hashlib.sha256(data).hexdigest(), hashlib.new("sm3", data).hexdigest())


def test_no_library_is_none_and_not_usable() -> None:
    assert gcrypt.load("libdangan-no-such-library.so.1") is None
    assert not sm3.usable(None)


def test_a_library_giving_the_wrong_digest_is_not_used() -> None:
    """The self-test is what decides: here libgcrypt is asked for SHA-256, which is not the SM3 example."""
    assert not sm3.usable(GCRYPT, GCRY_MD_SHA256)


def test_without_libgcrypt_openssl_computes_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gcrypt, "system", lambda: None)
    sm3._factory.cache_clear()
    try:
        assert sm3.backend() == "OpenSSL"
        h = sm3.new_sm3()
        h.update(b"abc")
        assert not isinstance(h, sm3.GcryptSM3) and h.hexdigest() == SM3_VECTORS[0]["digest_hex"]
    finally:
        sm3._factory.cache_clear()
