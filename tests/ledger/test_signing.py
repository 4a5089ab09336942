"""Checkpoint keys and signed tree heads: Ed25519 and SM2, private files 0600, witness folder."""

from __future__ import annotations

import stat
import threading
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from dangan.core import ConfigurationError
from dangan.ledger import Checkpoint, KeyStore, Witnessed, WitnessFolder, sign_checkpoint
from dangan.ledger.merkle import leaf_hash


@pytest.mark.parametrize("algorithm", ["ed25519", "sm2"])
def test_keys_are_made_once_private_and_signatures_verify(tmp_path: Path, algorithm: str) -> None:
    store = KeyStore(tmp_path / "keys")
    signer = store.signer(algorithm)
    key_file = tmp_path / "keys" / f"ledger-{algorithm}.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "keys").stat().st_mode) == 0o700
    again = KeyStore(tmp_path / "keys").signer(algorithm)
    assert again.public == signer.public  # loaded, not regenerated
    assert store.public_keys() == {signer.public.key_id: signer.public}

    cp = sign_checkpoint(signer, "dangan/Z001", 5, leaf_hash(b"x"), "2026-01-02T03:04:05.000000Z")
    assert cp.signed_by(signer.public)
    assert Checkpoint.from_json(cp.as_json()) == cp
    forged = Checkpoint.from_json(cp.as_json() | {"tree_size": 6})
    assert not forged.signed_by(signer.public)
    bad_sig = Checkpoint.from_json(cp.as_json() | {"signature": bytes(64).hex()})
    assert not bad_sig.signed_by(signer.public)


def test_ed25519_checkpoints_verify_with_openssl_format_keys(tmp_path: Path) -> None:
    """The .pub file is a standard PEM key; the signature covers exactly the C2SP checkpoint text."""
    signer = KeyStore(tmp_path).signer("ed25519")
    cp = sign_checkpoint(signer, "dangan/Z001", 1, leaf_hash(b""), "2026-01-02T03:04:05.000000Z")
    public = serialization.load_pem_public_key((tmp_path / "ledger-ed25519.pub").read_bytes())
    assert isinstance(public, Ed25519PublicKey)
    public.verify(cp.signature, cp.as_json()["note"].encode())
    assert cp.as_json()["note"] == (
        "dangan/Z001\n1\nbjQLnP+zepicpUTmu3gKLHiQHT+zNzh2hRGjBhevoB0=\n2026-01-02T03:04:05.000000Z\n"
    )


def test_racing_processes_end_with_one_key(tmp_path: Path) -> None:
    found: list[str] = []

    def make() -> None:
        found.append(KeyStore(tmp_path).signer("ed25519").public.key_id)

    threads = [threading.Thread(target=make) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(found)) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ledger-ed25519.key", "ledger-ed25519.pub"]


def test_unknown_algorithm_and_broken_key_file_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="ed25519、sm2"):
        KeyStore(tmp_path).signer("rsa")
    (tmp_path / "ledger-sm2.key").write_text("garbage\n")
    with pytest.raises(ConfigurationError):
        KeyStore(tmp_path).signer("sm2")


def test_witness_folder_keeps_every_checkpoint_and_the_latest(tmp_path: Path) -> None:
    signer = KeyStore(tmp_path / "keys").signer("ed25519")
    folder = WitnessFolder(tmp_path / "witness")
    assert folder.latest() is None
    first = sign_checkpoint(signer, "o", 1, leaf_hash(b"a"), "2026-01-01T00:00:00.000000Z")
    second = sign_checkpoint(signer, "o", 2, leaf_hash(b"b"), "2026-01-02T00:00:00.000000Z")
    folder.publish(Witnessed(first, None, []))
    folder.publish(Witnessed(second, 1, [leaf_hash(b"b")]))
    assert folder.latest() == second
    assert sorted(p.name for p in (tmp_path / "witness" / "checkpoints").iterdir()) == [
        "000000000001.json",
        "000000000002.json",
    ]
