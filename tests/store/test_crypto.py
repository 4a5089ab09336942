"""SM3/SM4 against the GB/T 32905 and GB/T 32907 vectors, and the envelope format against tampering."""

from __future__ import annotations

import hashlib
import io
import json

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from dangan.store.crypto import DecryptionFailed, MasterKey
from dangan.store.crypto._envelope import (
    CHUNK,
    decrypt_chunks,
    encrypt_chunks,
    new_data_key,
    open_sealed,
    unwrap_key,
    wrap_key,
)
from tests.conftest import VECTORS

SM = json.loads((VECTORS / "sm" / "vectors.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("vector", SM["sm3"], ids=lambda v: v["name"])
def test_sm3_vectors(vector: dict[str, str]) -> None:
    assert hashlib.new("sm3", bytes.fromhex(vector["message_hex"])).hexdigest() == vector["digest_hex"]


def _sm4(vector: dict[str, str]) -> bytes:
    key, pt = bytes.fromhex(vector["key_hex"]), bytes.fromhex(vector["plaintext_hex"])
    mode = vector["mode"]
    if mode.startswith("ECB"):
        enc = Cipher(algorithms.SM4(key), modes.ECB()).encryptor()
        block = pt
        for _ in range(int(vector.get("iterations", 1))):
            block = enc.update(block)
        return block
    iv = bytes.fromhex(vector["iv_hex"])
    if mode == "GCM":
        enc = Cipher(algorithms.SM4(key), modes.GCM(iv)).encryptor()
        enc.authenticate_additional_data(bytes.fromhex(vector["aad_hex"]))
        return enc.update(pt) + enc.finalize() + enc.tag
    m = modes.CBC(iv) if mode == "CBC" else modes.CTR(iv)
    enc = Cipher(algorithms.SM4(key), m).encryptor()
    return enc.update(pt) + enc.finalize()


@pytest.mark.parametrize("vector", [v for v in SM["sm4"] if v.get("mode")], ids=lambda v: v["name"])
def test_sm4_vectors(vector: dict[str, str]) -> None:
    expected = bytes.fromhex(vector["ciphertext_hex"]) + bytes.fromhex(vector.get("tag_hex", ""))
    assert _sm4(vector) == expected


@pytest.mark.parametrize("cipher", ["AES-256-GCM", "SM4-GCM"])
@pytest.mark.parametrize("size", [0, 1, CHUNK - 1, CHUNK, 2 * CHUNK + 7])
def test_stream_round_trip(cipher: str, size: int) -> None:
    data = bytes(range(256)) * (size // 256) + b"x" * (size % 256)
    key, prefix = new_data_key(cipher), b"\x01" * 8
    sealed = b"".join(c for _, c in encrypt_chunks(cipher, key, prefix, io.BytesIO(data)))
    assert b"".join(decrypt_chunks(cipher, key, prefix, io.BytesIO(sealed))) == data


def test_truncation_flip_and_wrong_key_fail() -> None:
    cipher, key, prefix = "AES-256-GCM", new_data_key("AES-256-GCM"), b"\x02" * 8
    data = b"a" * (2 * CHUNK + 10)
    sealed = b"".join(c for _, c in encrypt_chunks(cipher, key, prefix, io.BytesIO(data)))
    for broken in (sealed[: 2 * (CHUNK + 16)], sealed[:-1], sealed[:100] + b"\x00" + sealed[101:]):
        with pytest.raises(DecryptionFailed):
            b"".join(decrypt_chunks(cipher, key, prefix, io.BytesIO(broken)))
    with pytest.raises(DecryptionFailed):
        b"".join(decrypt_chunks(cipher, new_data_key(cipher), prefix, io.BytesIO(sealed)))


@pytest.mark.parametrize("cipher", ["AES-256-GCM", "SM4-GCM"])
def test_key_wrap_and_rotation(cipher: str) -> None:
    old, new = MasterKey.generate("k1"), MasterKey.generate("k2")
    data_key = new_data_key(cipher)
    wrapped = wrap_key(old, cipher, data_key)
    assert unwrap_key(old, wrapped) == data_key
    with pytest.raises(DecryptionFailed):
        unwrap_key(new, wrapped)
    rewrapped = wrap_key(new, cipher, unwrap_key(old, wrapped))
    assert unwrap_key(new, rewrapped) == data_key
    assert MasterKey.from_text(old.to_text()) == old
    with pytest.raises(DecryptionFailed):
        open_sealed(cipher, old.kek(cipher), wrapped.nonce, wrapped.wrapped, b"other aad")
