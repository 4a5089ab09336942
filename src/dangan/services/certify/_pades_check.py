"""Checking the PAdES signature of a PDF the archive issued, as a receiving office's reader would,
with pyHanko offline (no fetching): intact, cryptographically valid, signer chains to a trusted root,
certificate in its validity, and the signature covering the whole file.

Each failure is named on its own so that a partial coverage, an unknown signer, an expired or a
revoked certificate is reported as what it is, and never as valid.

Revocation: the archive's CRLs (`signing_crls`, verified when loaded) go to pyHanko with
``revocation_mode="soft-fail"`` — a certificate no CRL speaks of is not held against the signer, as an
offline archive has no other source — and are also looked up directly, so a CRL past its next update
(which pyHanko would set aside as stale) still revokes. RFC 5280 §5.3.1 reasons decide what a
revocation means for a signature made before it: ``superseded``, ``affiliationChanged`` and
``cessationOfOperation`` say the key was never compromised, so such a signature stays valid (with a
note, ``revoked.effective`` false) when its time — the time stamp at B-T, else the time the signer
states — precedes the revocation date; every other reason (key or CA compromise, unspecified,
privilege withdrawn, hold) condemns all signatures of the key, because whoever holds a compromised
key can also write any signing time.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from cryptography import x509

from dangan.store.crypto import Revocation, revocation_of

from ._pades import asn1_cert, quiet_pyhanko


def _absent(problem: str | None = None) -> dict[str, Any]:
    return {"present": False, "ok": False, "problems": [problem] if problem else ["文件没有 PDF 数字签名"]}


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z") if moment else None


def _name(name: Any, key: str) -> str | None:
    value = name.native.get(key) if name is not None else None
    return str(value) if value else None


def _revocation(status: Any, crls: Sequence[x509.CertificateRevocationList]) -> Revocation | None:
    from cryptography.x509 import load_der_x509_certificate

    if status.signing_cert is None or not crls:
        return None
    return revocation_of(load_der_x509_certificate(status.signing_cert.dump()), list(crls))


def _signed_at(status: Any) -> datetime | None:
    ts = status.timestamp_validity
    if ts is not None and ts.intact and ts.valid:
        return ts.timestamp
    return status.signer_reported_dt


def check_pades(pdf: bytes, roots: Sequence[x509.Certificate] | None, *, now: datetime | None = None,
                crls: Sequence[x509.CertificateRevocationList] = ()) -> dict[str, Any]:  # fmt: skip
    """The verdict on the last signature of `pdf`; `roots` None judges everything but the signer's trust;
    `crls` (already verified) say which certificates are revoked."""
    from asn1crypto import crl as asn1_crl  # type: ignore[import-untyped]
    from cryptography.hazmat.primitives.serialization import Encoding
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    now = now or datetime.now(UTC)
    with quiet_pyhanko():
        try:
            reader = PdfFileReader(io.BytesIO(pdf), strict=False)
            sigs = list(reader.embedded_signatures)
        except (PdfError, ValueError, KeyError, TypeError, IndexError) as exc:
            return _absent(f"无法读取 PDF 签名：{exc}")
        if not sigs:
            return _absent()
        sig = sigs[-1]
        trust = [asn1_cert(c) for c in roots or []]
        asn1_crls = [asn1_crl.CertificateList.load(c.public_bytes(Encoding.DER)) for c in crls]
        context = ValidationContext(trust_roots=trust, allow_fetching=False, moment=now, crls=asn1_crls,
                                    revocation_mode="soft-fail")  # fmt: skip
        try:
            status = validate_pdf_signature(sig, context)
            revoked = _revocation(status, crls)
            spared = revoked is not None and not revoked.applies_to(_signed_at(status))
            if spared:  # trust judged as if unrevoked: the signature predates a benign revocation
                plain = ValidationContext(trust_roots=trust, allow_fetching=False, moment=now)
                status = validate_pdf_signature(sig, plain)
        except Exception as exc:  # a malformed signature is a verdict, never a crash
            return _absent(f"签名无法验证：{exc}") | {"present": True, "field": sig.field_name}
    cert = status.signing_cert
    not_after = cert.not_valid_after if cert is not None else None
    not_before = cert.not_valid_before if cert is not None else None
    byte_range = [int(v) for v in sig.sig_object.get("/ByteRange", [])]
    whole = status.coverage == SignatureCoverageLevel.ENTIRE_FILE and (
        len(byte_range) == 4 and byte_range[2] + byte_range[3] == len(pdf)
    )
    expired = not_after is not None and not_after <= now
    not_yet = not_before is not None and not_before > now
    ts = status.timestamp_validity
    out: dict[str, Any] = {
        "present": True,
        "count": len(sigs),
        "field": sig.field_name,
        "signer": cert.subject.human_friendly if cert is not None else None,
        "issuer": cert.issuer.human_friendly if cert is not None else None,
        # the names alone, for pages read by people (the lines above carry pyHanko's English labels)
        "signer_name": _name(cert.subject if cert is not None else None, "common_name"),
        "signer_org": _name(cert.subject if cert is not None else None, "organization_name"),
        "issuer_name": _name(cert.issuer if cert is not None else None, "common_name"),
        "cert_sha256": cert.sha256.hex() if cert is not None else None,
        "signing_time": _iso(status.signer_reported_dt),
        "timestamp": _iso(ts.timestamp) if ts is not None else None,
        "level": "B-T" if ts is not None else "B-B",
        "intact": bool(status.intact),
        "valid": bool(status.valid),
        "trusted": bool(status.trusted) if roots is not None else None,
        "whole_file": whole,
        "signed_bytes": byte_range[2] + byte_range[3] if len(byte_range) == 4 else None,
        "file_bytes": len(pdf),
        "cert_not_after": _iso(not_after),
        "expired": expired,
        "revoked": revoked.as_json() | {"effective": not spared} if revoked is not None else None,
    }
    problems = []
    if not status.intact:
        problems.append("PDF 签名所覆盖的内容已被改动（摘要不符）")
    elif not status.valid:
        problems.append("PDF 签名值无效")
    if not whole:
        problems.append(
            f"PDF 签名只覆盖文件的前 {out['signed_bytes']} 字节（共 {len(pdf)} 字节）：签名之后文件又被追加或改动"
        )
    if expired:
        problems.append(f"签名证书已于 {not_after:%Y-%m-%d} 过期")
    if not_yet:
        problems.append(f"签名证书在 {not_before:%Y-%m-%d} 之后才生效")
    condemned = revoked is not None and not spared
    if revoked is not None and condemned:
        problems.append(revoked.message())
    notes = (
        [f"{revoked.message()}；本签名作出于吊销之前，且吊销原因表明私钥未泄露，签名仍然有效"]
        if spared and revoked
        else []
    )
    # an altered signature cannot say who signed it: trust is judged only over an intact, valid one
    if (
        roots is not None
        and not status.trusted
        and status.intact
        and status.valid
        and not (expired or not_yet or condemned)
    ):
        problems.append("签名者证书不受信任：不能链接到本馆或已配置的可信根证书")
    if ts is not None and not (ts.intact and ts.valid):
        problems.append("签名时间戳无效")
    return out | {"ok": not problems, "problems": problems, "notes": notes}
