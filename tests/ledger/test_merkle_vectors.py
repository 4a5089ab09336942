"""Every shared Merkle vector gives its expected verdict (transparency-dev testdata + RFC 6962 basics).

The four vectors where a lenient reading of RFC 9162 could accept but the strict one rejects
(consistency from size 0 ×3, zero-length hashes ×1; see vectors/merkle/README.md) are expected to be
rejected: `dangan.ledger.merkle` is strict, and its module docstring says why.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from dangan.ledger import merkle
from tests.conftest import VECTORS

MERKLE = VECTORS / "merkle"
TESTDATA = MERKLE / "transparency-dev-merkle-testdata"
BASICS = json.loads((MERKLE / "rfc6962_basics.json").read_text(encoding="utf-8"))
STRICT_POLICY_CASES = {
    "consistency/additional/size1-is-zero-and-does-not-equal-size2.json",
    "consistency/additional/size1-is-zero-and-size2-is-not-zero.json",
    "consistency/additional/sizes-are-equal-zero-and-proof-is-empty.json",
    "inclusion/single-entry/empty-root-and-leaf.json",
}


def _vectors() -> list[str]:
    return sorted(str(p.relative_to(TESTDATA)) for p in TESTDATA.rglob("*.json"))


def _b(value: str) -> bytes:
    return base64.b64decode(value)


def _proof(v: dict[str, Any]) -> list[bytes]:
    return [_b(p) for p in v["proof"] or []]


def _check(kind: str, v: dict[str, Any]) -> None:
    if kind == "inclusion":
        merkle.verify_inclusion(_b(v["leafHash"]), v["leafIdx"], v["treeSize"], _proof(v), _b(v["root"]))
    elif kind == "consistency":
        merkle.verify_consistency(v["size1"], v["size2"], _b(v["root1"]), _b(v["root2"]), _proof(v))
    elif kind == "subtreeinclusion":
        merkle.verify_subtree_inclusion(
            _b(v["leafHash"]), v["leafIdx"], v["start"], v["end"], _proof(v), _b(v["root"])
        )
    else:
        merkle.verify_subtree_consistency(
            v["start"], v["end"], v["size"], _b(v["root1"]), _b(v["root2"]), _proof(v)
        )


def test_the_whole_bundle_is_read() -> None:
    names = _vectors()
    assert len(names) == 518
    bundle = json.loads((MERKLE / "transparency-dev-merkle-vectors-bundle.json").read_text(encoding="utf-8"))
    assert sorted(bundle["vectors"]) == names  # the same data keyed by path; both copies must agree
    for name in names:
        assert bundle["vectors"][name] == json.loads((TESTDATA / name).read_text(encoding="utf-8"))
    assert set(names) >= STRICT_POLICY_CASES


@pytest.mark.parametrize("name", _vectors())
def test_transparency_dev_vector(name: str) -> None:
    v = json.loads((TESTDATA / name).read_text(encoding="utf-8"))
    kind = Path(name).parts[0]
    if v["wantErr"]:
        with pytest.raises(merkle.ProofError):
            _check(kind, v)
    else:
        _check(kind, v)


def test_hasher_vectors() -> None:
    for v in BASICS["hasher_vectors"]:
        want = bytes.fromhex(v["want"])
        if "left_hex" in v:
            assert merkle.node_hash(bytes.fromhex(v["left_hex"]), bytes.fromhex(v["right_hex"])) == want
        elif "leaf_hex" in v:
            assert merkle.leaf_hash(bytes.fromhex(v["leaf_hex"])) == want
        else:
            assert merkle.root([]) == want == merkle.EMPTY_ROOT


def test_rfc6962_test_tree_roots_and_all_proofs() -> None:
    leaves = [merkle.leaf_hash(bytes.fromhex(x)) for x in BASICS["standard_tree_leaves_hex"]]
    for size, want in BASICS["roots_by_tree_size_hex"].items():
        n = int(size)
        tree_root = merkle.root(leaves[:n])
        assert tree_root.hex() == want
        for i in range(n):
            merkle.verify_inclusion(leaves[i], i, n, merkle.inclusion_proof(i, leaves[:n]), tree_root)
        for m in range(1, n + 1):
            proof = merkle.consistency_proof(m, leaves[:n])
            merkle.verify_consistency(m, n, merkle.root(leaves[:m]), tree_root, proof)
