"""Encrypted, replicated objects: what lands on disk, what comes back, and what a damaged copy says."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from dangan.store.crypto import KeyRing, MasterKey
from dangan.store.objects import LocalLocation, ObjectMissing, ObjectStore, object_key


def _store(tmp_path: Path, cipher: str = "AES-256-GCM", keyring: KeyRing | None = None) -> ObjectStore:
    ring = keyring or KeyRing(MasterKey.generate("k1"))
    return ObjectStore(
        LocalLocation(tmp_path / "a", "primary"), [LocalLocation(tmp_path / "b", "replica")], ring, cipher
    )


@pytest.mark.parametrize("cipher", ["AES-256-GCM", "SM4-GCM"])
def test_encrypted_object_never_lands_in_clear(tmp_path: Path, cipher: str) -> None:
    store = _store(tmp_path, cipher)
    data = "身份证号码 130322198909270038 决定书".encode() * 500
    obj = store.put_bytes(data, encrypt=True)
    assert obj.encrypted and obj.sha256 == hashlib.sha256(data).hexdigest()
    assert obj.sm3 == hashlib.new("sm3", data).hexdigest()
    for loc in store.locations:
        assert isinstance(loc, LocalLocation)
        blob = (loc.root / object_key(obj.sha256, True)).read_bytes()
        assert b"130322198909270038" not in blob and "决定书".encode() not in blob
        assert (loc.root / (object_key(obj.sha256, True) + ".key")).exists()
    assert store.read(obj.sha256, True) == data
    with store.plain_path(obj.sha256, True) as path:
        assert path.read_bytes() == data
    assert not path.exists()


def test_every_location_gets_a_durable_copy_and_is_verified_on_its_own(tmp_path: Path) -> None:
    store = _store(tmp_path)
    plain = store.put_bytes(b"open record " * 1000)
    secret = store.put_bytes(b"secret record " * 1000, encrypt=True)
    for loc in store.locations:
        assert store.verify(plain.sha256, False, loc) and store.verify(secret.sha256, True, loc)
    primary, replica = store.locations
    assert isinstance(primary, LocalLocation) and isinstance(replica, LocalLocation)
    path = replica.root / object_key(secret.sha256, True)
    raw = bytearray(path.read_bytes())
    raw[40] ^= 0xFF
    path.write_bytes(bytes(raw))
    assert store.verify(secret.sha256, True, primary)
    assert not store.verify(secret.sha256, True, replica)
    (primary.root / object_key(plain.sha256)).unlink()
    assert not store.verify(plain.sha256, False, primary)
    with pytest.raises(ObjectMissing):
        store.read(plain.sha256)


def test_same_bytes_are_stored_once_per_form(tmp_path: Path) -> None:
    store = _store(tmp_path)
    a = store.put_bytes(b"x" * 100, encrypt=True)
    b = store.put_bytes(b"x" * 100, encrypt=True)
    c = store.put_bytes(b"x" * 100)
    assert a.sha256 == b.sha256 == c.sha256
    root = tmp_path / "a"
    files = sorted(p.name for p in root.rglob("*") if p.is_file() and not p.is_relative_to(root / "tmp"))
    assert files == sorted([a.sha256, a.sha256 + ".enc", a.sha256 + ".enc.key"])
    assert [p.name for p in (root / "tmp").iterdir()] == [".placement.lock"]  # no temp left behind


def test_rotation_rewraps_without_touching_content(tmp_path: Path) -> None:
    old = MasterKey.generate("k1")
    store = _store(tmp_path, keyring=KeyRing(old))
    obj = store.put_bytes(b"rotate me " * 100, encrypt=True)
    blob = store.path_for(obj.sha256, True).read_bytes()
    new_ring = KeyRing(MasterKey.generate("k2"), [old])
    record_path = Path(str(store.path_for(obj.sha256, True)) + ".key")
    import json

    record = json.loads(record_path.read_text())
    record_path.write_text(json.dumps(new_ring.rewrap(record)))
    rotated = ObjectStore(store.primary, [], KeyRing(new_ring.current), store.cipher)
    assert rotated.read(obj.sha256, True) == b"rotate me " * 100
    assert store.path_for(obj.sha256, True).read_bytes() == blob


@pytest.mark.parametrize("encrypt", [False, True])
def test_many_chunk_objects_hash_in_order_through_the_sm3_helper(tmp_path: Path, encrypt: bool) -> None:
    """Chunks of 1 MB and more queue up for the SM3 thread; a short tail is hashed inline after them.
    A chunk hashed out of order, or one lost, changes the digest."""
    import os

    from dangan.store.objects._onepass import CHUNK

    store = _store(tmp_path)
    data = os.urandom(5 * CHUNK + 12_345)
    obj = store.put_bytes(data, encrypt=encrypt)
    assert obj.sha256 == hashlib.sha256(data).hexdigest()
    assert obj.sm3 == hashlib.new("sm3", data).hexdigest()
    assert obj.size == len(data) and store.read(obj.sha256, encrypt) == data
