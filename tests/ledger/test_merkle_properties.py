"""Property tests: proofs made for random trees verify; any changed byte of a proof, root or leaf fails.

Also: the stored-node way of making proofs (`ledger.tree`, used by the log) gives exactly the proofs of
the RFC's recursive definitions, and the compact range gives the RFC root.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dangan.ledger import merkle
from dangan.ledger.tree import (
    CompactRange,
    NodeKey,
    completing_leaf,
    consistency_ranges,
    inclusion_ranges,
    proof_from_nodes,
)

leaves_st = st.lists(st.binary(max_size=40), min_size=1, max_size=300)


def _hashes(data: list[bytes]) -> list[bytes]:
    return [merkle.leaf_hash(d) for d in data]


def _flip(value: bytes, pos: int, mask: int) -> bytes:
    b = bytearray(value)
    b[pos % len(b)] ^= mask
    return bytes(b)


@st.composite
def tree_and_index(draw: st.DrawFn) -> tuple[list[bytes], int]:
    hashes = _hashes(draw(leaves_st))
    return hashes, draw(st.integers(0, len(hashes) - 1))


@st.composite
def tree_and_size1(draw: st.DrawFn) -> tuple[list[bytes], int]:
    hashes = _hashes(draw(leaves_st))
    return hashes, draw(st.integers(1, len(hashes)))


mutation = st.tuples(st.integers(0, 10_000), st.integers(0, 10_000), st.integers(1, 255))


@settings(max_examples=300, deadline=None)
@given(tree_and_index(), mutation, st.sampled_from(["proof", "root", "leaf"]))
def test_inclusion_proofs_verify_and_any_changed_byte_fails(
    case: tuple[list[bytes], int], mut: tuple[int, int, int], target: str
) -> None:
    hashes, index = case
    n, tree_root = len(hashes), merkle.root(hashes)
    proof = merkle.inclusion_proof(index, hashes)
    merkle.verify_inclusion(hashes[index], index, n, proof, tree_root)

    which, pos, mask = mut
    leaf, root = hashes[index], tree_root
    if target == "proof" and proof:
        proof = list(proof)
        proof[which % len(proof)] = _flip(proof[which % len(proof)], pos, mask)
    elif target == "root":
        root = _flip(root, pos, mask)
    else:
        leaf = _flip(leaf, pos, mask)
    with pytest.raises(merkle.ProofError):
        merkle.verify_inclusion(leaf, index, n, proof, root)


@settings(max_examples=300, deadline=None)
@given(tree_and_size1(), mutation, st.sampled_from(["proof", "root1", "root2"]))
def test_consistency_proofs_verify_and_any_changed_byte_fails(
    case: tuple[list[bytes], int], mut: tuple[int, int, int], target: str
) -> None:
    hashes, m = case
    n = len(hashes)
    root1, root2 = merkle.root(hashes[:m]), merkle.root(hashes)
    proof = merkle.consistency_proof(m, hashes)
    merkle.verify_consistency(m, n, root1, root2, proof)

    which, pos, mask = mut
    if target == "proof" and proof:
        proof = list(proof)
        proof[which % len(proof)] = _flip(proof[which % len(proof)], pos, mask)
    elif target == "root2":
        root2 = _flip(root2, pos, mask)
    else:
        root1 = _flip(root1, pos, mask)
    with pytest.raises(merkle.ProofError):
        merkle.verify_consistency(m, n, root1, root2, proof)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.binary(max_size=40), min_size=1, max_size=300, unique=True), st.data())
def test_a_proof_for_another_leaf_index_fails(data_: list[bytes], data: st.DataObject) -> None:
    hashes = _hashes(data_)  # distinct leaves: two equal leaves share their proofs, rightly
    index = data.draw(st.integers(0, len(hashes) - 1))
    n, tree_root = len(hashes), merkle.root(hashes)
    proof = merkle.inclusion_proof(index, hashes)
    # (Another tree size can accept the same hashes: the size is bound by the signed checkpoint.)
    if n > 1:
        other = (index + 1) % n
        with pytest.raises(merkle.ProofError):
            merkle.verify_inclusion(hashes[index], other, n, proof, tree_root)


def _stored(hashes: list[bytes]) -> dict[NodeKey, bytes]:
    """What the log stores: every leaf and every completed perfect subtree, keyed by (level, index)."""
    nodes: dict[NodeKey, bytes] = {}
    cr = CompactRange()
    for i, h in enumerate(hashes):
        nodes[(0, i)] = h
        for level, node in enumerate(cr.append(h), start=1):
            key = (level, (i + 1 >> level) - 1)
            assert completing_leaf(key) == i
            nodes[key] = node
        assert cr.root() == merkle.root(hashes[: i + 1])
        assert CompactRange.from_bytes(cr.size, cr.to_bytes()) == cr
    return nodes


@settings(max_examples=150, deadline=None)
@given(tree_and_index(), st.data())
def test_stored_node_proofs_equal_the_rfc_definitions(
    case: tuple[list[bytes], int], data: st.DataObject
) -> None:
    hashes, index = case
    n = len(hashes)
    size = data.draw(st.integers(index + 1, n))  # a proof against an older tree head, as for a checkpoint
    nodes = _stored(hashes)

    def lookup(keys: Iterable[NodeKey]) -> dict[NodeKey, bytes]:
        return {k: nodes[k] for k in keys}

    assert proof_from_nodes(inclusion_ranges(index, size), lookup) == merkle.inclusion_proof(
        index, hashes[:size]
    )
    m = data.draw(st.integers(1, size))
    assert proof_from_nodes(consistency_ranges(m, size), lookup) == merkle.consistency_proof(m, hashes[:size])


def test_leaf_and_node_hashes_use_the_rfc_prefixes() -> None:
    assert merkle.leaf_hash(b"x") == hashlib.sha256(b"\x00x").digest()
    assert merkle.node_hash(b"a", b"b") == hashlib.sha256(b"\x01ab").digest()
    with pytest.raises(ValueError):
        merkle.consistency_proof(0, [merkle.leaf_hash(b"")])
    with pytest.raises(ValueError):
        merkle.inclusion_proof(1, [merkle.leaf_hash(b"")])
