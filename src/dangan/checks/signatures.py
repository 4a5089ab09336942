"""Digital signatures inside PDFs, verified with pyHanko (offline: no certificate or revocation fetching),
and the dispatch of OFD signatures to `ofd_signature` (SM2 seals and signatures, GmSSL).

Three outcomes matter to an archivist: the signed bytes were changed (broken → 不通过), the
signature is intact and its certificate chains to a configured trust root (通过), or it is intact
but its signer cannot be vouched for here (警告).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from dangan.core import BEIJING

from . import sm2
from .ofd import OfdDocument, OfdSignature
from .ofd_signature import (
    INVALID,
    UNVERIFIABLE,
    VALID,
    SignedValueCheck,
    signed_data,
    verify_signed_data,
    verify_signed_value,
)

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


def _material(paths: tuple[Path, ...]) -> tuple[list[Any], list[tuple[Path, bytes]]]:
    """The certificates in `paths`, and the DER of each CRL among them (a ``.crl`` file or an
    ``X509 CRL`` PEM block), left for the caller to verify."""
    from asn1crypto import pem, x509  # type: ignore[import-untyped]

    roots: list[Any] = []
    crls: list[tuple[Path, bytes]] = []
    for path in paths:
        data = path.read_bytes()
        blobs = list(pem.unarmor(data, multiple=True)) if pem.detect(data) else [(None, None, data)]
        for kind, _headers, der in blobs:
            if kind == "X509 CRL" or (kind is None and path.suffix == ".crl"):
                crls.append((path, der))
            else:
                roots.append(x509.Certificate.load(der))
    return roots, crls


def _trust_roots(paths: tuple[Path, ...]) -> list[Any]:
    return _material(paths)[0]


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


# ---- OFD ---------------------------------------------------------------------------------------
# Each OFD signature gets an outcome of its own (不通过 / 警告 / 通过 with the reason), so that item
# 1-1 can name the file and the cause; the SM2 verification itself lives in `ofd_signature`.


def ofd_trust_roots(paths: tuple[Path, ...]) -> tuple[list[Any], str | None]:
    """The configured roots followed by the CRLs among `paths`, or none and the reason when a file
    cannot be read. A CRL that no root signed (damaged, forged) refuses the whole set: skipping it
    would quietly turn the certificates it revokes back into valid ones."""
    try:
        roots, blobs = _material(paths)
        crls = []
        for path, der in blobs:
            item = sm2.load_crl(der)
            if item is None or not any(sm2.crl_signed_by(item, r) for r in roots):
                raise ValueError(f"吊销列表 {path.name} 已损坏或不是由可信根证书签署的，拒绝使用")
            crls.append(item)
        return roots + crls, None
    except (OSError, ValueError, TypeError) as exc:
        return [], f"可信根证书无法读取：{exc}"


def _beijing(iso: str) -> str:
    return f"{datetime.fromisoformat(iso).astimezone(ZoneInfo(BEIJING)):%Y-%m-%d %H:%M}"


def _ofd_outcome(sig: OfdSignature, check: SignedValueCheck) -> tuple[str, str]:
    if sig.mismatched:
        return "不通过", f"签名覆盖的部件在签名后被改动：{'、'.join(sig.mismatched)}"
    if sig.missing:
        return "不通过", f"签名覆盖的部件已不在文件中：{'、'.join(sig.missing)}"
    if check.status == INVALID:
        return "不通过", check.reason
    if check.status != VALID:
        return "警告", check.reason
    if sig.unchecked:
        return "警告", f"签名有效，但部分引用无法核验：{'、'.join(sig.unchecked)}"
    revoked = check.revoked
    if revoked and revoked["effective"]:
        return (
            "不通过",
            f"签章者证书已于 {_beijing(revoked['revoked_at'])}（北京时间）被吊销（原因：{revoked['reason_label']}）",
        )
    if not check.trusted:
        return "警告", "签名有效但证书不受信任：" + "；".join(check.trust_notes)
    if revoked:
        return "通过", (f"签名有效，签名者证书可信；证书已于 {revoked['revoked_at'][:10]} 吊销（{revoked['reason_label']}），"
                      "签章在吊销之前作出，仍然有效")  # fmt: skip
    return "通过", "签名有效，签名者证书可信"


def verify_ofd_signatures(doc: OfdDocument, roots: list[Any]) -> list[dict[str, Any]]:
    """Every signature of the OFD (and its integrity protection, if any), verified, as evidence."""
    out = []
    for sig in doc.signatures:
        m = sig.material
        if m is None or m.value is None:
            problem = m.problem if m is not None else None
            check = SignedValueCheck("未知", INVALID, problem or "签名值文件不存在")
        else:
            try:
                check = verify_signed_value(sig.kind, m.signed, m.value, seal_file=m.seal, roots=roots,
                                            signature_time=sig.signature_time)  # fmt: skip
            except Exception as exc:  # a verdict, never a crash of the whole check run
                logging.getLogger(__name__).exception("OFD signature %s", sig.path)
                check = SignedValueCheck("未知", UNVERIFIABLE, f"验证签名时出错：{exc}")
        verdict, reason = _ofd_outcome(sig, check)
        out.append({**sig.as_json(), **check.as_json(), "verdict": verdict, "message": reason})
    if doc.integrity_entries:
        out.append(_integrity(doc, roots))
    return out


def _integrity(doc: OfdDocument, roots: list[Any]) -> dict[str, Any]:
    m = doc.integrity
    signed = signed_data(m.value) if m is not None and m.value is not None else None
    if m is None or m.value is None:
        check = SignedValueCheck("OFD 完整性保护", INVALID, (m.problem if m else None) or "签名值文件不存在")
    elif signed is None:
        check = SignedValueCheck("OFD 完整性保护", UNVERIFIABLE, "完整性保护签名值不是 GB/T 35275 SignedData，无法验证")  # fmt: skip
    else:
        try:
            check = verify_signed_data(signed, m.signed, roots, None)
        except Exception as exc:  # a verdict, never a crash of the whole check run
            logging.getLogger(__name__).exception("OFD integrity protection")
            check = SignedValueCheck("OFD 完整性保护", UNVERIFIABLE, f"验证签名时出错：{exc}")
    entry: dict[str, Any] = {"type": "OFDEntries", "signature": "/OFDEntries.xml", "unlisted": doc.unlisted,
                             **check.as_json()}  # fmt: skip
    if doc.unlisted and check.status != INVALID:
        verdict, reason = "不通过", f"OFD 中夹带了完整性保护清单之外的文件：{'、'.join(doc.unlisted)}"
    elif check.status == INVALID:
        verdict, reason = "不通过", check.reason
    elif check.status != VALID:
        verdict, reason = "警告", check.reason
    elif not check.trusted:
        verdict, reason = "警告", "完整性保护签名有效但证书不受信任：" + "；".join(check.trust_notes)
    else:
        verdict, reason = "通过", "完整性保护签名有效，签名者证书可信"
    return {**entry, "verdict": verdict, "message": reason}
