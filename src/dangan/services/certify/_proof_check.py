"""The ledger half of a certified copy, checked offline the same way whatever the file's format.

A copy carries its `certify` ledger entry, the RFC 9162 inclusion path to a checkpoint and that signed
checkpoint (in the PDF's metadata, or in an OFD attachment); the format decides only how the entry is
read out and what "the content the entry registered" is.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from dangan.ledger import Checkpoint, ProofError, PublicKey, leaf_hash, verify_inclusion


def trusted_checkpoint(cp: Checkpoint, keys: dict[str, PublicKey]) -> bool:
    key = keys.get(cp.key_id)
    return key is not None and cp.signed_by(key)


@dataclass(frozen=True)
class CarriedProof:
    """What a copy carries, read; `read_carried` raises KeyError, TypeError, ValueError or
    CheckpointError on a damaged or missing proof."""

    proof: dict[str, Any]
    body: bytes  # the ledger entry's canonical bytes
    entry: dict[str, Any]
    detail: dict[str, Any]
    checkpoint: Checkpoint
    index: int
    size: int
    path: list[bytes]

    def summary(self) -> dict[str, Any]:
        """The fields every verification report shows of the proof."""
        return {
            "certificate_id": self.detail.get("certificate_id"),
            "record_id": self.entry.get("record_id"),
            "issued_at": self.entry.get("at"),
            "issuer": self.detail.get("issuer"),
            "files": self.detail.get("files", []),
            "leaf_index": self.index,
            "tree_size": self.size,
            "checkpoint_issued_at": self.checkpoint.issued_at,
        }

    def problems(self, keys: dict[str, PublicKey], content_matches: bool, content_problem: str) -> list[str]:
        """Why the proof does not hold (empty when it does): the entry is this copy's `certify` entry,
        the content is what it registered, the path leads to the checkpoint's root, the checkpoint is
        signed by one of the archive's keys."""
        problems: list[str] = []
        if self.entry.get("kind") != "certify" or self.detail.get("certificate_id") != self.proof.get(
            "certificate_id"
        ):
            problems.append("账本条目不是这份证明的出证记录")
        if not content_matches:
            problems.append(content_problem)
        cp = self.checkpoint
        if (self.size, cp.root.hex()) != (cp.tree_size, str(self.proof.get("root"))):
            problems.append("证明与检查点的树大小或树根不一致")
        try:
            verify_inclusion(leaf_hash(self.body), self.index, self.size, self.path, cp.root)
        except ProofError as exc:
            problems.append(f"包含证明不成立：{exc}")
        if not trusted_checkpoint(cp, keys):
            problems.append("检查点签名无法用本馆公钥验证")
        return problems


def read_carried(proof: dict[str, Any], body: bytes) -> CarriedProof:
    entry = json.loads(body)
    return CarriedProof(
        proof=proof,
        body=body,
        entry=entry,
        detail=entry["detail"],
        checkpoint=Checkpoint.from_json(proof["checkpoint"]),
        index=int(proof["leaf_index"]),
        size=int(proof["tree_size"]),
        path=[bytes.fromhex(h) for h in proof["proof"]],
    )
