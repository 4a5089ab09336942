"""SM2 keys and X.509 certificates signed SM3withSM2, for the archive's electronic seal (GB/T 38540).

`cryptography` has no SM2 curve, so the arithmetic is GmSSL's (`gmssl-fast`) and the certificates are
DER written here from asn1crypto's *primitive* types only. asn1crypto builds a reverse name → OID map
of a class the first time a value of it is built by name; pyHanko adds names to some of those maps on
import (CMS attributes, extension ids). Building certificates through asn1crypto's x509 classes before
pyHanko is imported would leave its names out of the maps and break PDF signing later in the same
process, so nothing here touches a class with a name map.

A private key is kept as SEC 1 ``EC PRIVATE KEY`` PEM naming the SM2 curve, the form GmSSL and OpenSSL
read; the checkers verify with GM/T 0009's default signer id, which `gmssl-fast` signs with.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

import gmssl_fast
from asn1crypto import core, parser, pem, x509  # type: ignore[import-untyped]

# asn1crypto caches each OID class's name → OID map the first time a value is built by name; asn1crypto.tsp
# (which pyHanko's time-stamping needs) adds names such as tst_info to those classes when imported. Import it
# before anything here builds a value, or a PDF time-stamped later in this process fails ("tst_info").
from asn1crypto import tsp as _tsp  # noqa: F401

from dangan.core import ValidationFailed

SM2_CURVE = "1.2.156.10197.1.301"
SM3_WITH_SM2 = "1.2.156.10197.1.501"
EC_PUBLIC_KEY = "1.2.840.10045.2.1"
_CN, _O, _OU, _C = "2.5.4.3", "2.5.4.10", "2.5.4.11", "2.5.4.6"
_BASIC_CONSTRAINTS, _KEY_USAGE, _SKI = "2.5.29.19", "2.5.29.15", "2.5.29.14"


# -- DER ------------------------------------------------------------------------------------------


def tlv(tag: int, body: bytes) -> bytes:
    """One DER element: tag byte, definite length, contents."""
    n = len(body)
    if n < 0x80:
        return bytes([tag, n]) + body
    length = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(length)]) + length + body


def seq(*parts: bytes) -> bytes:
    return tlv(0x30, b"".join(parts))


def oid(dotted: str) -> bytes:
    return bytes(core.ObjectIdentifier(dotted).dump())


def integer(value: int) -> bytes:
    return bytes(core.Integer(value).dump())


def ia5(text: str) -> bytes:
    return bytes(core.IA5String(text).dump())


def utf8(text: str) -> bytes:
    return bytes(core.UTF8String(text).dump())


def octets(data: bytes) -> bytes:
    return tlv(0x04, data)


def bits(data: bytes) -> bytes:
    """A BIT STRING holding whole bytes (no unused bits)."""
    return tlv(0x03, b"\x00" + data)


def gentime(when: datetime) -> bytes:
    return bytes(core.GeneralizedTime(when).dump())


def _cert_time(when: datetime) -> bytes:
    """UTCTime until 2049, GeneralizedTime after, as RFC 5280 requires."""
    return bytes(core.UTCTime(when).dump()) if when.year < 2050 else gentime(when)


# -- keys and signatures ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Sm2Key:
    """An SM2 key pair as hex (private scalar, public point 04‖X‖Y)."""

    private_hex: str
    public_hex: str

    @classmethod
    def generate(cls) -> Sm2Key:
        key = gmssl_fast.SM2.generate()
        assert key.private_key_hex is not None and key.public_key_hex is not None
        return cls(key.private_key_hex.lower(), key.public_key_hex.lower())

    def sign(self, message: bytes) -> bytes:
        """SM3withSM2 over `message`, DER SEQUENCE {r, s} (the form seals and certificates carry)."""
        raw = gmssl_fast.SM2(private_key=self.private_hex, public_key=self.public_hex).sign(message)
        return seq(integer(int.from_bytes(raw[:32], "big")), integer(int.from_bytes(raw[32:], "big")))

    def pem(self) -> bytes:
        der = seq(
            integer(1),
            octets(bytes.fromhex(self.private_hex)),
            tlv(0xA0, oid(SM2_CURVE)),
            tlv(0xA1, bits(bytes.fromhex(self.public_hex))),
        )
        return bytes(pem.armor("EC PRIVATE KEY", der))


def load_key(data: bytes, where: object) -> Sm2Key:
    """An SM2 key from its SEC 1 PEM; a clear error when the file is not one."""
    try:
        _kind, _headers, der = pem.unarmor(data)
        _c, _m, _t, _h, body, _tr = parser.parse(der)
        items, offset = [], 0
        while offset < len(body):
            cls, _method, tag, header, contents, trailer = parser.parse(body[offset:])
            items.append((cls, tag, contents))
            offset += len(header) + len(contents) + len(trailer)
        private = next(c for cls, tag, c in items if cls == 0 and tag == 4)
        public = next(c for cls, tag, c in items if cls == 2 and tag == 1)
        _c, _m, _t, _h, bit_body, _tr = parser.parse(public)
        key = Sm2Key(private.hex(), bit_body[1:].hex())
        gmssl_fast.SM2(private_key=key.private_hex, public_key=key.public_hex)  # refuses a mismatch
    except (ValueError, StopIteration, gmssl_fast.GmsslError) as exc:
        raise ValidationFailed(f"印章私钥 {where} 无法读取（须为 SM2 的 EC PRIVATE KEY PEM）：{exc}",
                               code="seal_key") from None  # fmt: skip
    return key


# -- certificates -----------------------------------------------------------------------------------


def name(common: str, organization: str, unit: str | None = None) -> bytes:
    """An X.501 Name: C=CN, O, (OU), CN — each value cut to X.520's 64 characters."""
    attrs = [(_C, bytes(core.PrintableString("CN").dump())), (_O, utf8(organization[:64]))]
    if unit:
        attrs.append((_OU, utf8(unit[:64])))
    attrs.append((_CN, utf8(common[:64])))
    return seq(*(tlv(0x31, seq(oid(o), value)) for o, value in attrs))


def _spki(public_hex: str) -> bytes:
    return seq(seq(oid(EC_PUBLIC_KEY), oid(SM2_CURVE)), bits(bytes.fromhex(public_hex)))


def _extension(ext_id: str, critical: bool, value: bytes) -> bytes:
    return seq(oid(ext_id), *([b"\x01\x01\xff"] if critical else []), octets(value))


def build_certificate(subject: bytes, public_hex: str, issuer: bytes | None, issuer_key: Sm2Key,
                      not_before: datetime, not_after: datetime, *, ca: bool) -> bytes:  # fmt: skip
    """DER of an X.509 v3 certificate signed SM3withSM2: a seal root CA (keyCertSign, cRLSign) or a
    seal signer (digitalSignature, nonRepudiation). Self-signed when `issuer` is None."""
    algorithm = seq(oid(SM3_WITH_SM2))
    key_id = gmssl_fast.sm3(bytes.fromhex(public_hex))[:20]
    usage = tlv(0x03, b"\x01\x06") if ca else tlv(0x03, b"\x06\xc0")  # keyCertSign+cRLSign / digSig+nonRep
    extensions = [
        _extension(_BASIC_CONSTRAINTS, True, seq(b"\x01\x01\xff") if ca else seq()),
        _extension(_KEY_USAGE, True, usage),
        _extension(_SKI, False, octets(key_id)),
    ]
    tbs = seq(
        tlv(0xA0, integer(2)),
        integer(secrets.randbits(63) | 1 << 62),
        algorithm,
        issuer if issuer is not None else subject,
        seq(_cert_time(not_before), _cert_time(not_after)),
        subject,
        _spki(public_hex),
        tlv(0xA3, seq(*extensions)),
    )
    return seq(tbs, algorithm, bits(issuer_key.sign(tbs)))


def certificate_subject(cert_der: bytes) -> bytes:
    """The DER of a certificate's subject Name (to name it as the issuer of the next one); loading
    parses only, it builds no name map."""
    return bytes(x509.Certificate.load(cert_der)["tbs_certificate"]["subject"].dump())
