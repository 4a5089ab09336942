"""Revocation of seal signer certificates: an X.509 v2 CRL signed SM3withSM2 by the seal root, in
``DATA/keys/seal/crl/<root sha256>.crl`` (PEM ``X509 CRL``), the SM2 twin of `_revocation`.

`cryptography` cannot sign with SM2, so the CRL is DER written from asn1crypto's primitive types the
way `_sm2pki` writes certificates (same reason: no class with a name map is built here). The OFD
checker (`dangan.checks`) reads these files beside the seal roots, verifies each one's signature with
the root, and reports a seal whose signer is listed as revoked. A file whose signature does not verify
is refused at load, never skipped.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import gmssl_fast
from asn1crypto import algos, core, crl, pem, x509  # type: ignore[import-untyped]

# asn1crypto caches each OID class's name → OID map the first time a value is built by name; asn1crypto.tsp
# (which pyHanko's time-stamping needs) adds names such as tst_info to those classes when imported. Import it
# before anything here builds a value, or a PDF time-stamped later in this process fails ("tst_info").
from asn1crypto import tsp as _tsp  # noqa: F401

from dangan.core import ConfigurationError, ValidationFailed

from ._revocation import CRL_DAYS, CRL_DIR, REASONS, Revocation, reason_by_code, reason_name, revocation_time
from ._seal import SealIdentity, _mkdir, _write
from ._sm2pki import SM3_WITH_SM2, bits, certificate_subject, integer, load_key, octets, oid, seq, tlv

_REASON_CODE, _CRL_NUMBER, _AKI = "2.5.29.21", "2.5.29.20", "2.5.29.35"


def _time(when: datetime) -> bytes:
    return bytes(core.UTCTime(when).dump()) if when.year < 2050 else bytes(core.GeneralizedTime(when).dump())


def _root_key_path(keys_dir: Path, root: bytes) -> Path | None:
    base = keys_dir / "seal" / "ca"
    for folder in sorted(base.iterdir()) if base.is_dir() else []:
        cert = folder / "cert.pem"
        if cert.is_file() and bytes(pem.unarmor(cert.read_bytes())[2]) == root:
            return folder / "key.pem"
    return None


def _roots(keys_dir: Path) -> list[bytes]:
    base = keys_dir / "seal" / "roots"
    return (
        [bytes(pem.unarmor(p.read_bytes())[2]) for p in sorted(base.glob("*.pem"))] if base.is_dir() else []
    )


def _point(cert_der: bytes) -> str:
    point = bytes(x509.Certificate.load(cert_der).public_key["public_key"].native)
    return (b"\x04" + point if len(point) == 64 else point).hex()


def _signed_by(item: crl.CertificateList, root: bytes) -> bool:
    """Whether the seal root `root` signed the CRL (same issuer name, SM2 signature verifies)."""
    if item["tbs_cert_list"]["issuer"].dump() != certificate_subject(root):
        return False
    try:
        sig = algos.DSASignature.load(bytes(item["signature"].native))
        raw = int(sig["r"].native).to_bytes(32, "big") + int(sig["s"].native).to_bytes(32, "big")
        verifier = gmssl_fast.SM2(public_key=_point(root))
        return bool(verifier.verify(item["tbs_cert_list"].dump(), raw))
    except (ValueError, TypeError, OverflowError, gmssl_fast.GmsslError):
        return False


def seal_crl_files(keys_dir: Path) -> tuple[Path, ...]:
    base = keys_dir / "seal" / CRL_DIR
    return tuple(sorted(base.glob("*.crl"))) if base.is_dir() else ()


def _load(path: Path) -> crl.CertificateList:
    try:
        item = crl.CertificateList.load(bytes(pem.unarmor(path.read_bytes())[2]))
        item.native  # noqa: B018  (parse all of it now)
    except (ValueError, TypeError, KeyError) as exc:
        raise ConfigurationError(f"印章吊销列表 {path} 已损坏，拒绝使用：{exc}；请从密钥备份恢复") from None
    return item


def seal_crls(keys_dir: Path) -> list[crl.CertificateList]:
    """Every seal CRL, each verified with the seal root that signed it; a damaged one is an error."""
    roots, out = _roots(keys_dir), []
    for path in seal_crl_files(keys_dir):
        item = _load(path)
        if not any(_signed_by(item, r) for r in roots):
            raise ConfigurationError(f"印章吊销列表 {path} 的签名无法用本馆的印章根证书验证（文件被改动），"
                                     "拒绝使用：请从密钥备份恢复")  # fmt: skip
        out.append(item)
    return out


def _reason(entry: crl.RevokedCertificate) -> str:
    for ext in entry["crl_entry_extensions"] or []:
        if ext["extn_id"].dotted == _REASON_CODE:
            return reason_by_code(int.from_bytes(bytes(ext["extn_value"].contents)[2:], "big"))
    return "unspecified"


def seal_revocation(keys_dir: Path, seal: SealIdentity) -> Revocation | None:
    """The entry revoking the seal's signer certificate, if any."""
    cert = x509.Certificate.load(seal.cert)["tbs_certificate"]
    for item in seal_crls(keys_dir):
        tbs = item["tbs_cert_list"]
        if tbs["issuer"].dump() != cert["issuer"].dump():
            continue
        for entry in tbs["revoked_certificates"] or []:
            if entry["user_certificate"].native == cert["serial_number"].native:
                return Revocation(entry["user_certificate"].native, entry["revocation_date"].native,
                                  _reason(entry), str(tbs["issuer"].human_friendly))  # fmt: skip
    return None


def stale_seal_crls(keys_dir: Path, now: datetime | None = None) -> list[tuple[str, datetime]]:
    now = now or datetime.now(UTC)
    out = []
    for item in seal_crls(keys_dir):
        tbs = item["tbs_cert_list"]
        nxt = tbs["next_update"].native if tbs["next_update"] else None
        if nxt is not None and nxt < now:
            out.append((str(tbs["issuer"].human_friendly), nxt))
    return out


def _entry_der(serial: int, when: datetime, reason: str) -> bytes:
    code = REASONS[reason][0]
    exts = [] if reason == "unspecified" else [seq(seq(oid(_REASON_CODE), octets(tlv(0x0A, bytes([code])))))]
    return seq(integer(serial), _time(when), *exts)


def revoke_seal(
    keys_dir: Path, seal: SealIdentity, reason: str, *, now: datetime | None = None
) -> Revocation:
    """Add the seal's signer certificate to its root's CRL and re-sign the CRL (atomic rename)."""
    reason = reason_name(reason)
    if reason == "certificateHold":
        raise ValidationFailed(
            "本馆不支持冻结证书（certificateHold）：请选择其他吊销原因", code="revocation_reason"
        )
    key_path = _root_key_path(keys_dir, seal.root)
    if key_path is None:
        raise ValidationFailed(f"电子印章 {seal.id} 的根证书私钥不在本馆，无法吊销", code="revoke_outside_ca")
    if seal_revocation(keys_dir, seal) is not None:
        raise ValidationFailed(f"电子印章 {seal.id} 的签章者证书已被吊销", code="already_revoked")
    path = _mkdir(keys_dir / "seal" / CRL_DIR) / f"{hashlib.sha256(seal.root).hexdigest()}.crl"
    entries, number = [], 1
    if path.exists():
        held = _load(path)
        entries = [bytes(e.dump()) for e in held["tbs_cert_list"]["revoked_certificates"] or []]
        for ext in held["tbs_cert_list"]["crl_extensions"] or []:
            if ext["extn_id"].dotted == _CRL_NUMBER:
                number = int(core.Integer.load(bytes(ext["extn_value"].contents)).native) + 1
    now = revocation_time(now)
    serial = int(x509.Certificate.load(seal.cert).serial_number)
    entries.append(_entry_der(serial, now, reason))
    root_key = load_key(key_path.read_bytes(), key_path)
    key_id = gmssl_fast.sm3(bytes.fromhex(root_key.public_hex))[:20]
    extensions = [
        seq(oid(_CRL_NUMBER), octets(integer(number))),
        seq(oid(_AKI), octets(seq(tlv(0x80, key_id)))),
    ]
    algorithm = seq(oid(SM3_WITH_SM2))
    tbs = seq(integer(1), algorithm, certificate_subject(seal.root), _time(now),
              _time(now + timedelta(days=CRL_DAYS)), seq(*entries), tlv(0xA0, seq(*extensions)))  # fmt: skip
    der = seq(tbs, algorithm, bits(root_key.sign(tbs)))
    _write(path, bytes(pem.armor("X509 CRL", der)), 0o644)
    found = seal_revocation(keys_dir, seal)
    assert found is not None
    return found
