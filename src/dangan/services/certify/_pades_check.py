"""Checking the PAdES signature of a PDF the archive issued, as a receiving office's reader would,
with pyHanko offline (no fetching): intact, cryptographically valid, signer chains to a trusted root,
certificate in its validity, and the signature covering the whole file.

Each failure is named on its own so that a partial coverage, an unknown signer or an expired
certificate is reported as what it is, and never as valid.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from cryptography import x509

from ._pades import asn1_cert, quiet_pyhanko


def _absent(problem: str | None = None) -> dict[str, Any]:
    return {"present": False, "ok": False, "problems": [problem] if problem else ["文件没有 PDF 数字签名"]}


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z") if moment else None


def _name(name: Any, key: str) -> str | None:
    value = name.native.get(key) if name is not None else None
    return str(value) if value else None


def check_pades(pdf: bytes, roots: Sequence[x509.Certificate] | None, *,
                now: datetime | None = None) -> dict[str, Any]:  # fmt: skip
    """The verdict on the last signature of `pdf`; `roots` None judges everything but the signer's trust."""
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
        context = ValidationContext(trust_roots=[asn1_cert(c) for c in roots or []], allow_fetching=False,
                                    moment=now)  # fmt: skip
        try:
            status = validate_pdf_signature(sig, context)
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
    # an altered signature cannot say who signed it: trust is judged only over an intact, valid one
    if (
        roots is not None
        and not status.trusted
        and status.intact
        and status.valid
        and not (expired or not_yet)
    ):
        problems.append("签名者证书不受信任：不能链接到本馆或已配置的可信根证书")
    if ts is not None and not (ts.intact and ts.valid):
        problems.append("签名时间戳无效")
    return out | {"ok": not problems, "problems": problems}
