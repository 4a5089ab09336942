"""Certified copies (出证): issue, look up, and verify — online against the catalogue, offline from the PDF.

Issuing is three steps, each complete or absent: (1) the ``certify`` ledger event, binding the
certificate id, the record's catalogue snapshot hash, its files' hashes and the hash of the PDF body,
commits; (2) a checkpoint covering it is signed and its inclusion proof is sealed into the PDF;
(3) the PDF is stored and the `certificate` row written. A crash between them leaves a logged attempt
and at most an unreferenced object, never a certificate that cannot be verified.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from dangan.access import Principal, Role, mask_text, redaction_terms
from dangan.core import (
    DanganError,
    NotFound,
    PermissionDenied,
    ValidationFailed,
    local_text,
    new_id,
    utcnow,
)
from dangan.digitize import notice_pdf, redact_pdf
from dangan.domain import PersonalTerms
from dangan.ledger import (
    Checkpoint,
    canonical_json,
    inclusion_proof_at,
    leaf_hash,
    ledger_entry,
    verify_inclusion,
)
from dangan.lifecycle import refuse_if_destroyed
from dangan.services.archive import Archive, make_checkpoint, record_event, record_snapshot
from dangan.services.records import record_for
from dangan.store.catalog import Certificate, Record

from ._certify_pdf import (
    IMAGE_TYPES,
    CertifiedFile,
    CoverInfo,
    assemble,
    image_pdf,
    seal,
)
from ._pades import COVER_SEAL, archive_identity, sign_pdf, timestamper_for

PROOF_VERSION = 1
MAX_PURPOSE = 40


@dataclass(frozen=True)
class IssuedCertificate:
    id: str
    record_id: str
    pdf: bytes
    pdf_sha256: str
    leaf_index: int
    verify_url: str


LOCAL_URL = "http://127.0.0.1:8000"  # `dangan serve`'s default address: for a copy issued at the shell


def verify_url(archive: Archive, certificate_id: str, base_url: str | None = None) -> str:
    """Where the QR code points: DANGAN_PUBLIC_URL when set, else the address the request came in on
    (a certificate issued in the browser names the portal the archivist was using)."""
    base = archive.settings.public_url or base_url or LOCAL_URL
    return f"{base.rstrip('/')}/verify/{certificate_id}"


def may_certify(user: Principal) -> bool:
    return user.role is Role.ARCHIVIST


def _file_bytes(archive: Archive, sha256: str, encrypted: bool) -> bytes:
    """The plaintext of a stored file, refused when it no longer hashes to its catalogued SHA-256."""
    data = b"".join(archive.objects.iter_plain(sha256, encrypted))
    if hashlib.sha256(data).hexdigest() != sha256:
        raise DanganError(
            f"文件 {sha256[:12]}… 已损坏，不能出具证明，请先运行 dangan verify --repair", code="file_damaged"
        )
    return data


def _attachments(
    archive: Archive, record: Record, terms: PersonalTerms | None
) -> tuple[list[CertifiedFile], list[bytes]]:
    """The files' pages to append; below the unmask right with personal data covered, scans replaced
    by a notice page (nothing reads them yet), exactly as a preview would show them."""
    files, pages = [], []
    for f in sorted(record.files, key=lambda f: f.position):
        data = _file_bytes(archive, f.sha256, bool(f.encrypted))
        appended = f.media_type == "application/pdf" or f.media_type in IMAGE_TYPES
        if appended and terms is not None:
            pages.append(redact_pdf(data, terms).data if f.media_type == "application/pdf" else notice_pdf())
        elif appended:
            pages.append(data if f.media_type == "application/pdf" else image_pdf(data))
        files.append(CertifiedFile(f.path, f.sha256, int(f.size), f.media_type, appended))
    return files, pages


def entry_body(archive: Archive, index: int) -> bytes:
    with archive.db.read() as s:
        body = (
            s.connection()
            .execute(select(ledger_entry.c.body).where(ledger_entry.c.leaf_index == index))
            .scalar()
        )
    if body is None:
        raise NotFound("账本中没有该证明的条目", code="not_in_ledger")
    return bytes(body)


@dataclass(frozen=True)
class Draft:
    """A certified copy before it is logged: what its cover says and the PDF body of its pages."""

    record: Record
    info: CoverInfo
    body: bytes
    issued: datetime
    redacted: bool


def admit(archive: Archive, user: Principal, record_id: str, purpose: str) -> tuple[Record, str]:
    """The record and the normalised purpose, when this user may certify it (others: 404 if
    unreadable, else 403; 410 when destroyed; a clear error for a bad purpose)."""
    record = record_for(archive, user, record_id)
    refuse_if_destroyed(record.lifecycle_status, record.archival_code)  # 410: content gone, metadata kept
    if not may_certify(user):
        raise PermissionDenied("只有档案管理员可以出具档案证明", code="certify_forbidden")
    purpose = " ".join(purpose.split())
    if not purpose or len(purpose) > MAX_PURPOSE:
        raise ValidationFailed(f"用途须为 1–{MAX_PURPOSE} 个字", code="certify_purpose")
    return record, purpose


def draft(archive: Archive, user: Principal, record: Record, purpose: str, base_url: str | None) -> Draft:
    """The cover and pages of a copy of `record`, as `user` may see them (personal data covered below
    the unmask right)."""
    terms = redaction_terms(user, record)
    files, pages = _attachments(archive, record, terms)
    cert_id = new_id()
    issued = utcnow()
    info = CoverInfo(
        certificate_id=cert_id,
        fonds_name=archive.settings.fonds_name,
        archival_code=record.archival_code,
        title=mask_text(record.title, record) if terms is not None else record.title,
        doc_number=record.doc_number or "",
        applicant=record.applicant_name,
        decided_at=record.decided_at.isoformat(),
        issued_at=local_text(issued, archive.settings.timezone, seconds=False, label=True),
        issuer=user.display_name or user.username,
        purpose=purpose,
        verify_url=verify_url(archive, cert_id, base_url),
        files=files,
        redacted=terms is not None,
    )
    return Draft(record, info, assemble(info, pages), issued, terms is not None)


def ledger_detail(d: Draft, body_sha: str, body_size: int, signature: str) -> dict[str, Any]:
    """The ``certify`` event's detail: what the ledger vouches for."""
    return {
        "certificate_id": d.info.certificate_id,
        "record_sha256": hashlib.sha256(canonical_json(record_snapshot(d.record))).hexdigest(),
        "files": _file_list(d.info),
        "body_sha256": body_sha,
        "body_size": body_size,
        "purpose": d.info.purpose,
        "issuer": d.info.issuer,
        "signature": signature,  # the copy must carry this signature: one stripped off is reported
        **({"redacted": True} if d.redacted else {}),
    }


def _file_list(info: CoverInfo) -> list[dict[str, Any]]:
    return [{"name": f.name, "sha256": f.sha256, "size": f.size, "appended": f.appended} for f in info.files]


def register(archive: Archive, d: Draft, leaf: int, data: bytes, body_sha: str,
             extra: dict[str, Any] | None = None) -> tuple[str, bool]:  # fmt: skip
    """Store the finished copy and write its `certificate` row; its SHA-256 and whether encrypted."""
    record, info = d.record, d.info
    sha = hashlib.sha256(data).hexdigest()
    encrypt = not record.open_to_public or archive.settings.encrypt_public
    archive.objects.put_bytes(data, encrypt=encrypt)
    summary = {
        "fonds_name": archive.settings.fonds_name,
        "fonds_code": archive.settings.fonds_code,
        "archival_code": record.archival_code,
        "title": mask_text(record.title, record),  # the public verification page shows it to anyone
        "doc_number": record.doc_number,
        "decided_at": info.decided_at,
        "files": _file_list(info),
        "verify_url": info.verify_url,
        "redacted": d.redacted,
        **(extra or {}),
    }
    with archive.db.write() as s:
        s.add(
            Certificate(
                id=info.certificate_id,
                record_id=record.id,
                issuer=info.issuer,
                issued_at=d.issued,
                purpose=info.purpose,
                pdf_sha256=sha,
                body_sha256=body_sha,
                size=len(data),
                encrypted=encrypt,
                leaf_index=leaf,
                summary=summary,
            )
        )
    return sha, encrypt


def issue_certificate(
    archive: Archive, user: Principal, record_id: str, purpose: str = "核验", *, base_url: str | None = None
) -> IssuedCertificate:
    """Issue a certified copy of a record the archivist may read (others: 404 if unreadable, else 403)."""
    record, purpose = admit(archive, user, record_id, purpose)
    identity, stamper = (
        archive_identity(archive.settings),
        timestamper_for(archive.settings),
    )  # fail before logging
    d = draft(archive, user, record, purpose, base_url)
    cert_id, body = d.info.certificate_id, d.body
    body_sha = hashlib.sha256(body).hexdigest()
    with archive.db.write() as s:
        leaf = record_event(
            s, "certify", user.username, record.id, ledger_detail(d, body_sha, len(body), "pades")
        )
    cp = make_checkpoint(archive)
    proof = proof_of(archive, leaf, cp) | {
        "certificate_id": cert_id,
        "signed_length": len(body),
        "verify_url": d.info.verify_url,
    }
    sealed = seal(body, proof, f"档案证明 {cert_id}", archive.settings.fonds_name)
    pdf = sign_pdf(sealed, identity, seal_name=archive.settings.fonds_name, placement=COVER_SEAL,
                   reason=f"档案证明 {cert_id}", location=archive.settings.fonds_name, timestamper=stamper)  # fmt: skip
    pdf_sha, _encrypted = register(archive, d, leaf, pdf, body_sha)
    return IssuedCertificate(cert_id, record.id, pdf, pdf_sha, leaf, d.info.verify_url)


def proof_of(archive: Archive, leaf: int, cp: Checkpoint) -> dict[str, Any]:
    body = entry_body(archive, leaf)
    with archive.db.read() as s:
        path = inclusion_proof_at(s.connection(), leaf, cp.tree_size)
    verify_inclusion(leaf_hash(body), leaf, cp.tree_size, path, cp.root)
    return {
        "v": PROOF_VERSION,
        "entry": base64.b64encode(body).decode(),
        "leaf_index": leaf,
        "tree_size": cp.tree_size,
        "leaf_hash": leaf_hash(body).hex(),
        "root": cp.root.hex(),
        "proof": [h.hex() for h in path],
        "checkpoint": cp.as_json(),
    }


# -- looking up and verifying ----------------------------------------------------------------------


def get_certificate(archive: Archive, certificate_id: str) -> Certificate:
    with archive.db.read() as s:
        row = s.get(Certificate, certificate_id)
    if row is None:
        raise NotFound("没有这个档案证明编号", code="certificate_not_found")
    return row


def find_by_pdf_hash(archive: Archive, sha256: str) -> Certificate | None:
    with archive.db.read() as s:
        return s.scalars(select(Certificate).where(Certificate.pdf_sha256 == sha256)).first()


def _may_fetch(user: Principal, record: Record, row: Certificate) -> bool:
    """A certificate issued in clear goes only to who may see the record's personal data in clear."""
    return bool(row.summary.get("redacted")) or redaction_terms(user, record) is None


def certificate_pdf(archive: Archive, user: Principal, certificate_id: str) -> tuple[Certificate, bytes]:
    """The stored PDF, for someone who may read the record it certifies (and, when it was issued with
    personal data in clear, may see that too)."""
    row = get_certificate(archive, certificate_id)
    record = record_for(archive, user, row.record_id)
    refuse_if_destroyed(record.lifecycle_status, record.archival_code)  # the copy was destroyed with it
    if not _may_fetch(user, record, row):
        raise PermissionDenied("该档案证明含未遮蔽的个人信息，您无权下载", code="personal_data_withheld")
    return row, b"".join(archive.objects.iter_plain(row.pdf_sha256, row.encrypted))


@dataclass(frozen=True)
class CertificateEntry:
    """One line of a record's certificate register (出证登记)."""

    id: str
    issued_at: datetime
    issuer: str
    purpose: str
    redacted: bool
    downloadable: bool


def certificates_for(archive: Archive, user: Principal, record: Record) -> list[CertificateEntry]:
    """The certificates issued for a record the user reads, newest first."""
    with archive.db.read() as s:
        rows = s.scalars(
            select(Certificate)
            .where(Certificate.record_id == record.id)
            .order_by(Certificate.issued_at.desc())
        ).all()
    return [
        CertificateEntry(r.id, r.issued_at, r.issuer, r.purpose, bool(r.summary.get("redacted")),
                         _may_fetch(user, record, r))
        for r in rows
    ]  # fmt: skip
