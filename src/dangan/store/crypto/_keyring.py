"""The master keys an archive knows: the current one wraps new data keys, older ones still unwrap.

Where the master key comes from (never the data directory): the file named by `DANGAN_MASTER_KEY_FILE`,
or the key text in `DANGAN_MASTER_KEY` (for a KMS or secret manager that injects it). Losing every copy
of the master key makes every encrypted object unreadable: back it up apart from the data.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from dangan.core import ConfigurationError

from ._envelope import MasterKey, WrappedKey, new_data_key, unwrap_key, wrap_key


class KeyRing:
    def __init__(self, current: MasterKey, older: list[MasterKey] | None = None):
        self.current = current
        self._by_id = {k.key_id: k for k in [*(older or []), current]}

    def wrap(self, cipher: str) -> tuple[bytes, WrappedKey]:
        data_key = new_data_key(cipher)
        return data_key, wrap_key(self.current, cipher, data_key)

    def unwrap(self, wrapped: WrappedKey) -> bytes:
        master = self._by_id.get(wrapped.key_id)
        if master is None:
            raise ConfigurationError(f"缺少主密钥 {wrapped.key_id}，无法解密（请恢复该主密钥的备份）")
        return unwrap_key(master, wrapped)

    def rewrap(self, record: dict[str, str]) -> dict[str, str] | None:
        """The key record re-wrapped under the current master key, or None when it already is."""
        wrapped = WrappedKey.from_dict(record)
        if wrapped.key_id == self.current.key_id:
            return None
        new = wrap_key(self.current, wrapped.cipher, self.unwrap(wrapped))
        return {**record, **new.as_dict()}


def create_master_key_file(path: Path, key_id: str) -> MasterKey:
    """Write a new master key with owner-only permissions; refuses to overwrite an existing one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    key = MasterKey.generate(key_id)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(key.to_text())
        f.flush()
        os.fsync(f.fileno())
    return key


def load_keyring(path: Path, env_text: str | None, older_dir: Path | None = None) -> KeyRing:
    current = MasterKey.from_text(env_text) if env_text else MasterKey.load(path)
    older = []
    if older_dir and older_dir.is_dir():
        older = [MasterKey.load(p) for p in sorted(older_dir.glob("*.key"))]
    return KeyRing(current, older)


def key_record_bytes(record: dict[str, str]) -> bytes:
    return json.dumps(record, sort_keys=True).encode("ascii")
