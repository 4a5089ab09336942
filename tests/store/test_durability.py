"""Batched durability: objects named only when the batch ends, nothing left behind when it fails."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from dangan.store.crypto import KeyRing, MasterKey
from dangan.store.objects import LocalLocation, ObjectStore, object_key


def _store(tmp_path: Path) -> ObjectStore:
    return ObjectStore(
        LocalLocation(tmp_path / "a", "primary"),
        [LocalLocation(tmp_path / "b", "replica")],
        KeyRing(MasterKey.generate("k1")),
    )


def _objects(root: Path) -> list[str]:
    return sorted(p.name for p in root.rglob("*") if p.is_file() and not p.is_relative_to(root / "tmp"))


def _temps(root: Path) -> list[str]:
    return sorted(p.name for p in (root / "tmp").iterdir() if p.name != ".placement.lock")


def test_objects_get_their_names_only_when_the_batch_ends(tmp_path: Path) -> None:
    store = _store(tmp_path)
    with store.durable_batch():
        plain = store.put_bytes(b"open " * 100)
        secret = store.put_bytes(b"secret " * 100, encrypt=True)
        again = store.put_bytes(b"secret " * 100, encrypt=True)  # same content twice in one batch
        assert _objects(tmp_path / "a") == [] and _objects(tmp_path / "b") == []
        assert not store.exists(plain.sha256)
    assert again.sha256 == secret.sha256
    for root in (tmp_path / "a", tmp_path / "b"):
        assert _objects(root) == sorted([plain.sha256, secret.sha256 + ".enc", secret.sha256 + ".enc.key"])
        assert _temps(root) == []
    assert store.read(plain.sha256) == b"open " * 100
    assert store.read(secret.sha256, True) == b"secret " * 100
    for loc in store.locations:
        assert store.verify(secret.sha256, True, loc)


def test_a_failing_batch_names_nothing_and_leaves_no_temps(tmp_path: Path) -> None:
    store = _store(tmp_path)
    with pytest.raises(RuntimeError), store.durable_batch():
        store.put_bytes(b"never named " * 50, encrypt=True)
        raise RuntimeError("crash before the batch ends")
    for root in (tmp_path / "a", tmp_path / "b"):
        assert _objects(root) == [] and _temps(root) == []


def test_content_placed_by_another_writer_first_keeps_its_own_key_record(tmp_path: Path) -> None:
    """Two importers storing the same secret content: the ciphertext and key record stay a pair."""
    data = b"shared attachment " * 200
    first, second = _store(tmp_path), _store(tmp_path)
    second.use_keyring(first.keyring)
    with second.durable_batch():
        second.put_bytes(data, encrypt=True)
        first.put_bytes(data, encrypt=True)  # lands first, outside any batch
        key_record = first.path_for(hashlib.sha256(data).hexdigest(), True).with_suffix(".enc.key")
        before = key_record.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    assert key_record.read_bytes() == before  # the batch's own copy was discarded, not mixed in
    for loc in first.locations:
        assert first.verify(sha, True, loc)
    assert (tmp_path / "a" / object_key(sha, True)).exists()
    assert _temps(tmp_path / "a") == [] and _temps(tmp_path / "b") == []


def test_big_objects_start_their_writeback_while_being_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every 8 MiB each copy is handed to the kernel's writeback, so the final sync has only the tail."""
    from dangan.store.objects import _onepass as onepass

    calls: list[int] = []
    real = onepass.start_writeback

    def counted(fd: int) -> None:
        calls.append(fd)
        real(fd)

    monkeypatch.setattr(onepass, "start_writeback", counted)
    store = _store(tmp_path)
    data = hashlib.sha256(b"seed").digest() * (20 * 1024 * 1024 // 32)  # 20 MiB
    with store.durable_batch():
        obj = store.put_bytes(data)
    assert len(calls) == 2 * 2  # two 8 MiB marks, two copies (primary and replica)
    assert store.path_for(obj.sha256).read_bytes() == data
    assert hashlib.sha256((tmp_path / "b" / object_key(obj.sha256)).read_bytes()).hexdigest() == obj.sha256
    calls.clear()
    store.put_bytes(b"small object")
    assert calls == []
