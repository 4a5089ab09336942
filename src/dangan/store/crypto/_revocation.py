"""Revocation of the archive's signing certificates: real X.509 CRLs in ``DATA/keys/signing/crl``.

The archive is offline and its local CA publishes nowhere, so a revoked certificate must be known from
files kept beside the roots: one CRL per issuing CA, named by the SHA-256 of the issuer certificate
(``crl/<sha256>.crl``, PEM). A local root's CRL is re-signed by that root at each revocation (the
CRL number grows, every earlier entry is kept); an outside CA's CRL is imported as that CA published
it. A CRL is trusted only when its signature verifies with a CA certificate the archive holds: a
damaged or forged file is refused with an error when it is loaded, never skipped, because a skipped
CRL would turn a revoked certificate back into a valid one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from dangan.core import BEIJING, ConfigurationError, ValidationFailed

from ._certs import (
    SigningIdentity,
    _load_key,
    _mkdir,
    _write,
    load_certificates,
    signing_identities,
    trusted_roots,
)

# RFC 5280 §5.3.1 reason codes, by their ASN.1 names: (code, what a Chinese reader is told)
REASONS: dict[str, tuple[int, str]] = {
    "unspecified": (0, "未说明原因"),
    "keyCompromise": (1, "私钥泄露"),
    "cACompromise": (2, "CA 私钥泄露"),
    "affiliationChanged": (3, "隶属关系变更"),
    "superseded": (4, "已被新证书取代"),
    "cessationOfOperation": (5, "停止使用"),
    "certificateHold": (6, "证书冻结"),
    "privilegeWithdrawn": (9, "权限被撤销"),
    "aACompromise": (10, "属性机构私钥泄露"),
}
# the key was not compromised: what it signed before the revocation date still stands (RFC 5280 §5.3.1)
BENIGN = frozenset({"affiliationChanged", "superseded", "cessationOfOperation"})
CRL_DAYS = 10 * 365  # an offline archive publishes no fresher list: the next update is far away
CRL_DIR = "crl"


def reason_name(text: str) -> str:
    """The RFC 5280 name of a reason given in any case (``keycompromise``, ``caCompromise``)."""
    wanted = text.strip().lower()
    for known in REASONS:
        if known.lower() == wanted:
            return known
    choices = "、".join(k for k in REASONS if k != "certificateHold")
    raise ValidationFailed(f"未知的吊销原因 {text}（可选 {choices}）", code="revocation_reason")


def revocation_time(now: datetime | None = None) -> datetime:
    """Now, rounded *up* to the whole second a CRL can hold: a signature made earlier in that second
    precedes the revocation, as it did."""
    now = now or datetime.now(UTC)
    return now.replace(microsecond=0) + (timedelta(seconds=1) if now.microsecond else timedelta())


def reason_by_code(code: int | None) -> str:
    return next((name for name, (c, _label) in REASONS.items() if c == code), "unspecified")


@dataclass(frozen=True)
class Revocation:
    """One entry of a CRL, as a verdict needs it."""

    serial: int
    revoked_at: datetime
    reason: str
    issuer: str

    @property
    def label(self) -> str:
        return REASONS.get(self.reason, (0, self.reason))[1]

    def applies_to(self, signed_at: datetime | None) -> bool:
        """Whether a signature made at `signed_at` falls with the certificate: always, unless the
        reason says the key was never compromised and the signature predates the revocation."""
        return not (self.reason in BENIGN and signed_at is not None and signed_at < self.revoked_at)

    def message(self) -> str:
        local = self.revoked_at.astimezone(ZoneInfo(BEIJING))
        return f"签名证书已于 {local:%Y-%m-%d %H:%M}（北京时间）被吊销（原因：{self.label}）"

    def as_json(self) -> dict[str, object]:
        return {
            "serial": format(self.serial, "x"),
            "revoked_at": self.revoked_at.isoformat(),
            "reason": self.reason,
            "reason_label": self.label,
            "issuer": self.issuer,
        }


# -- reading ------------------------------------------------------------------------------------


def _issuers(keys_dir: Path, extra: Path | None = None) -> list[x509.Certificate]:
    """Every CA certificate a CRL may be signed by: the roots and the chains of held identities."""
    found = trusted_roots(keys_dir, extra)
    for ident in signing_identities(keys_dir):
        found.extend(ident.chain)
    return found


def _parse(data: bytes, where: Path | str) -> x509.CertificateRevocationList:
    try:
        crl = x509.load_pem_x509_crl(data) if b"-----BEGIN" in data else x509.load_der_x509_crl(data)
        _ = crl.issuer, crl.last_update_utc, crl.next_update_utc, crl.extensions  # parsed lazily: now
        for item in crl:
            _ = item.serial_number, item.revocation_date_utc, item.extensions
        return crl
    except ValueError as exc:
        raise ValidationFailed(f"{where} 不是 PEM 或 DER 格式的 X.509 吊销列表：{exc}", code="crl") from None


def _signer(crl: x509.CertificateRevocationList, cas: list[x509.Certificate]) -> x509.Certificate | None:
    for ca in cas:
        if ca.subject != crl.issuer:
            continue
        key = ca.public_key()
        if isinstance(key, ec.EllipticCurvePublicKey | rsa.RSAPublicKey) and crl.is_signature_valid(key):
            return ca
    return None


def _fingerprint(cert: x509.Certificate) -> str:
    return cert.fingerprint(hashes.SHA256()).hex()


def signing_crls(keys_dir: Path, extra: Path | None = None) -> list[x509.CertificateRevocationList]:
    """Every CRL held, each verified against the CA that signed it; a damaged one is an error."""
    base = keys_dir / "signing" / CRL_DIR
    paths = sorted(base.glob("*.crl")) if base.is_dir() else []
    if not paths:
        return []
    cas, out = _issuers(keys_dir, extra), []
    for path in paths:
        try:
            crl = _parse(path.read_bytes(), path)
        except ValidationFailed as exc:
            raise ConfigurationError(f"吊销列表 {path} 已损坏，拒绝使用：{exc.message}；请从密钥备份恢复，"
                                     "或重新吊销 / 导入") from None  # fmt: skip
        if _signer(crl, cas) is None:
            raise ConfigurationError(f"吊销列表 {path} 的签名无法用本馆持有的 CA 证书验证（文件被改动或来源不明），"
                                     "拒绝使用：请从密钥备份恢复，或重新吊销 / 导入")  # fmt: skip
        out.append(crl)
    return out


def _entry(crl: x509.CertificateRevocationList, item: x509.RevokedCertificate) -> Revocation:
    try:
        flag = item.extensions.get_extension_for_class(x509.CRLReason).value.reason
        reason = str(flag.value)
    except x509.ExtensionNotFound:
        reason = "unspecified"
    return Revocation(item.serial_number, item.revocation_date_utc, reason, crl.issuer.rfc4514_string())


def revocation_of(cert: x509.Certificate, crls: list[x509.CertificateRevocationList]) -> Revocation | None:
    """The entry revoking `cert` in a CRL of its issuer, if any (a hold counts while it lasts)."""
    for crl in crls:
        if crl.issuer != cert.issuer:
            continue
        item = crl.get_revoked_certificate_by_serial_number(cert.serial_number)
        if item is not None:
            return _entry(crl, item)
    return None


def stale_crls(keys_dir: Path, now: datetime | None = None) -> list[tuple[str, datetime]]:
    """(issuer, next update) of each CRL whose next update has passed."""
    now = now or datetime.now(UTC)
    return [
        (crl.issuer.rfc4514_string(), crl.next_update_utc)
        for crl in signing_crls(keys_dir)
        if crl.next_update_utc is not None and crl.next_update_utc < now
    ]


# -- writing ------------------------------------------------------------------------------------


def _local_ca(keys_dir: Path, issuer: x509.Certificate) -> Path | None:
    base = keys_dir / "signing" / "ca"
    for folder in sorted(base.iterdir()) if base.is_dir() else []:
        cert = folder / "cert.pem"
        if cert.is_file() and load_certificates(cert.read_bytes(), cert)[0] == issuer:
            return folder / "key.pem"
    return None


def _crl_path(keys_dir: Path, issuer: x509.Certificate) -> Path:
    return _mkdir(keys_dir / "signing" / CRL_DIR) / f"{_fingerprint(issuer)}.crl"


def revoke_identity(keys_dir: Path, ident: SigningIdentity, reason: str, *,
                    now: datetime | None = None) -> Revocation:  # fmt: skip
    """Add `ident` to the CRL of the local root that issued it and re-sign that CRL (atomic rename).

    A certificate of an outside CA can only be revoked by that CA: import its CRL instead."""
    reason = reason_name(reason)
    if reason == "certificateHold":
        raise ValidationFailed(
            "本馆不支持冻结证书（certificateHold）：请选择其他吊销原因", code="revocation_reason"
        )
    issuer = next((c for c in ident.chain if c.subject == ident.cert.issuer), None)
    key_path = _local_ca(keys_dir, issuer) if issuer is not None else None
    if issuer is None or key_path is None:
        raise ValidationFailed(
            f"签名证书 {ident.id} 由外部 CA 签发，本馆无法吊销：请该 CA 吊销后，用 dangan keys import-crl 导入其吊销列表",
            code="revoke_outside_ca",
        )
    path = _crl_path(keys_dir, issuer)
    old = signing_crls(keys_dir) if path.exists() else []
    previous = next((c for c in old if c.issuer == issuer.subject), None)
    if previous is not None and previous.get_revoked_certificate_by_serial_number(ident.cert.serial_number):
        raise ValidationFailed(f"签名证书 {ident.id} 已被吊销", code="already_revoked")
    now = revocation_time(now)
    root_key = _load_key(key_path.read_bytes(), key_path)
    assert isinstance(root_key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey)
    number = 1
    builder = x509.CertificateRevocationListBuilder().issuer_name(issuer.subject)
    if previous is not None:
        for item in previous:
            builder = builder.add_revoked_certificate(item)
        try:
            number = previous.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number + 1
        except x509.ExtensionNotFound:
            number = 2
    entry = x509.RevokedCertificateBuilder().serial_number(ident.cert.serial_number).revocation_date(now)
    if reason != "unspecified":  # RFC 5280: the unspecified code SHOULD be left out
        entry = entry.add_extension(x509.CRLReason(x509.ReasonFlags(reason)), critical=False)
    crl = (
        builder.add_revoked_certificate(entry.build())
        .last_update(now)
        .next_update(now + timedelta(days=CRL_DAYS))
        .add_extension(x509.CRLNumber(number), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), critical=False
        )
        .sign(root_key, hashes.SHA256())
    )
    _write(path, crl.public_bytes(serialization.Encoding.PEM), 0o644)
    found = revocation_of(ident.cert, [crl])
    assert found is not None
    return found


def import_crl(keys_dir: Path, data: bytes, *, extra: Path | None = None,
               now: datetime | None = None) -> x509.CertificateRevocationList:  # fmt: skip
    """Adopt an outside CA's CRL: refused (nothing written) unless a CA certificate the archive holds
    signed it, and unless it is at least as new as the one already held for that CA."""
    crl = _parse(data, "吊销列表文件")
    signer = _signer(crl, _issuers(keys_dir, extra))
    if signer is None:
        raise ValidationFailed(f"吊销列表（签发者 {crl.issuer.rfc4514_string()}）不是由本馆持有的任何 CA 证书签署的："
                               "请先用 dangan keys import-cert --chain 导入该 CA 的证书链", code="crl_signature")  # fmt: skip
    now = now or datetime.now(UTC)
    if crl.last_update_utc > now + timedelta(minutes=5):
        raise ValidationFailed(
            f"吊销列表的签发时间 {crl.last_update_utc:%Y-%m-%d %H:%M} 晚于现在", code="crl_future"
        )
    path = _crl_path(keys_dir, signer)
    if path.exists():
        held = _parse(path.read_bytes(), path)
        if held.last_update_utc > crl.last_update_utc:
            raise ValidationFailed(f"该吊销列表（{crl.last_update_utc:%Y-%m-%d}）比已导入的"
                                   f"（{held.last_update_utc:%Y-%m-%d}）旧，未导入", code="crl_older")  # fmt: skip
    _write(path, crl.public_bytes(serialization.Encoding.PEM), 0o644)
    return crl
