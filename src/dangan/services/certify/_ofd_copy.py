"""Certified copies issued as OFD with the archive's electronic seal, and their offline verification.

The same copy as the PDF (same cover, same pages, same ledger event), in the container Chinese offices
read: issuing drafts the certified PDF exactly as the PDF path does, renders its pages into an OFD
container, and registers the container's *content digest* (every part but the proof and the
signature, see `content_digest`) as the body in the ``certify`` ledger event. The inclusion proof and
the signed checkpoint then go into the container as an attachment, and the seal — an SES signature
whose references cover every part, the proof included — is applied last. So the two halves check
independently: the seal (any OFD seal checker; here `dangan.checks`) and the ledger proof (the
content digest recomputed from the file, the entry, the inclusion path, the checkpoint's key).
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from pathlib import Path
from typing import Any

from dangan.access import Principal
from dangan.checks import OfdError, ofd_trust_roots, read_ofd, verify_ofd_signatures
from dangan.core import ConfigurationError, Settings
from dangan.ledger import CheckpointError, PublicKey
from dangan.services.archive import Archive, make_checkpoint, record_event
from dangan.store.crypto import seal_root_files

from ._certificates import (
    IssuedCertificate,
    admit,
    draft,
    ledger_detail,
    proof_of,
    register,
)
from ._certify_pdf import entry_bytes
from ._ofd_container import (
    FIRST_PAGE_ID,
    PROOF_FILE,
    DocInfo,
    container_parts,
    content_digest,
    pdf_pages,
    read_parts,
    zip_parts,
)
from ._ofd_seal import apply_seal, archive_seal, cover_stamp
from ._proof_check import read_carried

OFD_MEDIA_TYPE = "application/ofd"
SEAL_VALID = "有效"


def _proof_json(proof: dict[str, Any]) -> bytes:
    return json.dumps(proof, ensure_ascii=False, sort_keys=True, indent=1).encode()


def issue_ofd_certificate(
    archive: Archive, user: Principal, record_id: str, purpose: str = "核验", *, base_url: str | None = None
) -> IssuedCertificate:
    """Issue a certified copy as a sealed OFD, under the same rules and ledger event as the PDF copy."""
    record, purpose = admit(archive, user, record_id, purpose)
    seal = archive_seal(archive.settings)  # fail before logging
    d = draft(archive, user, record, purpose, base_url)
    cert_id = d.info.certificate_id
    pages = pdf_pages(d.body)
    doc_id = hashlib.sha256(cert_id.encode()).hexdigest()[:32]
    parts = container_parts(
        pages, DocInfo(doc_id, f"档案证明 {cert_id}", archive.settings.fonds_name, d.issued)
    )
    body_sha = content_digest(parts)
    with archive.db.write() as s:
        leaf = record_event(s, "certify", user.username, record.id,
                            ledger_detail(d, body_sha, sum(map(len, parts.values())), "ses") | {"format": "ofd"})  # fmt: skip
    cp = make_checkpoint(archive)
    proof = proof_of(archive, leaf, cp) | {"certificate_id": cert_id, "verify_url": d.info.verify_url}
    parts[PROOF_FILE] = _proof_json(proof)
    sealed = apply_seal(parts, seal, d.issued, cover_stamp(FIRST_PAGE_ID), 1)
    ofd = zip_parts(sealed, d.issued)
    sha, _encrypted = register(archive, d, leaf, ofd, body_sha, {"format": "ofd"})
    return IssuedCertificate(cert_id, record.id, ofd, sha, leaf, d.info.verify_url)


def ofd_roots(settings: Settings) -> list[Any]:
    """What an OFD seal must chain to here: the archive's seal roots and their CRLs, plus
    DANGAN_TRUST_ROOTS. A damaged CRL of the archive's own is an error, never a silent skip."""
    roots, problem = ofd_trust_roots(seal_root_files(settings.home / "keys"))
    if problem:
        raise ConfigurationError(f"本馆电子印章的{problem}：请从密钥备份恢复 DATA/keys/seal")
    if settings.trust_roots is not None and settings.trust_roots.is_file():
        extra, _problem = ofd_trust_roots(
            (settings.trust_roots,)
        )  # unreadable: the archive's own still count
        roots += extra
    return roots


def is_ofd(data: bytes) -> bool:
    return data[:4] == b"PK\x03\x04"


def _seal_report(data: bytes, roots: list[Any]) -> dict[str, Any]:
    """The seal half: every signature of the OFD as `dangan.checks` verifies incoming seals."""
    with tempfile.TemporaryDirectory(prefix="dangan-ofd-") as tmp:
        path = Path(tmp) / "copy.ofd"
        path.write_bytes(data)
        try:
            doc = read_ofd(path, with_text=False)
        except OfdError as exc:
            return {"present": False, "ok": False, "pages": 0, "signatures": [], "problems": [str(exc)]}
    entries = verify_ofd_signatures(doc, roots)
    problems = [f"电子签章：{e['message']}" for e in entries if e["verdict"] != "通过"]
    if not entries:
        problems.append("OFD 中没有电子签章（出证时已签章）")
    first = entries[0] if entries else {}
    seal = first.get("seal") or {}
    signer = first.get("signer") or {}
    return {
        "present": bool(entries),
        "ok": not problems,
        "pages": doc.pages,
        "status": first.get("status"),
        "trusted": bool(first.get("trusted")),
        "signer": signer.get("subject_name") or signer.get("subject"),
        "seal_name": seal.get("name"),
        "signed_at": first.get("signed_at"),
        "revoked": first.get("revoked"),
        "signatures": entries,
        "problems": problems,
    }


def verify_ofd_file(data: bytes, keys: dict[str, PublicKey], roots: list[Any]) -> dict[str, Any]:
    """Offline check of an OFD certified copy: its seal (trust judged against `roots`) and its ledger
    proof (content digest, entry, inclusion path, checkpoint signed by one of `keys`). ``valid`` needs
    both; ``proof_valid`` and ``seal.ok`` are the two halves."""
    sha = hashlib.sha256(data).hexdigest()
    seal = _seal_report(data, roots)
    out: dict[str, Any] = {"format": "ofd", "pdf_sha256": sha, "sha256": sha}
    try:
        parts = read_parts(data)
        proof = json.loads(parts[PROOF_FILE])
        carried = read_carried(proof, entry_bytes(proof))
    except (KeyError, TypeError, ValueError, CheckpointError) as exc:
        what = "文件中没有账本证明" if isinstance(exc, KeyError) else str(exc)
        problems = [f"无法读取证明：{what}", *seal["problems"]]
        return out | {"valid": False, "proof_valid": False, "seal": seal, "problems": problems}
    out |= carried.summary()
    content_ok = content_digest(parts) == carried.detail.get("body_sha256")
    problems = carried.problems(keys, content_ok, "证明内容的摘要与账本登记不符：文件已被改动")
    proof_ok = not problems
    problems += seal["problems"]
    return out | {"valid": not problems, "proof_valid": proof_ok, "seal": seal, "problems": problems}
