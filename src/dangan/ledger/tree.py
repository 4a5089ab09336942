"""Node arithmetic that lets a stored log answer proofs in O(log n): which subtrees a proof is made of.

Every hash in an RFC 9162 proof is the hash of a node of the tree, a leaf range ``[a, b)`` with ``a``
aligned to the largest power of two <= ``b - a``. Such a range splits into *perfect* subtrees (one per
set bit of ``b - a``, largest first), each named ``(level, index)``: leaves ``[index * 2**level,
(index + 1) * 2**level)``. A perfect subtree never changes once its last leaf is appended, so the log
stores each one exactly once (with the leaf that completes it) and folds them back into any proof.

`CompactRange` is the right border of the tree (one perfect subtree per set bit of the size): appending a
leaf merges it with the equal-sized subtrees to its left, which yields the newly completed nodes and,
folded, the current root. Amortised one new node per leaf.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from .merkle import EMPTY_ROOT, HASH_SIZE, node_hash

NodeKey = tuple[int, int]  # (level, index)


def _split(n: int) -> int:
    return 1 << ((n - 1).bit_length() - 1)


def inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """The leaf ranges whose hashes form PATH(index, D_size), bottom up."""
    if not 0 <= index < size:
        raise ValueError(f"leaf index {index} outside a tree of {size} leaves")
    out: list[tuple[int, int]] = []
    lo, hi = 0, size
    while hi - lo > 1:
        k = _split(hi - lo)
        if index < lo + k:
            out.append((lo + k, hi))
            hi = lo + k
        else:
            out.append((lo, lo + k))
            lo += k
    out.reverse()
    return out


def consistency_ranges(size1: int, size2: int) -> list[tuple[int, int]]:
    """The leaf ranges whose hashes form PROOF(size1, D_size2) (empty when the sizes are equal)."""
    if not 0 < size1 <= size2:
        raise ValueError(f"no consistency proof from size {size1} to size {size2}")
    out: list[tuple[int, int]] = []
    lo, hi, whole = 0, size2, True
    while size1 != hi:
        k = _split(hi - lo)
        if size1 <= lo + k:
            out.append((lo + k, hi))
            hi = lo + k
        else:
            out.append((lo, lo + k))
            lo, whole = lo + k, False
    if not whole:
        out.append((lo, hi))
    out.reverse()
    return out


def perfect_parts(start: int, end: int) -> list[NodeKey]:
    """The perfect subtrees making up the node ``[start, end)``, largest (leftmost) first."""
    parts: list[NodeKey] = []
    for level in range((end - start).bit_length() - 1, -1, -1):
        if (end - start) >> level & 1:
            parts.append((level, start >> level))
            start += 1 << level
    return parts


def fold(hashes: Sequence[bytes]) -> bytes:
    """Hash of a node from its perfect parts (left to right): the right border folds right to left."""
    if not hashes:
        return EMPTY_ROOT
    acc = hashes[-1]
    for h in reversed(hashes[:-1]):
        acc = node_hash(h, acc)
    return acc


def completing_leaf(key: NodeKey) -> int:
    """Index of the leaf whose append completes the perfect subtree `key`."""
    level, index = key
    return ((index + 1) << level) - 1


def proof_from_nodes(
    ranges: Sequence[tuple[int, int]], lookup: Callable[[Iterable[NodeKey]], dict[NodeKey, bytes]]
) -> list[bytes]:
    """Hashes of `ranges`, fetching all perfect parts in one `lookup` call."""
    parts = [perfect_parts(a, b) for a, b in ranges]
    nodes = lookup({key for p in parts for key in p})
    return [fold([nodes[key] for key in p]) for p in parts]


@dataclass
class CompactRange:
    """The perfect subtrees covering leaves ``[0, size)``, largest first."""

    size: int = 0
    hashes: list[bytes] = field(default_factory=list)

    @classmethod
    def from_bytes(cls, size: int, blob: bytes) -> CompactRange:
        count = size.bit_count()
        if size < 0 or len(blob) != count * HASH_SIZE:
            raise ValueError(f"a compact range of size {size} has {count} hashes, not {len(blob)} bytes")
        return cls(size, [blob[i * HASH_SIZE : (i + 1) * HASH_SIZE] for i in range(count)])

    def to_bytes(self) -> bytes:
        return b"".join(self.hashes)

    def append(self, leaf: bytes) -> list[bytes]:
        """Add one leaf; return the nodes it completes, level 1 upwards (level l has index (size>>l)-1)."""
        completed: list[bytes] = []
        node, n, level = leaf, self.size, 0
        while n >> level & 1:
            node = node_hash(self.hashes.pop(), node)
            completed.append(node)
            level += 1
        self.hashes.append(node)
        self.size += 1
        return completed

    def root(self) -> bytes:
        return fold(self.hashes)
