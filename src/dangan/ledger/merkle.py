"""Merkle tree maths of RFC 9162 §2.1 (= RFC 6962 §2.1): pure functions, no storage.

Hashing: SHA-256; a leaf is ``SHA-256(0x00 || data)``, an interior node ``SHA-256(0x01 || left || right)``,
the empty tree ``SHA-256("")``; a tree of n > 1 leaves splits at k, the largest power of two below n.

Proofs are *made* here by the recursive definitions of RFC 9162 §2.1.3.1 / §2.1.4.1 (simple, O(n); the
log in `dangan.ledger.log` makes the same proofs in O(log n) from stored subtree hashes) and *checked*
by the iterative algorithms of §2.1.3.2 / §2.1.4.2, which is what an outside verifier runs.

Verification is strict where the RFC leaves room (the four "policy" cases of the shared vectors):

* a consistency proof from size 0 is rejected, even between two empty trees: RFC 9162 defines
  consistency proofs only for ``0 < first <= second``, and a proof "from nothing" proves nothing, so
  accepting it would let a caller believe it checked something (transparency-dev rejects it too);
* a leaf hash or proof element that is not exactly 32 bytes is rejected: RFC 9162 nodes are SHA-256
  outputs, so a zero-length "hash" can only be a malformed input, even where the arithmetic would let
  it compare equal to an equally malformed root.

Roots are compared, not length-checked: a root of the wrong length can never equal a computed hash, and
for ``size1 == size2`` the RFC check is root equality alone.

The subtree proofs (`verify_subtree_inclusion`, `verify_subtree_consistency`) are the extension of the
IETF Merkle Tree Certificates draft: a proof about the subtree ``[start, end)`` (``start`` a multiple of
the smallest power of two >= ``end - start``). A subtree consistency proof is the RFC consistency proof
between the subtree and the node that encloses it, followed by that node's inclusion path.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence

from dangan.core import DanganError

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "ProofError",
    "consistency_proof",
    "inclusion_proof",
    "leaf_hash",
    "node_hash",
    "root",
    "verify_consistency",
    "verify_inclusion",
    "verify_subtree_consistency",
    "verify_subtree_inclusion",
]

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()


class ProofError(DanganError):
    """A Merkle proof does not check out (or its arguments make no sense)."""

    code = "proof_invalid"
    status = 422


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """k of RFC 9162: the largest power of two strictly less than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def root(leaf_hashes: Sequence[bytes]) -> bytes:
    """MTH of RFC 9162 §2.1.1, bottom-up: pairing left to right and lifting an odd last node is the same
    left-balanced tree as the recursive split at k."""
    level = list(leaf_hashes)
    if not level:
        return EMPTY_ROOT
    while len(level) > 1:
        paired = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0]


def _path(m: int, hashes: Sequence[bytes]) -> list[bytes]:
    n = len(hashes)
    if n <= 1:
        return []
    k = _split(n)
    if m < k:
        return [*_path(m, hashes[:k]), root(hashes[k:])]
    return [*_path(m - k, hashes[k:]), root(hashes[:k])]


def inclusion_proof(index: int, leaf_hashes: Sequence[bytes]) -> list[bytes]:
    """PATH(index, D_n) of RFC 9162 §2.1.3.1: the audit path of leaf `index`, bottom up."""
    if not 0 <= index < len(leaf_hashes):
        raise ValueError(f"leaf index {index} outside a tree of {len(leaf_hashes)} leaves")
    return _path(index, leaf_hashes)


def _subproof(m: int, hashes: Sequence[bytes], whole: bool) -> list[bytes]:
    n = len(hashes)
    if m == n:
        return [] if whole else [root(hashes)]
    k = _split(n)
    if m <= k:
        return [*_subproof(m, hashes[:k], whole), root(hashes[k:])]
    return [*_subproof(m - k, hashes[k:], False), root(hashes[:k])]


def consistency_proof(size1: int, leaf_hashes: Sequence[bytes]) -> list[bytes]:
    """PROOF(size1, D_n) of RFC 9162 §2.1.4.1; empty when size1 == n (nothing to prove)."""
    if not 0 < size1 <= len(leaf_hashes):
        raise ValueError(f"no consistency proof from size {size1} to size {len(leaf_hashes)}")
    return _subproof(size1, leaf_hashes, True)


def _fail(message: str) -> ProofError:
    return ProofError(message)


def _check_elements(proof: Sequence[bytes]) -> None:
    if any(len(p) != HASH_SIZE for p in proof):
        raise _fail("证明中的哈希长度不是 32 字节")


def _root_from_inclusion(seed: bytes, index: int, size: int, proof: Sequence[bytes]) -> bytes:
    """Steps 1-5 of RFC 9162 §2.1.3.2, returning r (the caller compares it with the root)."""
    if index < 0 or index >= size:
        raise _fail(f"叶子序号 {index} 不在大小为 {size} 的树内")
    fn, sn, r = index, size - 1, seed
    for p in proof:
        if sn == 0:
            raise _fail("包含证明过长")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise _fail("包含证明过短")
    return r


def _consistency_walk(m: int, n: int, first: bytes, proof: Sequence[bytes]) -> tuple[bytes, bytes, int]:
    """Steps 1-6 of RFC 9162 §2.1.4.2 for 0 < m < n, stopping when sn reaches 0.

    Returns (fr, sr, number of proof elements used); the caller decides what may follow them.
    """
    if not proof:
        raise _fail("一致性证明为空")
    prepended = 1 if m & (m - 1) == 0 else 0
    path = [first, *proof] if prepended else list(proof)
    fn, sn = m - 1, n - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    i = 1
    while sn:
        if i >= len(path):
            raise _fail("一致性证明过短")
        c = path[i]
        i += 1
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr, sr, i - prepended


def _same(a: bytes, b: bytes) -> bool:
    return hmac.compare_digest(a, b)


def verify_inclusion(leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes) -> None:
    """Raise `ProofError` unless `proof` shows `leaf_hash` at `index` in the tree of `size` with `root`."""
    if len(leaf_hash) != HASH_SIZE:
        raise _fail("叶子哈希长度不是 32 字节")
    _check_elements(proof)
    if not _same(_root_from_inclusion(leaf_hash, index, size, proof), root):
        raise _fail("包含证明与树根不符")


def verify_consistency(size1: int, size2: int, root1: bytes, root2: bytes, proof: Sequence[bytes]) -> None:
    """Raise `ProofError` unless the tree of `size2`/`root2` extends the tree of `size1`/`root1`."""
    if size1 <= 0:
        raise _fail("不能证明与空树的一致性（RFC 9162 要求 0 < size1）")
    if size2 < size1:
        raise _fail(f"树不能变小：{size1} → {size2}")
    _check_elements(proof)
    if size1 == size2:
        if proof:
            raise _fail("两树大小相同，一致性证明应为空")
        if not _same(root1, root2):
            raise _fail("两树大小相同而树根不同")
        return
    fr, sr, used = _consistency_walk(size1, size2, root1, proof)
    if used != len(proof):
        raise _fail("一致性证明过长")
    if not (_same(fr, root1) and _same(sr, root2)):
        raise _fail("一致性证明与树根不符")


def _valid_subtree(start: int, end: int) -> bool:
    return 0 <= start < end and start % (1 << (end - start - 1).bit_length()) == 0


def verify_subtree_inclusion(
    leaf_hash: bytes, index: int, start: int, end: int, proof: Sequence[bytes], root: bytes
) -> None:
    """Inclusion of leaf `index` in the subtree ``[start, end)`` whose hash is `root`."""
    if not _valid_subtree(start, end):
        raise _fail(f"[{start}, {end}) 不是合法子树")
    if not start <= index < end:
        raise _fail(f"叶子序号 {index} 不在子树 [{start}, {end}) 内")
    verify_inclusion(leaf_hash, index - start, end - start, proof, root)


def verify_subtree_consistency(
    start: int, end: int, size: int, root1: bytes, root2: bytes, proof: Sequence[bytes]
) -> None:
    """The subtree ``[start, end)`` with hash `root1` is part of the tree of `size` with root `root2`."""
    if start == end:
        # The empty subtree is part of every tree; only its own hash (SHA-256 of nothing) can be wrong.
        if start > size or proof or not _same(root1, EMPTY_ROOT):
            raise _fail("空子树的一致性证明无效")
        return
    if not _valid_subtree(start, end):
        raise _fail(f"[{start}, {end}) 不是合法子树")
    if end > size:
        raise _fail(f"子树 [{start}, {end}) 超出大小为 {size} 的树")
    _check_elements(proof)
    height = (end - start - 1).bit_length()  # the enclosing node covers [start, start + 2**height)
    m, n = end - start, min(1 << height, size - start)
    if m == n:
        grown, rest = root1, proof
    else:
        fr, grown, used = _consistency_walk(m, n, root1, proof)
        if not _same(fr, root1):
            raise _fail("一致性证明与子树哈希不符")
        rest = proof[used:]
    computed = _root_from_inclusion(grown, start >> height, ((size - 1) >> height) + 1, rest)
    if not _same(computed, root2):
        raise _fail("一致性证明与树根不符")
