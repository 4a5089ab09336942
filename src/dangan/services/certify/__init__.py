"""Certified copies (出证): issue a signed PDF with its verification data, and check one handed back."""

from dangan.services.certify._certificates import (
    CertificateEntry,
    IssuedCertificate,
    archive_keys,
    certificate_pdf,
    certificates_for,
    check_certificate,
    find_by_pdf_hash,
    get_certificate,
    issue_certificate,
    may_certify,
    verify_certificate_file,
)

__all__ = [
    "CertificateEntry",
    "IssuedCertificate",
    "archive_keys",
    "certificate_pdf",
    "certificates_for",
    "check_certificate",
    "find_by_pdf_hash",
    "get_certificate",
    "issue_certificate",
    "may_certify",
    "verify_certificate_file",
]
