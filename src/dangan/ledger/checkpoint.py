"""Signed tree heads ("checkpoints"): size, root and time, signed by the archive's key.

The signed bytes are the body of a C2SP ``tlog-checkpoint`` note (UTF-8, each line ending in ``\\n``)::

    <origin>
    <tree size, decimal>
    <root hash, standard base64>
    <issued at, UTC YYYY-MM-DDTHH:MM:SS.ffffffZ>

so a witness can check a checkpoint with the public key alone. In JSON a checkpoint is
``{"origin", "tree_size", "root" (hex), "issued_at", "algorithm", "key_id", "public_key", "signature"
(hex), "note"}`` where ``note`` is the signed text itself.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select, update

from dangan.core import DanganError

from .signing import PublicKey, Signer
from .tables import ledger_checkpoint


class CheckpointError(DanganError):
    code = "checkpoint_invalid"
    status = 422


def note_body(origin: str, tree_size: int, root: bytes, issued_at: str) -> bytes:
    if "\n" in origin or not origin:
        raise CheckpointError("检查点来源名不能为空或含换行")
    return f"{origin}\n{tree_size}\n{base64.b64encode(root).decode()}\n{issued_at}\n".encode()


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    tree_size: int
    root: bytes
    issued_at: str
    algorithm: str
    key_id: str
    public_key: str
    signature: bytes

    @property
    def note(self) -> bytes:
        return note_body(self.origin, self.tree_size, self.root, self.issued_at)

    def signed_by(self, key: PublicKey) -> bool:
        """True when `key` (a trusted key, not the one carried here) signed exactly this head."""
        return (
            key.algorithm == self.algorithm
            and key.key_id == self.key_id
            and key.verify(self.note, self.signature)
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "origin": self.origin,
            "tree_size": self.tree_size,
            "root": self.root.hex(),
            "issued_at": self.issued_at,
            "algorithm": self.algorithm,
            "key_id": self.key_id,
            "public_key": self.public_key,
            "signature": self.signature.hex(),
            "note": self.note.decode(),
        }

    @classmethod
    def from_json(cls, doc: Any) -> Checkpoint:
        try:
            cp = cls(
                origin=str(doc["origin"]),
                tree_size=int(doc["tree_size"]),
                root=bytes.fromhex(doc["root"]),
                issued_at=str(doc["issued_at"]),
                algorithm=str(doc["algorithm"]),
                key_id=str(doc["key_id"]),
                public_key=str(doc["public_key"]),
                signature=bytes.fromhex(doc["signature"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise CheckpointError(f"检查点格式不正确：{exc}") from None
        if cp.tree_size < 0:
            raise CheckpointError("检查点的树大小不能为负")
        return cp


def sign(signer: Signer, origin: str, tree_size: int, root: bytes, issued_at: str) -> Checkpoint:
    signature = signer.sign(note_body(origin, tree_size, root, issued_at))
    key = signer.public
    return Checkpoint(origin, tree_size, root, issued_at, key.algorithm, key.key_id, key.text, signature)


_COLUMNS = (
    ledger_checkpoint.c.origin,
    ledger_checkpoint.c.tree_size,
    ledger_checkpoint.c.root,
    ledger_checkpoint.c.issued_at,
    ledger_checkpoint.c.algorithm,
    ledger_checkpoint.c.key_id,
    ledger_checkpoint.c.public_key,
    ledger_checkpoint.c.signature,
)


def _row(row: Any) -> Checkpoint:
    o, n, r, at, alg, kid, pub, sig = row
    return Checkpoint(str(o), int(n), bytes(r), str(at), str(alg), str(kid), str(pub), bytes(sig))


def save(conn: Connection, cp: Checkpoint) -> None:
    values = cp.as_json() | {"root": cp.root, "signature": cp.signature}
    values.pop("note")
    conn.execute(ledger_checkpoint.insert().values(**values))


def latest(conn: Connection) -> Checkpoint | None:
    row = conn.execute(select(*_COLUMNS).order_by(ledger_checkpoint.c.tree_size.desc()).limit(1)).first()
    return None if row is None else _row(row)


def at_size(conn: Connection, tree_size: int) -> Checkpoint | None:
    row = conn.execute(select(*_COLUMNS).where(ledger_checkpoint.c.tree_size == tree_size)).first()
    return None if row is None else _row(row)


def all_checkpoints(conn: Connection) -> list[Checkpoint]:
    return [_row(r) for r in conn.execute(select(*_COLUMNS).order_by(ledger_checkpoint.c.tree_size))]


def mark_witnessed(conn: Connection, tree_size: int, at: str) -> None:
    conn.execute(
        update(ledger_checkpoint).where(ledger_checkpoint.c.tree_size == tree_size).values(witnessed_at=at)
    )


def last_witnessed(conn: Connection) -> Checkpoint | None:
    row = conn.execute(
        select(*_COLUMNS)
        .where(ledger_checkpoint.c.witnessed_at.is_not(None))
        .order_by(ledger_checkpoint.c.tree_size.desc())
        .limit(1)
    ).first()
    return None if row is None else _row(row)
