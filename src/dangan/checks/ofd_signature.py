"""Verify the signed value of an OFD signature (GB/T 33190 §18): seal, certificate, SM2 signature.

A signature's Signature.xml lists the parts it covers with their digests (checked in `ofd`) and
points to SignedValue.dat, which signs the *whole Signature.xml file* (that is how ofdrw and the
seal products it interoperates with do it, see docs/decisions.md). SignedValue.dat is one of:

- an electronic seal signature, SES_Signature of GM/T 0031 (V1) or GB/T 38540 (V4/V5): its TBS_Sign
  holds dataHash = SM3(Signature.xml) and is signed with SM3withSM2 by the signer whose certificate
  travels with it; the seal inside is signed by its maker and lists the certificates allowed to use it;
- a GB/T 35275 (PKCS#7-like) SignedData whose content or messageDigest is SM3(Signature.xml);
- a bare SM2 signature of Signature.xml with no certificate (ofdrw's "DigitalSign"): only a
  certificate configured as a trust root can verify it.

The result says whether the signature is valid (mathematically, and the hashes agree), invalid (the
document or the signature was changed, or the seal was not the signer's to use), or could not be
verified (a format or algorithm this reader does not know), separately whether it is trusted, and
whether a CRL handed over with the roots revokes the signer (`revoked`; see `sm2.revocation` for
when a revocation spares a signature made before it).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from asn1crypto import cms  # type: ignore[import-untyped]

# asn1crypto caches each OID class's name → OID map the first time a value is built by name; asn1crypto.tsp
# (which pyHanko's time-stamping needs) adds names such as tst_info to those classes when imported. Import it
# before anything here builds a value, or a PDF time-stamped later in this process fails ("tst_info").
from asn1crypto import tsp as _tsp  # noqa: F401

from dangan.core import BEIJING

from . import sm2
from .ses import Damaged, NotSes, SesSignature, der, parse_ses

VALID, INVALID, UNVERIFIABLE = "有效", "无效", "无法验证"
SIGNED_DATA = frozenset({"1.2.156.10197.6.1.4.2.2", "1.2.840.113549.1.7.2"})
_DIGESTS = {"1.2.156.10197.1.401": "sm3", "2.16.840.1.101.3.4.2.1": "sha256"}
_CHINA = ZoneInfo(BEIJING)
_TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y%m%d%H%M%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d")
NO_ROOTS = "未配置可信根证书（DANGAN_TRUST_ROOTS），无法确认签名者身份"


@dataclass(frozen=True)
class SignedValueCheck:
    """What verifying one SignedValue.dat found; `reason` says why when it is not valid."""

    format: str
    status: str
    reason: str = ""
    trusted: bool = False
    trust_notes: tuple[str, ...] = ()
    algorithm: str | None = None
    signer: dict[str, Any] | None = None
    seal: dict[str, Any] | None = None
    signed_at: str | None = None
    revoked: dict[str, Any] | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "status": self.status,
            "reason": self.reason,
            "trusted": self.trusted,
            "trust_notes": list(self.trust_notes),
            "algorithm": self.algorithm,
            "signer": self.signer,
            "seal": self.seal,
            "signed_at": self.signed_at,
            "revoked": self.revoked,
        }


def parse_signature_time(text: str | None) -> datetime | None:
    """Signature.xml's SignatureDateTime ("2020-04-22 16:22:44" or "20201010151120"); local time
    without a zone is taken as China Standard Time, where these documents are signed."""
    if not text:
        return None
    text = text.strip().removesuffix("Z")
    for fmt in _TIME_FORMATS:
        try:
            value = datetime.strptime(text, fmt)
        except ValueError:
            continue
        return value.replace(tzinfo=_CHINA)
    return None


def _iso(when: datetime | None) -> str | None:
    return when.isoformat() if when else None


def _trust(
    cert: Any, when: datetime | None, roots: list[Any], others: Sequence[Any] = (), what: str = "签名者"
) -> list[str]:
    """Why `cert` cannot be vouched for: no chain to a root, or outside its validity when signing."""
    notes = []
    if not roots:
        notes.append(NO_ROOTS)
    elif not sm2.chains_to(cert, roots, others):
        notes.append(f"{what}证书（{sm2.subject(cert)}）不能链接到可信根证书")
    if sm2.valid_at(cert, when) is False:
        d = sm2.describe(cert) or {}
        notes.append(f"签署时{what}证书不在有效期内（{d.get('not_before')} 至 {d.get('not_after')}）")
    return notes


def _digest_ok(expected: bytes, data: bytes) -> bool:
    return any(hashlib.new(name, data).digest() == expected for name in ("sm3", "sha256"))


def _ses(
    ses: SesSignature,
    tbs: bytes,
    seal_file: bytes | None,
    roots: list[Any],
    when: datetime | None,
    crls: Sequence[Any] = (),
) -> SignedValueCheck:
    """An electronic seal: dataHash, signer's signature, maker's seal, seal ↔ signer, then trust."""
    fmt = {1: "GM/T 0031-2014 电子签章（V1）", 4: "GB/T 38540-2020 电子签章（V4）"}.get(
        ses.version, "GM/T 0031-2025 电子签章（V5）"
    )
    seal, when = ses.seal, ses.signed_at or when
    cert, maker = sm2.load_certificate(ses.cert), sm2.load_certificate(seal.maker_cert)
    info = {
        "name": seal.name,
        "id": seal.es_id,
        "vendor": seal.vendor,
        "valid_from": _iso(seal.valid_from),
        "valid_to": _iso(seal.valid_to),
        "maker": sm2.describe(maker),
    }
    common: dict[str, Any] = {
        "format": fmt,
        "algorithm": sm2.algorithm_name(ses.algorithm),
        "signer": sm2.describe(cert),
        "seal": info,
        "signed_at": _iso(when),
    }

    def invalid(reason: str) -> SignedValueCheck:
        return SignedValueCheck(status=INVALID, reason=reason, **common)

    if not _digest_ok(ses.data_hash, tbs):  # first: a changed document fails whatever the algorithm
        return invalid("Signature.xml 在签章后被改动：签章数据中的原文杂凑值与之不符")
    if ses.algorithm not in sm2.SM2_ALGORITHMS:
        return SignedValueCheck(
            status=UNVERIFIABLE, reason=f"签章算法 {ses.algorithm} 不受支持（仅支持 SM2）", **common
        )
    if cert is None:
        return invalid("签章数据中的签章者证书无法解析")
    if not sm2.verify_with(cert, ses.tbs, ses.signature):
        return invalid("签章值验证失败：签章数据被改动，或并非由所附证书签署")
    if maker is None:
        return invalid("电子印章中的制章者证书无法解析")
    if seal.algorithm not in sm2.SM2_ALGORITHMS:
        return SignedValueCheck(
            status=UNVERIFIABLE, reason=f"印章签名算法 {seal.algorithm} 不受支持（仅支持 SM2）", **common
        )
    if not any(sm2.verify_with(maker, signed, seal.signature) for signed in seal.signed):
        return invalid("电子印章的制章者签名无效：印章被伪造或改动")
    digests = {hashlib.new(n, ses.cert).digest() for n in ("sm3", "sha256", "sha1")}
    if (seal.certs or seal.cert_digests) and not (ses.cert in seal.certs or digests & set(seal.cert_digests)):
        return invalid("签章者证书不在电子印章的授权证书列表中：印章被他人使用")
    notes = _trust(cert, when, roots) + _trust(maker, None, roots, what="制章者")
    if when and seal.valid_from and seal.valid_to and not (seal.valid_from <= when <= seal.valid_to):
        notes.append(f"签章时电子印章不在有效期内（{info['valid_from']} 至 {info['valid_to']}）")
    if seal_file is not None and seal_file != seal.raw:
        notes.append("印章文件（Seal.esl）与签章数据中的印章不一致")
    revoked = sm2.revocation(cert, crls, when)
    trusted = not notes and not (revoked and revoked["effective"])
    return SignedValueCheck(
        status=VALID, trusted=trusted, trust_notes=tuple(dict.fromkeys(notes)), revoked=revoked, **common
    )


def signed_data(data: bytes) -> Any:
    """The SignedData in `data`, None when `data` is not a ContentInfo of signed data."""
    try:
        info = cms.ContentInfo.load(data, strict=True)
        if info["content_type"].dotted not in SIGNED_DATA:
            return None
        signed = info["content"].parse(cms.SignedData)
        signed.native  # noqa: B018  (parse everything now)
    except (ValueError, TypeError, KeyError, AttributeError, IndexError):  # asn1crypto on garbage
        return None
    return signed


def _find_cert(sid: Any, certs: list[Any]) -> Any:
    if sid.name == "issuer_and_serial_number":
        want = sid.chosen
        for c in certs:
            if c.issuer == want["issuer"] and c.serial_number == want["serial_number"].native:
                return c
    elif sid.name == "subject_key_identifier":
        for c in certs:
            if c.key_identifier == sid.chosen.native:
                return c
    return None


def verify_signed_data(signed: Any, tbs: bytes, roots: list[Any], when: datetime | None) -> SignedValueCheck:
    """A GB/T 35275 / PKCS#7 SignedData over `tbs` (Signature.xml, or OFDEntries.xml); `roots` may
    carry CRLs beside the certificates."""
    roots, crls = sm2.split_trust(roots)
    fmt = "GB/T 35275 SignedData 数字签名"
    certs = [c.chosen for c in (signed["certificates"] or []) if c.name == "certificate"]
    infos = list(signed["signer_infos"])
    if not infos:
        return SignedValueCheck(fmt, INVALID, "数字签名中没有签名者信息")
    encap = signed["encap_content_info"]["content"]
    content = _octets(encap)
    for si in infos:
        cert = _find_cert(si["sid"], certs)
        algorithm = si["signature_algorithm"]["algorithm"].dotted
        common: dict[str, Any] = {"format": fmt, "algorithm": sm2.algorithm_name(algorithm),
                                  "signer": sm2.describe(cert), "signed_at": _iso(when)}  # fmt: skip
        digest_name = _DIGESTS.get(si["digest_algorithm"]["algorithm"].dotted)
        if digest_name is None or algorithm not in sm2.SM2_ALGORITHMS:
            return SignedValueCheck(status=UNVERIFIABLE, reason=f"签名算法 {algorithm} 不受支持（仅支持 SM2/SM3）", **common)  # fmt: skip
        digest = hashlib.new(digest_name, tbs).digest()
        attrs = si["signed_attrs"]
        if attrs is not None and len(attrs):
            values = {a["type"].native: a["values"][0].native for a in attrs}
            if values.get("message_digest") != digest:
                return SignedValueCheck(status=INVALID, reason="被签名的文件在签名后被改动：杂凑值不符", **common)  # fmt: skip
            if isinstance(values.get("signing_time"), datetime):
                when = values["signing_time"]
                common["signed_at"] = _iso(when)
            message = b"\x31" + attrs.dump()[1:]  # signed as a SET, not as the [0] it is stored as
        else:
            if content is None or not (content == digest or _b64(content) == digest):
                return SignedValueCheck(status=INVALID, reason="被签名的文件在签名后被改动：杂凑值不符", **common)  # fmt: skip
            message = content
        if cert is None:
            return SignedValueCheck(status=UNVERIFIABLE, reason="数字签名中没有签名者证书，无法验证", **common)  # fmt: skip
        if not sm2.verify_with(cert, message, bytes(si["signature"].native)):
            return SignedValueCheck(status=INVALID, reason="签名值验证失败：签名数据被改动，或并非由所附证书签署", **common)  # fmt: skip
        notes = _trust(cert, when, roots, certs)
        revoked = sm2.revocation(cert, crls, when)
    trusted = not notes and not (revoked and revoked["effective"])
    return SignedValueCheck(
        status=VALID, trusted=trusted, trust_notes=tuple(notes), revoked=revoked, **common
    )


def _octets(encap: Any) -> bytes | None:
    """The encapsulated content's bytes (an OCTET STRING), None when detached or of another kind."""
    if encap is None or not encap.contents:
        return None
    try:
        node = der(encap.dump())
        while node.cls == 2 and node.constructed:  # [0] EXPLICIT wrappers
            (node,) = node.kids()
        return node.octets()
    except (ValueError, TypeError):
        return None


def _b64(content: bytes) -> bytes | None:
    try:
        return base64.b64decode(content, validate=True)
    except ValueError:
        return None


def _bare(signature: bytes, tbs: bytes, roots: list[Any], when: datetime | None) -> SignedValueCheck:
    fmt = "SM2 裸签名（未附证书）"
    for root in roots:
        if sm2.verify_with(root, tbs, signature):
            notes = _trust(root, when, roots)
            return SignedValueCheck(fmt, VALID, trusted=not notes, trust_notes=tuple(notes),
                                    algorithm="SM3withSM2", signer=sm2.describe(root), signed_at=_iso(when))  # fmt: skip
    return SignedValueCheck(
        fmt, UNVERIFIABLE,
        "签名值未附签名者证书，无法验证；可将签名者证书配置为可信根证书（DANGAN_TRUST_ROOTS）后验证",
        algorithm="SM3withSM2", signed_at=_iso(when),
    )  # fmt: skip


def verify_signed_value(
    kind: str,
    signature_xml: bytes,
    signed_value: bytes,
    *,
    seal_file: bytes | None = None,
    roots: list[Any] | None = None,
    signature_time: str | None = None,
) -> SignedValueCheck:
    """Verify SignedValue.dat against the Signature.xml bytes it signs; never raises on bad input.
    `roots` may carry CRLs beside the certificates (see `signatures.ofd_trust_roots`)."""
    material = roots or []
    roots, crls = sm2.split_trust(material)
    when = parse_signature_time(signature_time)
    try:
        return _ses(parse_ses(signed_value), signature_xml, seal_file, roots, when, crls)
    except Damaged as exc:
        if kind != "Sign":
            return SignedValueCheck("电子签章", INVALID, f"签章数据（SignedValue.dat）已损坏：{exc}")
    except NotSes:
        pass
    signed = signed_data(signed_value)
    if signed is not None:
        return verify_signed_data(signed, signature_xml, material, when)
    if sm2.raw_signature(signed_value) is not None:
        return _bare(signed_value, signature_xml, roots, when)
    if kind != "Sign":
        return SignedValueCheck("电子签章", INVALID, "签章数据（SignedValue.dat）不是可识别的电子签章结构，可能已损坏")  # fmt: skip
    return SignedValueCheck("未知", UNVERIFIABLE, "签名值的格式无法识别（既非电子签章、GB/T 35275 签名，也非 SM2 签名值）")  # fmt: skip
