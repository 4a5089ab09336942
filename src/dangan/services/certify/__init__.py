"""Certified copies (出证): issue a signed PDF (or a sealed OFD) with its verification data, and check one
handed back;
the archive's PAdES signing helper shared by every PDF it issues (handover papers, registers); the
public page's side-by-side check of an uploaded copy."""

from dangan.services.certify._certificates import (
    CertificateEntry,
    IssuedCertificate,
    certificate_pdf,
    certificates_for,
    find_by_pdf_hash,
    get_certificate,
    issue_certificate,
    may_certify,
)
from dangan.services.certify._ofd_copy import (
    OFD_MEDIA_TYPE,
    is_ofd,
    issue_ofd_certificate,
    ofd_roots,
    verify_ofd_file,
)
from dangan.services.certify._ofd_seal import archive_seal, seal_picture
from dangan.services.certify._pades import (
    COVER_SEAL,
    RECEIPT_SEAL,
    SealPlacement,
    archive_identity,
    sign_as_archive,
    sign_pdf,
    timestamper_for,
)
from dangan.services.certify._pades_check import check_pades
from dangan.services.certify._signing_keys import (
    import_revocation_list,
    import_signing_certificate,
    make_seal,
    make_signing_ca,
    revoke_certificate,
    signing_certificates,
)
from dangan.services.certify._upload_check import check_uploaded_copy, seal_image
from dangan.services.certify._verify import (
    archive_keys,
    check_certificate,
    signing_crls,
    signing_roots,
    verify_certificate_file,
)

__all__ = [
    "COVER_SEAL",
    "OFD_MEDIA_TYPE",
    "RECEIPT_SEAL",
    "CertificateEntry",
    "IssuedCertificate",
    "SealPlacement",
    "archive_identity",
    "archive_keys",
    "archive_seal",
    "certificate_pdf",
    "certificates_for",
    "check_certificate",
    "check_pades",
    "check_uploaded_copy",
    "find_by_pdf_hash",
    "get_certificate",
    "import_revocation_list",
    "import_signing_certificate",
    "is_ofd",
    "issue_certificate",
    "issue_ofd_certificate",
    "make_seal",
    "make_signing_ca",
    "may_certify",
    "ofd_roots",
    "revoke_certificate",
    "seal_image",
    "seal_picture",
    "sign_as_archive",
    "sign_pdf",
    "signing_certificates",
    "signing_crls",
    "signing_roots",
    "timestamper_for",
    "verify_certificate_file",
    "verify_ofd_file",
]
