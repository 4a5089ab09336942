"""SM4-GCM from libgcrypt must be byte for byte what `cryptography` makes, read what it made, and refuse
anything altered; the store's sealing uses it where it passes, and `cryptography` where it does not."""

from __future__ import annotations

import io

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from hypothesis import given, settings
from hypothesis import strategies as st

from dangan.store.crypto import DecryptionFailed
from dangan.store.crypto import _envelope as crypto
from dangan.store.crypto import _gcrypt as gcrypt
from dangan.store.crypto import _sm4gcm as sm4gcm
from dangan.store.crypto._envelope import CHUNK, decrypt_chunks, encrypt_chunks, open_sealed, seal

GCRYPT = gcrypt.system()
GCRY_CIPHER_CAMELLIA128 = 310  # another 128-bit block cipher: runs, but is not SM4


def _reference_open(key: bytes, nonce: bytes, sealed: bytes, aad: bytes) -> bytes:
    dec = Cipher(algorithms.SM4(key), modes.GCM(nonce, sealed[-16:])).decryptor()
    dec.authenticate_additional_data(aad)
    return dec.update(sealed[:-16]) + dec.finalize()


def _fast() -> sm4gcm.GcryptGCM:
    fast = sm4gcm.fast_sm4_gcm()
    assert fast is not None, "setup.sh installs libgcrypt20; without it SM4 ingest is ~3x slower"
    return fast


@settings(max_examples=80, deadline=None)
@given(
    st.binary(min_size=16, max_size=16),
    st.binary(min_size=12, max_size=12),
    st.binary(max_size=2000),
    st.binary(max_size=40),
)
def test_same_bytes_as_cryptography_both_ways(key: bytes, nonce: bytes, message: bytes, aad: bytes) -> None:
    fast = _fast()
    sealed = fast.seal(key, nonce, message, aad)
    assert sealed == sm4gcm.reference_seal(key, nonce, message, aad)
    assert fast.open(key, nonce, sealed, aad) == message
    assert _reference_open(key, nonce, sealed, aad) == message


@settings(max_examples=40, deadline=None)
@given(st.binary(max_size=300), st.data())
def test_any_altered_byte_is_refused(message: bytes, data: st.DataObject) -> None:
    fast = _fast()
    key, nonce = bytes(16), bytes(12)
    sealed = fast.seal(key, nonce, message, b"aad")
    at = data.draw(st.integers(0, len(sealed) - 1))
    altered = bytearray(sealed)
    altered[at] ^= 1 << data.draw(st.integers(0, 7))
    assert fast.open(key, nonce, bytes(altered), b"aad") is None
    with pytest.raises(InvalidTag):
        _reference_open(key, nonce, bytes(altered), b"aad")


def test_wrong_key_nonce_or_associated_data_is_refused() -> None:
    fast = _fast()
    key, nonce = bytes(range(16)), bytes(range(12))
    sealed = fast.seal(key, nonce, "行政许可决定书".encode(), b"SM4-GCM|k1")
    assert fast.open(key, nonce, sealed, b"SM4-GCM|k1") == "行政许可决定书".encode()
    assert fast.open(bytes(16), nonce, sealed, b"SM4-GCM|k1") is None
    assert fast.open(key, bytes(12), sealed, b"SM4-GCM|k1") is None
    assert fast.open(key, nonce, sealed, b"SM4-GCM|k2") is None
    assert fast.open(key, nonce, sealed[:-1], b"SM4-GCM|k1") is None
    assert fast.open(key, nonce, b"short", b"") is None


def test_the_store_seals_with_libgcrypt_and_refuses_tampering() -> None:
    key, nonce = bytes(range(16)), bytes(range(12))
    sealed = seal("SM4-GCM", key, nonce, b"content", b"aad")
    assert sealed == sm4gcm.reference_seal(key, nonce, b"content", b"aad")
    with pytest.raises(DecryptionFailed, match="密文校验失败"):
        open_sealed("SM4-GCM", key, nonce, sealed[:-1] + bytes([sealed[-1] ^ 1]), b"aad")


def test_objects_sealed_by_either_library_open_with_the_other(monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing stored depends on which library sealed it: a chunked object written with libgcrypt reads
    back through `cryptography`, and the other way round."""
    data = bytes(range(256)) * (CHUNK // 256 * 2 + 3)  # three chunks, the last one short
    key, prefix = bytes(range(16)), b"8bytepfx"

    def sealed_stream() -> bytes:
        return b"".join(s for _, s in encrypt_chunks("SM4-GCM", key, prefix, io.BytesIO(data)))

    def opened(stream: bytes) -> bytes:
        return b"".join(decrypt_chunks("SM4-GCM", key, prefix, io.BytesIO(stream)))

    by_gcrypt = sealed_stream()
    monkeypatch.setattr(crypto, "fast_sm4_gcm", lambda: None)
    by_cryptography = sealed_stream()
    assert by_gcrypt == by_cryptography
    assert opened(by_gcrypt) == data
    monkeypatch.undo()
    assert opened(by_cryptography) == data


def test_a_library_that_is_not_sm4_fails_the_self_test() -> None:
    assert GCRYPT is not None
    assert sm4gcm.usable(GCRYPT)
    assert not sm4gcm.usable(GCRYPT, GCRY_CIPHER_CAMELLIA128)
    assert not sm4gcm.usable(None)
