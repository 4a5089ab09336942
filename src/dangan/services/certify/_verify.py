"""Checking certified copies: the public view of one registered certificate, and the offline check of a
copy's file (its ledger proof and its PAdES signature) — apart from issuing, which is `_certificates`."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Sequence
from datetime import UTC
from pathlib import Path
from typing import Any

from cryptography import x509

from dangan.core import NotFound, Settings
from dangan.ledger import (
    CheckpointError,
    KeyStore,
    LedgerCorrupt,
    ProofError,
    PublicKey,
    inclusion_proof_at,
    latest_checkpoint,
    leaf_hash,
    verify_inclusion,
)
from dangan.services.archive import Archive, key_store, make_checkpoint
from dangan.store.crypto import signing_crls as store_signing_crls
from dangan.store.crypto import trusted_roots

from ._certificates import entry_body, get_certificate
from ._certify_pdf import ProofMissing, read_proof
from ._pades_check import check_pades
from ._proof_check import read_carried, trusted_checkpoint


def check_certificate(archive: Archive, certificate_id: str) -> dict[str, Any]:
    """The public view of a certificate and whether its ledger entry is under the latest signed checkpoint.

    Returns only what the verification page may show: no personal data of the record.
    """
    row = get_certificate(archive, certificate_id)
    problems: list[str] = []
    with archive.db.read() as s:
        cp = latest_checkpoint(s.connection())
    if cp is None or cp.tree_size <= row.leaf_index:
        cp = make_checkpoint(archive)
    try:
        body = entry_body(archive, row.leaf_index)
        detail = json.loads(body).get("detail", {})
        if detail.get("certificate_id") != row.id or detail.get("body_sha256") != row.body_sha256:
            problems.append("账本条目与证明登记不一致")
        with archive.db.read() as s:
            path = inclusion_proof_at(s.connection(), row.leaf_index, cp.tree_size)
        verify_inclusion(leaf_hash(body), row.leaf_index, cp.tree_size, path, cp.root)
    except (ProofError, LedgerCorrupt, NotFound, ValueError) as exc:
        problems.append(f"账本包含证明不成立：{exc}")
    if not trusted_checkpoint(cp, key_store(archive).public_keys()):
        problems.append("检查点签名不是本馆公钥签署的")
    return {
        "certificate_id": row.id,
        "issued_at": row.issued_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "issuer": row.issuer,
        "purpose": row.purpose,
        "archive": row.summary.get("fonds_name"),
        "fonds_code": row.summary.get("fonds_code"),
        "archival_code": row.summary.get("archival_code"),
        "title": row.summary.get("title"),
        "doc_number": row.summary.get("doc_number"),
        "decided_at": row.summary.get("decided_at"),
        "files": [{k: f[k] for k in ("name", "sha256", "size")} for f in row.summary.get("files", [])],
        "pdf_sha256": row.pdf_sha256,
        "leaf_index": row.leaf_index,
        "checkpoint": {
            "tree_size": cp.tree_size,
            "root": cp.root.hex(),
            "issued_at": cp.issued_at,
            "key_id": cp.key_id,
        },
        "valid": not problems,
        "problems": problems,
    }


def verify_certificate_file(
    pdf: bytes,
    keys: dict[str, PublicKey],
    roots: Sequence[x509.Certificate] | None = None,
    crls: Sequence[x509.CertificateRevocationList] = (),
) -> dict[str, Any]:
    """Offline check of a certificate PDF: its body hash, ledger entry, inclusion proof and checkpoint,
    and its PAdES signature (the signer's trust judged only when `roots` are given).

    Needs nothing but the file, the archive's public keys (``DATA/keys/ledger-*.pub``) and roots.
    ``proof_valid`` and ``pades.ok`` are the two halves; ``valid`` needs both where a signature is
    present or the ledger entry says the copy was signed (copies issued before signing need the proof).
    `crls` (see `signing_crls`) make a signature by a revoked certificate fail.
    """
    pades = check_pades(pdf, roots, crls=crls)
    problems: list[str] = []
    out: dict[str, Any] = {"pdf_sha256": hashlib.sha256(pdf).hexdigest()}
    try:
        proof = read_proof(pdf)
        carried = read_carried(proof, base64.b64decode(str(proof["entry"]), validate=True))
        length = int(proof["signed_length"])
    except (ProofMissing, KeyError, TypeError, ValueError, CheckpointError) as exc:
        problems = [f"无法读取证明：{exc}", *pades["problems"]]
        return out | {"valid": False, "proof_valid": False, "pades": pades, "problems": problems}
    out |= carried.summary()
    detail = carried.detail
    body_ok = length <= len(pdf) and hashlib.sha256(pdf[:length]).hexdigest() == detail.get("body_sha256")
    problems = carried.problems(keys, body_ok, "证明正文的 SHA-256 与账本登记不符：文件已被改动")
    proof_ok = not problems
    if pades["present"] or detail.get("signature") == "pades":
        problems += pades["problems"] if pades["present"] else ["PDF 数字签名已被移除（出证时已签名）"]
    return out | {"valid": not problems, "proof_valid": proof_ok, "pades": pades, "problems": problems}


def archive_keys(home: Path) -> dict[str, PublicKey]:
    """The published checkpoint keys in a data directory, without opening the catalogue."""
    return KeyStore(home / "keys").public_keys()


def signing_roots(settings: Settings) -> list[x509.Certificate]:
    """The roots a signature must chain to: the archive's own, plus DANGAN_TRUST_ROOTS."""
    return trusted_roots(settings.home / "keys", settings.trust_roots)


def signing_crls(settings: Settings) -> list[x509.CertificateRevocationList]:
    """The archive's CRLs (its local roots' and those imported from outside CAs), each verified
    against the CA that signed it; a damaged one raises rather than being skipped."""
    return store_signing_crls(settings.home / "keys", settings.trust_roots)
