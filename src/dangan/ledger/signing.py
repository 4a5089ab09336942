"""Checkpoint signing keys: Ed25519 (`cryptography`) by default, SM2 (`gmssl-fast`, GB/T 32918) on request.

Keys live in ``DATA/keys/``: ``ledger-<algorithm>.key`` (private, mode 0600, created on first use) and
``ledger-<algorithm>.pub`` (public, for anyone). Ed25519 keys are PEM (PKCS#8 / SubjectPublicKeyInfo,
readable by OpenSSL); SM2 keys are hex (private scalar; public ``04‖X‖Y``), SM2 signatures raw ``r‖s``
with the default signer id ``1234567812345678``.

A key is named by its *key id*: the first 16 hex digits of SHA-256 over ``"<algorithm>:" + public key
bytes``. Verification trusts only the public keys found here (and copies given to witnesses), never a
key that merely travels with a checkpoint.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

import gmssl_fast
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from dangan.core import ConfigurationError

ALGORITHMS = ("ed25519", "sm2")


@dataclass(frozen=True)
class PublicKey:
    """A verification key: `text` is raw Ed25519 key bytes in hex, or an SM2 point ``04‖X‖Y`` in hex."""

    algorithm: str
    text: str

    @property
    def key_id(self) -> str:
        return hashlib.sha256(f"{self.algorithm}:".encode() + bytes.fromhex(self.text)).hexdigest()[:16]

    def verify(self, message: bytes, signature: bytes) -> bool:
        if self.algorithm == "ed25519":
            try:
                Ed25519PublicKey.from_public_bytes(bytes.fromhex(self.text)).verify(signature, message)
            except (InvalidSignature, ValueError):
                return False
            return True
        if self.algorithm == "sm2":
            if len(signature) != 64:
                return False
            try:
                return bool(gmssl_fast.SM2(public_key=self.text).verify(message, signature))
            except (gmssl_fast.GmsslError, ValueError):
                return False
        return False


class Signer:
    def __init__(self, algorithm: str, private: Ed25519PrivateKey | gmssl_fast.SM2, public: PublicKey):
        self.algorithm = algorithm
        self._private = private
        self.public = public

    def sign(self, message: bytes) -> bytes:
        return bytes(self._private.sign(message))


def _check_algorithm(algorithm: str) -> str:
    algorithm = algorithm.lower()
    if algorithm not in ALGORITHMS:
        raise ConfigurationError(f"不支持的检查点签名算法：{algorithm}（可选 ed25519、sm2）")
    return algorithm


def _write_new(path: Path, data: bytes, mode: int) -> None:
    """Create `path` with `data` and `mode` unless it exists: a complete file or none, never a half one.

    The bytes go to a private temporary file (fsynced) that is hard-linked into place; when two
    processes race, the link of the second fails and it reads the first one's key.
    """
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        os.fchmod(fd, mode)
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        tmp.unlink()
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


class KeyStore:
    """The archive's checkpoint keys in one folder."""

    def __init__(self, directory: Path):
        self.directory = directory

    def _paths(self, algorithm: str) -> tuple[Path, Path]:
        return self.directory / f"ledger-{algorithm}.key", self.directory / f"ledger-{algorithm}.pub"

    def signer(self, algorithm: str) -> Signer:
        """The signing key for `algorithm`, generated (with its public key file) on first use."""
        algorithm = _check_algorithm(algorithm)
        private_path, public_path = self._paths(algorithm)
        if not private_path.exists():
            self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
            _write_new(private_path, _generate(algorithm), 0o600)
        signer = _load(algorithm, private_path.read_bytes())
        if not public_path.exists():
            _write_new(public_path, _public_file(signer.public), 0o644)
        return signer

    def public_keys(self) -> dict[str, PublicKey]:
        """Every public key in the folder, by key id (old keys stay, so old checkpoints still verify)."""
        found: dict[str, PublicKey] = {}
        for algorithm in ALGORITHMS:
            path = self._paths(algorithm)[1]
            if path.exists():
                key = _read_public(algorithm, path.read_bytes())
                found[key.key_id] = key
        return found


def _generate(algorithm: str) -> bytes:
    if algorithm == "ed25519":
        return Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    key = gmssl_fast.SM2.generate()
    return f"{key.private_key_hex}\n{key.public_key_hex}\n".encode()


def _load(algorithm: str, data: bytes) -> Signer:
    try:
        if algorithm == "ed25519":
            private = serialization.load_pem_private_key(data, password=None)
            if not isinstance(private, Ed25519PrivateKey):
                raise ValueError("not an Ed25519 key")
            raw = private.public_key().public_bytes(
                serialization.Encoding.Raw, serialization.PublicFormat.Raw
            )
            return Signer(algorithm, private, PublicKey(algorithm, raw.hex()))
        private_hex, public_hex = data.decode().split()
        sm2 = gmssl_fast.SM2(private_key=private_hex, public_key=public_hex)
        return Signer(algorithm, sm2, PublicKey(algorithm, public_hex.lower()))
    except (ValueError, UnicodeDecodeError, gmssl_fast.GmsslError) as exc:
        raise ConfigurationError(f"检查点签名私钥文件无法读取（{algorithm}）：{exc}") from exc


def _public_file(key: PublicKey) -> bytes:
    if key.algorithm == "ed25519":
        return Ed25519PublicKey.from_public_bytes(bytes.fromhex(key.text)).public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    return f"{key.text}\n".encode()


def _read_public(algorithm: str, data: bytes) -> PublicKey:
    try:
        if algorithm == "ed25519":
            public = serialization.load_pem_public_key(data)
            if not isinstance(public, Ed25519PublicKey):
                raise ValueError("not an Ed25519 key")
            raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
            return PublicKey(algorithm, raw.hex())
        text = data.decode().strip().lower()
        bytes.fromhex(text)
        return PublicKey(algorithm, text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ConfigurationError(f"检查点公钥文件无法读取（{algorithm}）：{exc}") from exc
