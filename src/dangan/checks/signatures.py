"""Digital signatures inside PDFs, verified with pyHanko (offline: no certificate or revocation fetching).

Three outcomes matter to an archivist: the signed bytes were changed (broken → 不通过), the
signature is intact and its certificate chains to a configured trust root (通过), or it is intact
but its signer cannot be vouched for here (警告).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_LOGGERS = ("pyhanko", "pyhanko_certvalidator")


@dataclass(frozen=True)
class PdfSignature:
    field: str
    intact: bool
    valid: bool
    trusted: bool
    signer: str | None
    signed_at: str | None
    coverage: str | None
    summary: str

    def as_json(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "intact": self.intact,
            "valid": self.valid,
            "trusted": self.trusted,
            "signer": self.signer,
            "signed_at": self.signed_at,
            "coverage": self.coverage,
            "summary": self.summary,
        }


def _trust_roots(paths: tuple[Path, ...]) -> list[Any]:
    from asn1crypto import pem, x509  # type: ignore[import-untyped]

    roots: list[Any] = []
    for path in paths:
        data = path.read_bytes()
        blobs = [der for _, _, der in pem.unarmor(data, multiple=True)] if pem.detect(data) else [data]
        roots.extend(x509.Certificate.load(der) for der in blobs)
    return roots


def verify_pdf_signatures(path: Path, trust_roots: tuple[Path, ...] = ()) -> list[PdfSignature]:
    """Every embedded signature of the PDF, validated; raises on a PDF pyHanko cannot read."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    quiet = [logging.getLogger(name) for name in _LOGGERS]
    levels = [lg.level for lg in quiet]
    for lg in quiet:
        lg.setLevel(logging.CRITICAL)
    try:
        roots = _trust_roots(trust_roots)
        out = []
        with open(path, "rb") as f:
            reader = PdfFileReader(f, strict=False)
            for sig in reader.embedded_signatures:
                context = ValidationContext(trust_roots=roots, allow_fetching=False)
                status = validate_pdf_signature(sig, context)
                cert = status.signing_cert
                out.append(
                    PdfSignature(
                        field=sig.field_name,
                        intact=bool(status.intact),
                        valid=bool(status.valid),
                        trusted=bool(status.trusted),
                        signer=cert.subject.human_friendly if cert is not None else None,
                        signed_at=status.signer_reported_dt.isoformat()
                        if status.signer_reported_dt
                        else None,
                        coverage=status.coverage.name if status.coverage is not None else None,
                        summary=status.summary(),
                    )
                )
        return out
    finally:
        for lg, level in zip(quiet, levels, strict=True):
            lg.setLevel(level)
