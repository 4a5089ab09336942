"""The archive's electronic seal (电子印章, GB/T 38540 V4 SESeal) and the SM2 keys behind it, as files in
``DATA/keys/seal`` — the OFD counterpart of the PDF signing certificates in ``DATA/keys/signing``.

An electronic seal is two things an OFD reader checks: a *seal* (picture, name, validity, and the list
of certificates allowed to use it) signed by its maker, and the *signer's certificate* whose key signs
each document. Both are made here by a local seal root CA (SM2, the only algorithm seal checkers
accept): the root is the seal's maker and issues the signer certificate. Kept apart from the PDF roots
because pyHanko cannot read SM2 keys; the OFD checker is given these roots instead.

Layout (private keys 0600, folders 0700, each identity written whole into a temporary folder and
renamed, so a crash leaves a seal complete or absent)::

    seal/current               id of the seal that signs now (replaced atomically)
    seal/id/<id>/              cert.pem, key.pem, chain.pem, seal.esl   — kept after rotation
    seal/ca/<id>/              cert.pem, key.pem                        — seal roots (they make seals)
    seal/roots/<sha256>.pem    the seal roots, trusted by the OFD checker
    seal/crl/<sha256>.crl      a root's CRL of revoked signer certificates (see `_seal_crl`)

Old seals are never deleted: an OFD sealed before a rotation carries its seal and certificate in its
signature and still chains to a root kept here.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from asn1crypto import parser, pem, x509  # type: ignore[import-untyped]

# asn1crypto caches each OID class's name → OID map the first time a value is built by name; asn1crypto.tsp
# (which pyHanko's time-stamping needs) adds names such as tst_info to those classes when imported. Import it
# before anything here builds a value, or a PDF time-stamped later in this process fails ("tst_info").
from asn1crypto import tsp as _tsp  # noqa: F401

from dangan.core import ConfigurationError, ValidationFailed

from ._keyfiles import private_dir, write_atomic
from ._sm2pki import (
    SM3_WITH_SM2,
    Sm2Key,
    bits,
    build_certificate,
    certificate_subject,
    gentime,
    ia5,
    integer,
    load_key,
    name,
    octets,
    oid,
    seq,
    utf8,
)

ROOT_DAYS = 20 * 365
BACKDATE = timedelta(minutes=5)
SEAL_MM = 47  # the picture's size on paper (GB/T 38540 width/height, millimetres)
SEAL_TYPE_ORGANISATION = 1  # 单位印章
VENDOR = "Dangan"


@dataclass(frozen=True)
class SealIdentity:
    """One seal: the SESeal bytes, the signer certificate it lists, the root that made both."""

    id: str
    seal: bytes  # DER SES_Seal (V4), as it goes into Seal.esl and the signature
    cert: bytes  # DER of the signer certificate
    root: bytes  # DER of the seal root (the seal's maker and the certificate's issuer)
    key_path: Path
    name: str
    es_id: str
    not_before: datetime
    not_after: datetime

    def private_key(self) -> Sm2Key:
        return load_key(self.key_path.read_bytes(), self.key_path)

    def days_left(self, now: datetime | None = None) -> float:
        return (self.not_after - (now or datetime.now(UTC))).total_seconds() / 86400

    def as_json(self, now: datetime | None = None) -> dict[str, object]:
        return {
            "id": self.id,
            "name": self.name,
            "es_id": self.es_id,
            "not_before": self.not_before.isoformat(),
            "not_after": self.not_after.isoformat(),
            "days_left": round(self.days_left(now), 1),
            "algorithm": "SM3withSM2",
            "certificate_sha256": hashlib.sha256(self.cert).hexdigest(),
            "root_sha256": hashlib.sha256(self.root).hexdigest(),
        }


# -- files ----------------------------------------------------------------------------------------


def _mkdir(path: Path) -> Path:
    return private_dir(path, "seal")


_write = write_atomic


def _cert_pem(der: bytes) -> bytes:
    return bytes(pem.armor("CERTIFICATE", der))


def _cert_der(path: Path) -> bytes:
    try:
        return bytes(pem.unarmor(path.read_bytes())[2])
    except ValueError as exc:
        raise ConfigurationError(f"印章证书 {path} 无法读取：{exc}") from None


def _save(base: Path, ident_id: str, files: dict[str, tuple[bytes, int]]) -> Path:
    _mkdir(base)
    tmp = base / f".{ident_id}.tmp"
    _mkdir(tmp)
    try:
        for file_name, (data, mode) in files.items():
            _write(tmp / file_name, data, mode)
        os.replace(tmp, base / ident_id)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return base / ident_id


def _new_id() -> str:
    return f"{datetime.now(UTC):%Y%m%dT%H%M%S%f}-{secrets.token_hex(3)}"  # sorts by creation


def _validity(cert_der: bytes) -> tuple[datetime, datetime]:
    validity = x509.Certificate.load(cert_der)["tbs_certificate"]["validity"]
    return validity["not_before"].native, validity["not_after"].native


# -- making a seal ----------------------------------------------------------------------------------


def seal_bytes(root: bytes, root_key: Sm2Key, signer_cert: bytes, seal_name: str, es_id: str,
               picture_png: bytes, made: datetime, valid_from: datetime, valid_to: datetime) -> bytes:  # fmt: skip
    """DER of a GB/T 38540 V4 SES_Seal listing `signer_cert`, signed by the maker (`root`) over
    SEQUENCE {eSealInfo, cert, signAlgID} as the standard says."""
    header = seq(ia5("ES"), integer(4), ia5(VENDOR))
    prop = seq(
        integer(SEAL_TYPE_ORGANISATION),
        utf8(seal_name),
        integer(1),  # certListType 1: the certificates themselves
        seq(octets(signer_cert)),
        gentime(made),
        gentime(valid_from),
        gentime(valid_to),
    )
    picture = seq(ia5("PNG"), octets(picture_png), integer(SEAL_MM), integer(SEAL_MM))
    info = seq(header, ia5(es_id), prop, picture)
    maker = octets(root) + oid(SM3_WITH_SM2)
    return seq(info, maker, bits(root_key.sign(seq(info, maker))))


def _seal_root(keys_dir: Path, fonds_name: str, until: datetime, now: datetime,
               new_root: bool) -> tuple[bytes, Sm2Key]:  # fmt: skip
    """The newest seal root still valid past `until`, or a new one (kept, and trusted from now on)."""
    base = keys_dir / "seal" / "ca"
    if not new_root and base.is_dir():
        for folder in sorted((p for p in base.iterdir() if not p.name.startswith(".")), reverse=True):
            if not (folder / "cert.pem").is_file():
                continue
            der = _cert_der(folder / "cert.pem")
            start, end = _validity(der)
            if end >= until and start <= now:
                return der, load_key((folder / "key.pem").read_bytes(), folder / "key.pem")
    key, root_id = Sm2Key.generate(), _new_id()
    subject = name(f"电子印章根证书 {root_id}", fonds_name, "电子印章制作")
    cert = build_certificate(subject, key.public_hex, None, key, now - BACKDATE,
                             now + timedelta(days=ROOT_DAYS), ca=True)  # fmt: skip
    _save(base, root_id, {"cert.pem": (_cert_pem(cert), 0o644), "key.pem": (key.pem(), 0o600)})
    roots = _mkdir(keys_dir / "seal" / "roots")
    path = roots / f"{hashlib.sha256(cert).hexdigest()}.pem"
    if not path.exists():
        _write(path, _cert_pem(cert), 0o644)
    return cert, key


def create_seal(keys_dir: Path, fonds_name: str, fonds_code: str, picture_png: bytes, *,
                days: int = 730, new_root: bool = False, now: datetime | None = None) -> SealIdentity:  # fmt: skip
    """A new seal of the fonds (signer key and certificate, SESeal with `picture_png`) made by the
    seal root; it seals from now on, the previous one stays for the copies it sealed."""
    if not 1 <= days <= 3650:
        raise ValidationFailed("有效期须为 1–3650 天", code="seal_days")
    if not picture_png.startswith(b"\x89PNG"):
        raise ValidationFailed("印章图像须为 PNG", code="seal_picture")
    now = (now or datetime.now(UTC)).replace(microsecond=0)
    until = now + timedelta(days=days)
    root, root_key = _seal_root(keys_dir, fonds_name, until, now, new_root)
    key, ident_id = Sm2Key.generate(), _new_id()
    subject = name(f"{fonds_name} 电子印章", fonds_name, f"全宗号 {fonds_code}")
    cert = build_certificate(subject, key.public_hex, certificate_subject(root), root_key,
                             now - BACKDATE, until, ca=False)  # fmt: skip
    es_id = f"{fonds_code}{ident_id[:8]}{secrets.token_hex(4)}".upper()
    seal = seal_bytes(root, root_key, cert, f"{fonds_name}档案证明专用章", es_id, picture_png,
                      now, now - BACKDATE, until)  # fmt: skip
    _save(keys_dir / "seal" / "id", ident_id, {
        "key.pem": (key.pem(), 0o600),
        "cert.pem": (_cert_pem(cert), 0o644),
        "chain.pem": (_cert_pem(root), 0o644),
        "seal.esl": (seal, 0o644),
    })  # fmt: skip
    _write(_mkdir(keys_dir / "seal") / "current", f"{ident_id}\n".encode(), 0o644)
    found = current_seal(keys_dir)
    assert found is not None
    return found


# -- reading ----------------------------------------------------------------------------------------


def _kids(der: bytes) -> list[bytes]:
    """The DER of each element inside the one constructed element `der`."""
    body = parser.parse(der)[4]
    out, offset = [], 0
    while offset < len(body):
        _cls, _method, _tag, header, contents, trailer = parser.parse(body[offset:])
        size = len(header) + len(contents) + len(trailer)
        out.append(body[offset : offset + size])
        offset += size
    return out


def _text(der: bytes) -> str:
    return bytes(parser.parse(der)[4]).decode("utf-8")


def _read(folder: Path) -> SealIdentity | None:
    if not (folder / "seal.esl").is_file() or not (folder / "cert.pem").is_file():
        return None
    seal = (folder / "seal.esl").read_bytes()
    cert = _cert_der(folder / "cert.pem")
    start, end = _validity(cert)
    try:  # SES_Seal → eSealInfo → (header, esID, property → (type, name, …))
        info = _kids(_kids(seal)[0])
        es_id, seal_name = _text(info[1]), _text(_kids(info[2])[1])
    except (ValueError, IndexError, UnicodeDecodeError) as exc:
        raise ConfigurationError(f"电子印章文件 {folder / 'seal.esl'} 已损坏：{exc}") from None
    return SealIdentity(folder.name, seal, cert, _cert_der(folder / "chain.pem"), folder / "key.pem",
                        seal_name, es_id, start, end)  # fmt: skip


def current_seal(keys_dir: Path) -> SealIdentity | None:
    """The seal that signs now, or None before the first `keys seal` (or OFD copy)."""
    pointer = keys_dir / "seal" / "current"
    if not pointer.is_file():
        return None
    ident_id = pointer.read_text(encoding="ascii").strip()
    found = _read(keys_dir / "seal" / "id" / ident_id)
    if found is None:
        raise ConfigurationError(f"电子印章 {ident_id} 缺失（{pointer.parent / 'id' / ident_id}）：从密钥备份恢复，"
                                 "或运行 dangan keys seal 重新生成")  # fmt: skip
    return found


def seal_identities(keys_dir: Path) -> list[SealIdentity]:
    """Every seal ever held, oldest first (rotation keeps them)."""
    base = keys_dir / "seal" / "id"
    names = sorted(p.name for p in base.iterdir() if not p.name.startswith(".")) if base.is_dir() else []
    return [i for i in (_read(base / n) for n in names) if i is not None]


def seal_root_files(keys_dir: Path) -> tuple[Path, ...]:
    """The OFD checker's trust material: the PEM files of the archive's seal roots, then the CRLs
    they signed (``seal/crl/*.crl``), so that every check given these files honours revocations."""
    roots, crls = keys_dir / "seal" / "roots", keys_dir / "seal" / "crl"
    found = sorted(roots.glob("*.pem")) if roots.is_dir() else []
    return tuple(found + (sorted(crls.glob("*.crl")) if crls.is_dir() else []))


def seal_key_files(keys_dir: Path) -> list[Path]:
    """Every private key of the seal ring (for file-mode checks)."""
    base = keys_dir / "seal"
    return sorted(base.glob("*/*/key.pem")) if base.is_dir() else []
