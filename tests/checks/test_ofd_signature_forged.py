"""OFD signatures made here with our own SM2 keys: what the samples do not show.

A small PKI (root CA → signer, root CA → seal maker) signs GM/T 0031 V1 and GB/T 38540 V4 seals and a
GB/T 35275 SignedData with signed attributes, put into the DigitalSign sample in place of its bare
signature. Then the forgeries an archive must catch: a seal used by someone it was not made for, a
seal whose content was changed after its maker signed it, a signature by a CA that is not trusted.
"""

from __future__ import annotations

import hashlib
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import gmssl_fast
import pyhanko.sign.signers  # noqa: F401  (before building: see below)
import pytest
from asn1crypto import algos, cms, core, keys, pem, tsp, x509  # type: ignore[import-untyped]

from dangan.checks import read_ofd
from dangan.checks.signatures import ofd_trust_roots, verify_ofd_signatures
from tests.conftest import VECTORS

# asn1crypto caches a reverse name → OID map the first time an OID is *built*; pyHanko (and
# asn1crypto.tsp) add names to those maps on import. Import them first, or the PDF tests that run
# after this module find "signing_certificate_v2" missing.
assert tsp.TSTInfo is not None

SM3_SM2, SM2_SIGN, SM3, CURVE = "1.2.156.10197.1.501", "1.2.156.10197.1.301.1", "1.2.156.10197.1.401", "1.2.156.10197.1.301"  # fmt: skip
SRC = VECTORS / "docs" / "ofd" / "ofdrw-sign__DigitalSign.ofd"
SIG_DIR = "Doc_0/Signs/Sign_0/"
SIGNED_AT = datetime(2025, 6, 1, 8, 0, tzinfo=UTC)


def _sign(key: gmssl_fast.SM2, data: bytes) -> bytes:
    raw = key.sign(data)
    return bytes(algos.DSASignature({"r": int.from_bytes(raw[:32]), "s": int.from_bytes(raw[32:])}).dump())


@dataclass
class Party:
    name: str
    key: gmssl_fast.SM2
    cert: x509.Certificate

    @property
    def der(self) -> bytes:
        return bytes(self.cert.dump())


def _party(name: str, issuer: Party | None = None, serial: int = 1) -> Party:
    key = gmssl_fast.SM2.generate()
    assert key.public_key_hex is not None  # a generated key always carries its public half
    spki = keys.PublicKeyInfo({
        "algorithm": {"algorithm": "ec", "parameters": keys.ECDomainParameters(name="named", value=CURVE)},
        "public_key": bytes.fromhex(key.public_key_hex),
    })  # fmt: skip
    subject = x509.Name.build({"common_name": name, "country_name": "CN"})
    tbs = x509.TbsCertificate({
        "version": "v3", "serial_number": serial, "signature": {"algorithm": SM3_SM2},
        "issuer": issuer.cert.subject if issuer else subject,
        "validity": {"not_before": x509.Time(name="utc_time", value=datetime(2024, 1, 1, tzinfo=UTC)),
                     "not_after": x509.Time(name="utc_time", value=datetime(2034, 1, 1, tzinfo=UTC))},
        "subject": subject, "subject_public_key_info": spki,
    })  # fmt: skip
    signature = _sign(issuer.key if issuer else key, tbs.dump())
    cert = x509.Certificate(
        {"tbs_certificate": tbs, "signature_algorithm": {"algorithm": SM3_SM2}, "signature_value": signature}
    )
    return Party(name, key, x509.Certificate.load(cert.dump()))


@pytest.fixture(scope="module")
def pki() -> dict[str, Party]:
    ca = _party("测试根 CA")
    return {"ca": ca, "signer": _party("某市行政审批局", ca, 2), "maker": _party("电子印章制作系统", ca, 3),
            "other": _party("无关的人", ca, 4)}  # fmt: skip


def _seq(*parts: bytes) -> bytes:
    body = b"".join(parts)
    n = len(body)
    if n < 0x80:
        return bytes([0x30, n]) + body
    length = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x30, 0x80 | len(length)]) + length + body


def _bits(data: bytes) -> bytes:
    return bytes(core.OctetBitString(data).dump())


def _c(value: Any) -> bytes:
    return bytes(value.dump())


def ses_v4(tbs_content: bytes, signer: Party, maker: Party, allowed: Party, *, seal_name: str = "审批专用章",
           change_after_maker: bool = False) -> bytes:  # fmt: skip
    gt = core.GeneralizedTime
    prop = _seq(_c(core.Integer(1)), _c(core.UTF8String(seal_name)), _c(core.Integer(1)),
                _seq(_c(core.OctetString(allowed.der))), _c(gt(datetime(2024, 1, 1, tzinfo=UTC))),
                _c(gt(datetime(2024, 1, 1, tzinfo=UTC))), _c(gt(datetime(2030, 1, 1, tzinfo=UTC))))  # fmt: skip
    picture = _seq(_c(core.IA5String("PNG")), _c(core.OctetString(b"\x89PNG fake")), _c(core.Integer(40)), _c(core.Integer(40)))  # fmt: skip
    header = _seq(_c(core.IA5String("ES")), _c(core.Integer(4)), _c(core.IA5String("DANGAN")))
    info = _seq(header, _c(core.IA5String("1101000000001")), prop, picture)
    maker_sig = _sign(maker.key, info)
    if change_after_maker:
        info = info.replace(seal_name.encode(), "合同专用章".encode())
    seal = _seq(info, _c(core.OctetString(maker.der)), _c(core.ObjectIdentifier(SM3_SM2)), _bits(maker_sig))
    tbs = _seq(_c(core.Integer(4)), seal, _c(gt(SIGNED_AT)), _bits(hashlib.new("sm3", tbs_content).digest()),
               _c(core.IA5String("/Doc_0/Signs/Sign_0/Signature.xml")))  # fmt: skip
    return _seq(tbs, _c(core.OctetString(signer.der)), _c(core.ObjectIdentifier(SM3_SM2)), _bits(_sign(signer.key, tbs)))  # fmt: skip


def ses_v1(tbs_content: bytes, signer: Party, maker: Party) -> bytes:
    ut = core.UTCTime
    prop = _seq(_c(core.Integer(1)), _c(core.UTF8String("行政审批专用章")), _seq(_c(core.OctetString(signer.der))),
                _c(ut(datetime(2024, 1, 1, tzinfo=UTC))), _c(ut(datetime(2024, 1, 1, tzinfo=UTC))),
                _c(ut(datetime(2030, 1, 1, tzinfo=UTC))))  # fmt: skip
    picture = _seq(_c(core.IA5String("PNG")), _c(core.OctetString(b"\x89PNG fake")), _c(core.Integer(40)), _c(core.Integer(40)))  # fmt: skip
    info = _seq(_seq(_c(core.IA5String("ES")), _c(core.Integer(1)), _c(core.IA5String("V1"))),
                _c(core.IA5String("1101000000002")), prop, picture)  # fmt: skip
    cert, alg = _c(core.OctetString(maker.der)), _c(core.ObjectIdentifier(SM3_SM2))
    seal = _seq(info, _seq(cert, alg, _bits(_sign(maker.key, _seq(info, cert, alg)))))
    tbs = _seq(_c(core.Integer(1)), seal, _bits(b"20250601080000Z"), _bits(hashlib.new("sm3", tbs_content).digest()),
               _c(core.IA5String("/Doc_0/Signs/Sign_0/Signature.xml")), _c(core.OctetString(signer.der)),
               _c(core.ObjectIdentifier(SM3_SM2)))  # fmt: skip
    return _seq(tbs, _bits(_sign(signer.key, tbs)))


def signed_data(tbs_content: bytes, signer: Party) -> bytes:
    attrs = cms.CMSAttributes([
        {"type": "content_type", "values": ["1.2.156.10197.6.1.4.2.1"]},
        {"type": "message_digest", "values": [hashlib.new("sm3", tbs_content).digest()]},
        {"type": "signing_time", "values": [cms.Time(name="utc_time", value=SIGNED_AT)]},
    ])  # fmt: skip
    si = cms.SignerInfo({
        "version": "v1", "digest_algorithm": {"algorithm": SM3}, "signed_attrs": attrs,
        "sid": cms.SignerIdentifier(name="issuer_and_serial_number", value={
            "issuer": signer.cert.issuer, "serial_number": signer.cert.serial_number}),
        "signature_algorithm": {"algorithm": SM2_SIGN}, "signature": _sign(signer.key, attrs.dump()),
    })  # fmt: skip
    sd = cms.SignedData({
        "version": "v1", "digest_algorithms": [{"algorithm": SM3}],
        "encap_content_info": {"content_type": "1.2.156.10197.6.1.4.2.1"},
        "certificates": [signer.cert], "signer_infos": [si],
    })  # fmt: skip
    return _seq(_c(core.ObjectIdentifier("1.2.156.10197.6.1.4.2.2")), bytes([0xA0]) + _seq(sd.dump())[1:])


def _ofd(tmp: Path, value: bytes, name: str = "s.ofd", signature_xml: bytes | None = None) -> Path:
    dest = tmp / name
    with zipfile.ZipFile(SRC) as zin, zipfile.ZipFile(dest, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == SIG_DIR + "SignedValue.dat":
                data = value
            elif info.filename == SIG_DIR + "Signature.xml" and signature_xml is not None:
                data = signature_xml
            zout.writestr(info.filename, data)
    return dest


def _tbs() -> bytes:
    with zipfile.ZipFile(SRC) as zf:
        return zf.read(SIG_DIR + "Signature.xml")


def _check(path: Path, tmp: Path, *trusted: Party) -> dict[str, Any]:
    roots_file = tmp / "roots.pem"
    roots_file.write_bytes(b"".join(pem.armor("CERTIFICATE", p.der) for p in trusted))
    roots, problem = ofd_trust_roots((roots_file,) if trusted else ())
    assert problem is None
    (entry,) = verify_ofd_signatures(read_ofd(path), roots)
    return entry


def test_a_v4_seal_chains_to_its_ca(pki: dict[str, Party], tmp_path: Path) -> None:
    path = _ofd(tmp_path, ses_v4(_tbs(), pki["signer"], pki["maker"], pki["signer"]))
    entry = _check(path, tmp_path)
    assert entry["status"] == "有效" and entry["verdict"] == "警告"
    entry = _check(path, tmp_path, pki["ca"])
    assert entry["verdict"] == "通过", entry["message"]
    assert entry["seal"]["name"] == "审批专用章" and "某市行政审批局" in entry["signer"]["subject"]
    assert entry["signed_at"] == SIGNED_AT.isoformat()
    assert _check(path, tmp_path, pki["other"])["verdict"] == "警告"  # a root that issued neither


def test_a_v1_seal_verifies(pki: dict[str, Party], tmp_path: Path) -> None:
    entry = _check(_ofd(tmp_path, ses_v1(_tbs(), pki["signer"], pki["maker"])), tmp_path, pki["ca"])
    assert entry["format"].startswith("GM/T 0031") and entry["verdict"] == "通过", entry["message"]
    assert entry["seal"]["name"] == "行政审批专用章" and entry["signed_at"] == SIGNED_AT.isoformat()


def test_a_seal_used_by_someone_else_fails(pki: dict[str, Party], tmp_path: Path) -> None:
    value = ses_v4(_tbs(), pki["other"], pki["maker"], allowed=pki["signer"])
    entry = _check(_ofd(tmp_path, value), tmp_path, pki["ca"])
    assert entry["verdict"] == "不通过" and "授权证书列表" in entry["message"]


def test_a_seal_changed_after_its_maker_signed_fails(pki: dict[str, Party], tmp_path: Path) -> None:
    value = ses_v4(_tbs(), pki["signer"], pki["maker"], pki["signer"], change_after_maker=True)
    entry = _check(_ofd(tmp_path, value), tmp_path, pki["ca"])
    assert entry["verdict"] == "不通过" and "制章者签名无效" in entry["message"]


def test_gbt35275_signed_data_with_attributes(pki: dict[str, Party], tmp_path: Path) -> None:
    value = signed_data(_tbs(), pki["signer"])
    entry = _check(_ofd(tmp_path, value), tmp_path, pki["ca"])
    assert entry["format"].startswith("GB/T 35275") and entry["verdict"] == "通过", entry["message"]
    assert entry["signed_at"] == SIGNED_AT.isoformat() and entry["algorithm"] == "SM2"
    changed = _tbs().replace(b"2020-04-22", b"2020-04-23")
    entry = _check(_ofd(tmp_path, value, "c.ofd", signature_xml=changed), tmp_path, pki["ca"])
    assert entry["verdict"] == "不通过" and "杂凑值不符" in entry["message"]


def test_a_bare_signature_by_another_key_stays_unverified(pki: dict[str, Party], tmp_path: Path) -> None:
    path = _ofd(tmp_path, _sign(pki["signer"].key, _tbs()))
    assert _check(path, tmp_path, pki["other"])["verdict"] == "警告"
    entry = _check(path, tmp_path, pki["signer"])
    assert entry["status"] == "有效" and entry["format"].startswith("SM2 裸签名")
    # Signature.xml says 2020-04-22, before this certificate's validity began: valid, not trusted.
    assert entry["verdict"] == "警告" and "签署时签名者证书不在有效期内" in entry["message"]
    xml = _tbs().replace(b"2020-04-22", b"2025-04-22")
    path = _ofd(tmp_path, _sign(pki["signer"].key, xml), "dated.ofd", signature_xml=xml)
    assert _check(path, tmp_path, pki["signer"])["verdict"] == "通过"
