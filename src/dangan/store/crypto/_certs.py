"""The archive's signing certificates as files in ``DATA/keys/signing``: a local root CA for the embedded
default, or a certificate an outside CA issued; a time-stamping certificate; the trusted roots.

Layout (every private key 0600, every folder 0700, each identity written whole into a temporary folder
and renamed, so a crash leaves an identity complete or absent)::

    signing/current            id of the identity that signs now (replaced atomically)
    signing/id/<id>/           cert.pem, key.pem, chain.pem   — kept after rotation
    signing/ca/<id>/           cert.pem, key.pem              — local roots (they issue rotations)
    signing/tsa/<id>/          cert.pem, key.pem, chain.pem   — local time-stamping authority
    signing/roots/<sha256>.pem trusted roots: local CAs and the roots of imported chains
    signing/crl/<sha256>.crl   the CRL of the CA with that certificate hash (see `_revocation`)

Old identities are never deleted: a copy signed before a rotation carries its certificate in the
signature and still chains to a root kept here.
"""

from __future__ import annotations

import os
import secrets
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from dangan.core import ConfigurationError, ValidationFailed

from ._keyfiles import private_dir, write_atomic

Algorithm = Literal["ecdsa-p256", "sm2"]
ALGORITHMS: tuple[str, ...] = ("ecdsa-p256", "sm2")
SigningKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey
ROOT_DAYS = 20 * 365
BACKDATE = timedelta(minutes=5)  # tolerate a validator whose clock is a little behind
SM2_UNSUPPORTED = (
    "本机的 pyHanko 0.38 与 cryptography 不支持 SM2 证书的 PDF 签名与验证，"
    "请使用 --algorithm ecdsa-p256（SM2 电子印章留待 OFD 签章实现）"
)


@dataclass(frozen=True)
class SigningIdentity:
    """A certificate, its chain up to (not always including) a root, and where its private key is."""

    id: str
    cert: x509.Certificate
    chain: tuple[x509.Certificate, ...]
    key_path: Path
    source: str  # "local" (made by `dangan keys ca`) or "imported"

    def private_key(self) -> SigningKey:
        return _load_key(self.key_path.read_bytes(), self.key_path)

    @property
    def not_before(self) -> datetime:
        return self.cert.not_valid_before_utc

    @property
    def not_after(self) -> datetime:
        return self.cert.not_valid_after_utc

    @property
    def subject(self) -> str:
        return self.cert.subject.rfc4514_string()

    def days_left(self, now: datetime | None = None) -> float:
        return (self.not_after - (now or datetime.now(UTC))).total_seconds() / 86400

    def as_json(self, now: datetime | None = None) -> dict[str, object]:
        return {
            "id": self.id,
            "subject": self.subject,
            "issuer": self.cert.issuer.rfc4514_string(),
            "serial": format(self.cert.serial_number, "x"),
            "not_before": self.not_before.isoformat(),
            "not_after": self.not_after.isoformat(),
            "days_left": round(self.days_left(now), 1),
            "algorithm": key_algorithm(self.cert),
            "sha256": self.cert.fingerprint(hashes.SHA256()).hex(),
            "source": self.source,
        }


def key_algorithm(cert: x509.Certificate) -> str:
    key = cert.public_key()
    if isinstance(key, ec.EllipticCurvePublicKey):
        return "ecdsa-p256" if key.curve.name == "secp256r1" else f"ecdsa-{key.curve.name}"
    if isinstance(key, rsa.RSAPublicKey):
        return f"rsa-{key.key_size}"
    return type(key).__name__


# -- files -----------------------------------------------------------------------------------------


def _mkdir(path: Path) -> Path:
    return private_dir(path, "signing")


_write = write_atomic


def _pem(*certs: x509.Certificate) -> bytes:
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certs)


def _key_pem(key: SigningKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _load_key(data: bytes, where: Path | str) -> SigningKey:
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise ValidationFailed(
            f"私钥 {where} 无法读取（须为未加密的 PEM）：{exc}", code="signing_key"
        ) from None
    if not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey):
        raise ValidationFailed(f"私钥 {where} 的算法不能用于 PDF 签名（可用 ECDSA、RSA）", code="signing_key")
    return key


def load_certificates(data: bytes, where: Path | str = "证书") -> list[x509.Certificate]:
    try:
        if b"-----BEGIN" in data:
            return x509.load_pem_x509_certificates(data)
        return [x509.load_der_x509_certificate(data)]
    except ValueError as exc:
        raise ValidationFailed(
            f"{where} 不是 PEM 或 DER 格式的 X.509 证书：{exc}", code="certificate"
        ) from None


def _save_identity(base: Path, ident_id: str, key: SigningKey, cert: x509.Certificate,
                   chain: tuple[x509.Certificate, ...]) -> Path:  # fmt: skip
    """Write the three files into a temporary folder and rename it into place: whole or absent."""
    _mkdir(base)
    tmp = base / f".{ident_id}.tmp"
    _mkdir(tmp)
    try:
        _write(tmp / "key.pem", _key_pem(key), 0o600)
        _write(tmp / "cert.pem", _pem(cert), 0o644)
        _write(tmp / "chain.pem", _pem(*chain), 0o644)
        os.replace(tmp, base / ident_id)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return base / ident_id


def _read_identity(folder: Path, source: str) -> SigningIdentity | None:
    cert_path = folder / "cert.pem"
    if not cert_path.is_file():
        return None
    chain_path = folder / "chain.pem"
    chain = (
        load_certificates(chain_path.read_bytes(), chain_path)
        if chain_path.is_file() and chain_path.stat().st_size
        else []
    )
    return SigningIdentity(folder.name, load_certificates(cert_path.read_bytes(), cert_path)[0], tuple(chain),
                           folder / "key.pem", source)  # fmt: skip


def _add_root(keys_dir: Path, cert: x509.Certificate) -> None:
    roots = _mkdir(keys_dir / "signing" / "roots")
    path = roots / f"{cert.fingerprint(hashes.SHA256()).hex()}.pem"
    if not path.exists():
        _write(path, _pem(cert), 0o644)


def _new_id() -> str:
    return f"{datetime.now(UTC):%Y%m%dT%H%M%S%f}-{secrets.token_hex(3)}"  # sorts by creation


# -- making certificates ---------------------------------------------------------------------------


def _fit(text: str, limit: int = 64) -> str:
    """X.520 caps CN, O and OU at 64 characters, which cryptography counts in UTF-8 bytes."""
    while len(text.encode()) > limit:
        text = text[:-1]
    return text


def _name(common: str, fonds_name: str, fonds_code: str | None = None) -> x509.Name:
    attrs = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, _fit(fonds_name)),
    ]
    if fonds_code:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, _fit(f"全宗号 {fonds_code}")))
    return x509.Name([*attrs, x509.NameAttribute(NameOID.COMMON_NAME, _fit(common))])


def build_certificate(subject: x509.Name, public: ec.EllipticCurvePublicKey | rsa.RSAPublicKey,
                      issuer: x509.Certificate | None, issuer_key: SigningKey, not_before: datetime,
                      not_after: datetime, *, ca: bool = False, tsa: bool = False) -> x509.Certificate:  # fmt: skip
    """One X.509 v3 certificate: a root (no `issuer`), a signing certificate (digitalSignature +
    nonRepudiation) or a time-stamping certificate (critical timeStamping EKU, as RFC 3161 requires)."""
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.subject if issuer else subject)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=0 if ca else None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
    )
    if ca:
        usage = x509.KeyUsage(False, False, False, False, False, True, True, False, False)
    else:
        usage = x509.KeyUsage(True, not tsa, False, False, False, False, False, False, False)
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
            critical=False,
        )
    builder = builder.add_extension(usage, critical=True)
    if tsa:
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True
        )
    return builder.sign(issuer_key, hashes.SHA256())


def _local_root(keys_dir: Path, fonds_name: str, until: datetime, now: datetime,
                new_root: bool) -> tuple[x509.Certificate, SigningKey]:  # fmt: skip
    """The newest local root still valid past `until`, or a new one (kept, and trusted from now on)."""
    base = keys_dir / "signing" / "ca"
    if not new_root and base.is_dir():
        for folder in sorted(base.iterdir(), reverse=True):
            found = _read_identity(folder, "local") if not folder.name.startswith(".") else None
            if found is not None and found.not_after >= until and found.not_before <= now:
                return found.cert, found.private_key()
    key, root_id = ec.generate_private_key(ec.SECP256R1()), _new_id()
    cert = build_certificate(_name(f"本地根证书 {root_id} {fonds_name}", fonds_name), key.public_key(), None,
                             key, now - BACKDATE, now + timedelta(days=ROOT_DAYS), ca=True)  # fmt: skip
    _save_identity(base, root_id, key, cert, ())
    _add_root(keys_dir, cert)
    return cert, key


def create_local_ca(keys_dir: Path, fonds_name: str, fonds_code: str, *, algorithm: str = "ecdsa-p256",
                    days: int = 730, new_root: bool = False, now: datetime | None = None) -> SigningIdentity:  # fmt: skip
    """A signing certificate for the fonds from the local root (made when none is valid long enough),
    and a time-stamping certificate beside it; the new certificate signs from now on."""
    if algorithm == "sm2":
        raise ValidationFailed(SM2_UNSUPPORTED, code="sm2_unsupported")
    if algorithm not in ALGORITHMS:
        raise ValidationFailed(f"未知的算法 {algorithm}（可选 ecdsa-p256）", code="signing_algorithm")
    if not 1 <= days <= 3650:
        raise ValidationFailed("有效期须为 1–3650 天", code="signing_days")
    now = now or datetime.now(UTC)
    until = now + timedelta(days=days)
    root, root_key = _local_root(keys_dir, fonds_name, until, now, new_root)
    key = ec.generate_private_key(ec.SECP256R1())
    cert = build_certificate(_name(fonds_name, fonds_name, fonds_code), key.public_key(), root, root_key,
                             now - BACKDATE, until)  # fmt: skip
    ident_id = _new_id()
    _save_identity(keys_dir / "signing" / "id", ident_id, key, cert, (root,))
    tsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)  # pyHanko's local TSA: RSA only
    tsa = build_certificate(_name(f"{fonds_name} 时间戳服务", fonds_name, fonds_code), tsa_key.public_key(), root,
                            root_key, now - BACKDATE, until, tsa=True)  # fmt: skip
    _save_identity(keys_dir / "signing" / "tsa", ident_id, tsa_key, tsa, (root,))
    _set_current(keys_dir, ident_id)
    found = current_identity(keys_dir)
    assert found is not None
    return found


def import_certificate(keys_dir: Path, cert_pem: bytes, key_pem: bytes, chain_pem: bytes | None = None,
                       *, now: datetime | None = None) -> SigningIdentity:  # fmt: skip
    """Adopt a certificate an outside CA issued: refused unless the key is the certificate's, the
    certificate may sign documents and is valid now. Self-signed certificates of the chain become
    trusted roots; a chain without its root needs the root in DANGAN_TRUST_ROOTS."""
    now = now or datetime.now(UTC)
    certs = load_certificates(cert_pem, "证书文件")
    cert, extra = certs[0], certs[1:]
    key = _load_key(key_pem, "私钥文件")
    pub = serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    if key.public_key().public_bytes(*pub) != cert.public_key().public_bytes(*pub):
        raise ValidationFailed("私钥与证书不匹配：该私钥不是此证书的私钥", code="key_mismatch")
    if cert.not_valid_after_utc <= now:
        raise ValidationFailed(
            f"证书已于 {cert.not_valid_after_utc:%Y-%m-%d} 过期，不能用于签名", code="cert_expired"
        )
    if cert.not_valid_before_utc > now + BACKDATE:
        raise ValidationFailed(
            f"证书在 {cert.not_valid_before_utc:%Y-%m-%d} 之后才生效", code="cert_not_yet_valid"
        )
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
        if not (usage.digital_signature or usage.content_commitment):
            raise ValidationFailed(
                "证书的密钥用途不含数字签名或不可否认，不能用于文件签名", code="cert_usage"
            )
    except x509.ExtensionNotFound:
        pass
    chain = tuple(extra + (load_certificates(chain_pem, "证书链文件") if chain_pem else []))
    ident_id = _new_id()
    _save_identity(keys_dir / "signing" / "id", ident_id, key, cert, chain)
    (keys_dir / "signing" / "id" / ident_id / "imported").touch()
    for c in chain:
        if c.issuer == c.subject:
            _add_root(keys_dir, c)
    _set_current(keys_dir, ident_id)
    found = current_identity(keys_dir)
    assert found is not None
    return found


def _set_current(keys_dir: Path, ident_id: str) -> None:
    _write(_mkdir(keys_dir / "signing") / "current", f"{ident_id}\n".encode(), 0o644)


# -- reading ---------------------------------------------------------------------------------------


def _identity(keys_dir: Path, group: str, ident_id: str) -> SigningIdentity | None:
    folder = keys_dir / "signing" / group / ident_id
    source = "imported" if (folder / "imported").exists() else "local"
    return _read_identity(folder, source)


def current_identity(keys_dir: Path) -> SigningIdentity | None:
    """The identity that signs now, or None before the first `keys ca` / `keys import-cert`."""
    pointer = keys_dir / "signing" / "current"
    if not pointer.is_file():
        return None
    ident_id = pointer.read_text(encoding="ascii").strip()
    found = _identity(keys_dir, "id", ident_id)
    if found is None:
        raise ConfigurationError(f"签名证书 {ident_id} 缺失（{pointer.parent / 'id' / ident_id}）：从密钥备份恢复，"
                                 "或运行 dangan keys ca 重新生成")  # fmt: skip
    return found


def tsa_identity(keys_dir: Path) -> SigningIdentity | None:
    """The newest local time-stamping identity still valid, if any."""
    base = keys_dir / "signing" / "tsa"
    now = datetime.now(UTC)
    for folder in sorted(base.iterdir(), reverse=True) if base.is_dir() else []:
        found = _read_identity(folder, "local") if not folder.name.startswith(".") else None
        if found is not None and found.not_before <= now < found.not_after:
            return found
    return None


def signing_identities(keys_dir: Path) -> list[SigningIdentity]:
    """Every signing identity ever held, oldest first (rotation keeps them)."""
    base = keys_dir / "signing" / "id"
    names = sorted(p.name for p in base.iterdir() if not p.name.startswith(".")) if base.is_dir() else []
    return [i for i in (_identity(keys_dir, "id", n) for n in names) if i is not None]


def trusted_roots(keys_dir: Path, extra: Path | None = None) -> list[x509.Certificate]:
    """The archive's own roots plus the PEM file of DANGAN_TRUST_ROOTS, when set."""
    base = keys_dir / "signing" / "roots"
    found = (
        [c for p in sorted(base.glob("*.pem")) for c in load_certificates(p.read_bytes(), p)]
        if base.is_dir()
        else []
    )
    if extra is not None and extra.is_file():
        found += load_certificates(extra.read_bytes(), extra)
    return found


def signing_key_files(keys_dir: Path) -> list[Path]:
    """Every private key of the signing ring (for file-mode checks)."""
    base = keys_dir / "signing"
    return sorted(base.glob("*/*/key.pem")) if base.is_dir() else []
