"""Full verification of the stored log, in one streaming pass with bounded memory.

Truth is the entry bytes: each is re-hashed, and the tree is rebuilt from those hashes (a compact range,
so memory stays O(log n)). Against it are checked: each stored leaf hash and stored node, the head row,
every checkpoint (root at its size, signature by a trusted key, consistency with the next one) and any
outside copies (a witness's latest checkpoint). A problem names its kind and where it is.

A change explains the mismatches above it (every node covering an edited leaf differs too), so a node
mismatch is reported only where no earlier problem already covers its leaves.
"""

from __future__ import annotations

import bisect
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from sqlalchemy import Connection

from .checkpoint import Checkpoint, all_checkpoints
from .log import LedgerCorrupt, consistency_proof_at, head, scan
from .merkle import HASH_SIZE, ProofError, leaf_hash, verify_consistency
from .signing import PublicKey
from .tree import CompactRange, perfect_parts


@dataclass(frozen=True)
class LedgerProblem:
    kind: str
    where: str
    message: str

    def as_json(self) -> dict[str, str]:
        return {"kind": self.kind, "where": self.where, "message": self.message}


@dataclass
class LogReport:
    size: int = 0
    root: bytes = b""
    checkpoints: int = 0
    problems: list[LedgerProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, kind: str, where: str, message: str) -> None:
        self.problems.append(LedgerProblem(kind, where, message))


class _Explained:
    """Leaf ranges already reported, so the nodes above them are not reported again."""

    def __init__(self) -> None:
        self.starts: list[int] = []

    def add(self, start: int) -> None:
        bisect.insort(self.starts, start)

    def covers(self, start: int, end: int) -> bool:
        i = bisect.bisect_left(self.starts, start)
        return i < len(self.starts) and self.starts[i] < end


def _check_columns(report: LogReport, index: int, body: bytes, columns: tuple[Any, Any, Any]) -> None:
    try:
        doc = json.loads(body)
        declared = (doc.get("kind"), doc.get("record_id"), doc.get("event_id"))
    except (ValueError, AttributeError):
        report.add("entry_unreadable", f"ledger_entry[{index}]", f"第 {index} 条账本条目不是合法的 JSON")
        return
    if declared != columns:
        report.add(
            "entry_column_mismatch",
            f"ledger_entry[{index}]",
            f"第 {index} 条账本条目的索引列（类型、档案、事件）与条目内容不符",
        )


def _check_checkpoint(
    report: LogReport, label: str, cp: Checkpoint, root: bytes, keys: dict[str, PublicKey]
) -> None:
    where = f"{label}@{cp.tree_size}"
    key = keys.get(cp.key_id)
    if key is None:
        report.add(
            "checkpoint_key_unknown", where, f"检查点（大小 {cp.tree_size}）由未知密钥 {cp.key_id} 签名"
        )
    elif not cp.signed_by(key):
        report.add("checkpoint_signature_invalid", where, f"检查点（大小 {cp.tree_size}）的签名无效")
    if cp.root != root:
        report.add(
            "checkpoint_root_mismatch",
            where,
            f"检查点（大小 {cp.tree_size}）的树根与按账本条目重算的树根不符",
        )


def _check_chain(conn: Connection, report: LogReport, chain: list[Checkpoint]) -> None:
    """Each checkpoint is consistent with the next: RFC 9162 proof from stored nodes, checked."""
    for prev, nxt in pairwise(chain):
        if prev.issued_at > nxt.issued_at:
            report.add(
                "checkpoint_order",
                f"checkpoint@{nxt.tree_size}",
                f"检查点（大小 {nxt.tree_size}）的时间早于更小的检查点（大小 {prev.tree_size}）",
            )
        if prev.tree_size == 0:
            continue
        try:
            proof = consistency_proof_at(conn, prev.tree_size, nxt.tree_size)
            verify_consistency(prev.tree_size, nxt.tree_size, prev.root, nxt.root, proof)
        except (ProofError, LedgerCorrupt, ValueError):
            report.add(
                "checkpoint_inconsistent",
                f"checkpoint@{prev.tree_size}->{nxt.tree_size}",
                f"检查点 {prev.tree_size} 与 {nxt.tree_size} 之间没有有效的一致性证明",
            )


def _check_head(
    report: LogReport, stored: CompactRange, rebuilt: CompactRange, explained: _Explained
) -> None:
    """The head row's right border, part by part; a part over an already reported change is explained."""
    if stored.size != rebuilt.size:
        report.add(
            "head_mismatch", "ledger_head", f"账本头记录的大小 {stored.size} 与条目数 {rebuilt.size} 不符"
        )
        return
    for (level, index), mine, theirs in zip(
        perfect_parts(0, rebuilt.size), rebuilt.hashes, stored.hashes, strict=True
    ):
        start = index << level
        if mine != theirs and not explained.covers(start, start + (1 << level)):
            report.add(
                "head_mismatch", "ledger_head", f"账本头记录中第 {start} 条起的子树哈希与条目重算的结果不符"
            )


def verify_log(
    conn: Connection,
    keys: dict[str, PublicKey],
    outside: Iterable[tuple[str, Checkpoint]] = (),
    batch: int = 5000,
) -> LogReport:
    """Check the whole log; `outside` are (label, checkpoint) copies held elsewhere, e.g. by a witness."""
    report = LogReport()
    stored_head = head(conn)
    chain = all_checkpoints(conn)
    due: dict[int, list[tuple[str, Checkpoint]]] = defaultdict(list)
    for cp in chain:
        due[cp.tree_size].append(("checkpoint", cp))
    for label, cp in outside:
        due[cp.tree_size].append((label, cp))
    for label, cp in due.pop(0, []):
        _check_checkpoint(report, label, cp, CompactRange().root(), keys)

    cr, explained = CompactRange(), _Explained()
    for index, body, stored_leaf, nodes, *columns in scan(conn, batch=batch, columns=True):
        if index != cr.size:
            report.add("entry_missing", f"ledger_entry[{cr.size}]", f"账本缺少第 {cr.size}–{index - 1} 条")
            break
        computed = leaf_hash(body)
        if computed != stored_leaf:
            report.add(
                "entry_hash_mismatch",
                f"ledger_entry[{index}]",
                f"第 {index} 条账本条目的内容与其叶子哈希不符",
            )
            explained.add(index)
        _check_columns(report, index, body, (columns[0], columns[1], columns[2]))
        completed = cr.append(computed)
        for level, node in enumerate(completed, start=1):
            start = index + 1 - (1 << level)
            if nodes[(level - 1) * HASH_SIZE : level * HASH_SIZE] != node and not explained.covers(
                start, index + 1
            ):
                report.add(
                    "node_mismatch",
                    f"ledger_entry[{start}..{index}]",
                    f"第 {start}–{index} 条账本条目与写入时记下的树节点不符（其中有条目被改动过）",
                )
                explained.add(start)
        if len(nodes) != len(completed) * HASH_SIZE and not explained.covers(index, index + 1):
            report.add(
                "node_mismatch", f"ledger_entry[{index}]", f"第 {index} 条账本条目记下的树节点数目不对"
            )
        for label, cp in due.pop(cr.size, []):
            _check_checkpoint(report, label, cp, cr.root(), keys)

    report.size, report.root, report.checkpoints = cr.size, cr.root(), len(chain)
    _check_head(report, stored_head, cr, explained)
    for size, items in sorted(due.items()):
        for label, _cp in items:
            report.add(
                "checkpoint_beyond_log", f"{label}@{size}", f"检查点大小 {size} 超出了账本的条目数 {cr.size}"
            )
    _check_chain(conn, report, chain)
    return report
