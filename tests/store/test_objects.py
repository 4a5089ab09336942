from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest

from dangan.store.objects import HashMismatch, LocalLocation, ObjectStore


def test_put_is_content_addressed_and_idempotent(tmp_path: Path) -> None:
    store = ObjectStore(LocalLocation(tmp_path / "objects"))
    data = "决定书".encode() * 1000
    first = store.put_bytes(data)
    second = store.put_bytes(data)
    assert first == second
    assert first.sha256 == hashlib.sha256(data).hexdigest() and first.size == len(data)
    assert store.read(first.sha256) == data
    assert store.path_for(first.sha256).parent.parent.name == first.sha256[:2]
    root = tmp_path / "objects"
    assert len([p for p in root.rglob("*") if p.is_file() and not p.is_relative_to(root / "tmp")]) == 1


def test_declared_hash_mismatch_leaves_nothing(tmp_path: Path) -> None:
    store = ObjectStore(LocalLocation(tmp_path / "objects"))
    with pytest.raises(HashMismatch) as info:
        store.put_stream(io.BytesIO(b"abc"), "0" * 64, "a.pdf")
    assert "a.pdf" in info.value.message
    assert [p for p in (tmp_path / "objects").rglob("*") if p.is_file()] == []


def test_verify_detects_flipped_and_missing_bytes(tmp_path: Path) -> None:
    store = ObjectStore(LocalLocation(tmp_path / "objects"))
    obj = store.put_bytes(b"x" * 5000)
    assert store.verify(obj.sha256)
    path = store.path_for(obj.sha256)
    raw = bytearray(path.read_bytes())
    raw[100] ^= 1
    path.write_bytes(bytes(raw))
    assert not store.verify(obj.sha256)
    path.unlink()
    assert not store.verify(obj.sha256)
