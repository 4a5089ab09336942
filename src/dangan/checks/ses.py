"""Electronic seal signatures (SES_Signature) of GM/T 0031-2014 ("V1") and GB/T 38540-2020 ("V4",
and its V5 successor with the same layout), read from their DER bytes.

The layouts differ in small ways between versions and vendors (a time as BIT or OCTET STRING, UTC or
Generalized time), so the structure is walked position by position — as ofdrw's reader does — over
asn1crypto's DER parser instead of through fixed ASN.1 classes. Two failures are told apart: bytes
that are not DER at all or break the layout of a seal (`Damaged`, the file was changed) and DER of
another kind (`NotSes`, some other signature format).

    SES_Signature V4 ::= SEQUENCE { toSign TBS_Sign, cert OCTET STRING, signatureAlgID OID,
                                    signature BIT STRING, timeStamp [0] EXPLICIT BIT STRING OPTIONAL }
    TBS_Sign V4      ::= SEQUENCE { version INTEGER, eseal SESeal, timeInfo GeneralizedTime,
                                    dataHash BIT STRING, propertyInfo IA5String, extDatas [0] OPTIONAL }
    SES_Signature V1 ::= SEQUENCE { toSign TBS_Sign, signature BIT STRING }
    TBS_Sign V1      ::= SEQUENCE { version, eseal, timeInfo BIT STRING, dataHash BIT STRING,
                                    propertyInfo IA5String, cert OCTET STRING, signatureAlgorithm OID }
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from asn1crypto import core, parser  # type: ignore[import-untyped]

# asn1crypto caches each OID class's name → OID map the first time a value is built by name; asn1crypto.tsp
# (which pyHanko's time-stamping needs) adds names such as tst_info to those classes when imported. Import it
# before anything here builds a value, or a PDF time-stamped later in this process fails ("tst_info").
from asn1crypto import tsp as _tsp  # noqa: F401

SEQUENCE, INTEGER, BIT_STRING, OCTET_STRING, OID = 16, 2, 3, 4, 6
_TEXT_TAGS = {12, 19, 22, 20, 26, 30}


class Damaged(ValueError):
    """The bytes are not DER, or break the layout of an electronic seal: they were changed."""


class NotSes(ValueError):
    """Well-formed DER, but not an electronic seal signature."""


@dataclass(frozen=True)
class Node:
    """One DER element: its class, tag, whole encoding and contents."""

    cls: int
    constructed: bool
    tag: int
    raw: bytes
    contents: bytes

    def kids(self) -> list[Node]:
        if not self.constructed:
            raise Damaged("期望构造类型的 ASN.1 元素")
        return _elements(self.contents)

    def is_(self, tag: int) -> bool:
        return self.cls == 0 and self.tag == tag

    def text(self) -> str:
        if self.cls != 0 or self.tag not in _TEXT_TAGS:
            raise Damaged("期望字符串类型的 ASN.1 元素")
        return self.contents.decode("utf-8", "replace")

    def integer(self) -> int:
        if not self.is_(INTEGER):
            raise Damaged("期望 INTEGER")
        return int(core.Integer.load(self.raw).native)

    def oid(self) -> str:
        if not self.is_(OID):
            raise Damaged("期望 OBJECT IDENTIFIER")
        return str(core.ObjectIdentifier.load(self.raw).dotted)

    def octets(self) -> bytes:
        """The bytes of a BIT STRING (without its unused-bits count) or of an OCTET STRING."""
        if self.is_(BIT_STRING) and self.contents:
            return self.contents[1:]
        if self.is_(OCTET_STRING):
            return self.contents
        raise Damaged("期望 BIT STRING 或 OCTET STRING")


def _elements(data: bytes) -> list[Node]:
    out, offset = [], 0
    while offset < len(data):
        try:
            cls, method, tag, header, contents, trailer = parser.parse(data[offset:])
        except ValueError as exc:
            raise Damaged(f"ASN.1 编码错误：{exc}") from exc
        size = len(header) + len(contents) + len(trailer)
        out.append(Node(cls, method == 1, tag, data[offset : offset + size], contents))
        offset += size
    return out


def der(data: bytes) -> Node:
    """The single DER element that is all of `data`."""
    nodes = _elements(data)
    if len(nodes) != 1:
        raise Damaged("数据不是单个 ASN.1 元素")
    return nodes[0]


def parse_time(node: Node) -> datetime | None:
    """A GeneralizedTime or UTCTime, or a BIT/OCTET STRING holding one as text (GM/T 0031 V1)."""
    try:
        if node.is_(24):
            return _utc(core.GeneralizedTime.load(node.raw).native)
        if node.is_(23):
            return _utc(core.UTCTime.load(node.raw).native)
        text = node.octets().decode("ascii").strip()
    except (ValueError, UnicodeDecodeError):
        return None
    for cls in (core.GeneralizedTime, core.UTCTime):
        try:
            return _utc(cls(text).native)
        except ValueError:
            continue
    return None


def _utc(value: object) -> datetime | None:
    if not isinstance(value, datetime):
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Seal:
    """An electronic seal (SESeal): who may use it, its picture's owner, and its maker's signature."""

    version: int
    vendor: str | None
    es_id: str | None
    name: str | None
    certs: tuple[bytes, ...]
    cert_digests: tuple[bytes, ...]
    valid_from: datetime | None
    valid_to: datetime | None
    maker_cert: bytes
    algorithm: str
    signature: bytes
    signed: tuple[bytes, ...]  # what the maker may have signed, in the order to try
    raw: bytes


@dataclass(frozen=True)
class SesSignature:
    version: int
    tbs: bytes
    seal: Seal
    signed_at: datetime | None
    data_hash: bytes
    property_info: str | None
    cert: bytes
    algorithm: str
    signature: bytes
    timestamp: bool = False


def _seq(node: Node) -> list[Node]:
    if not node.is_(SEQUENCE) or not node.constructed:
        raise Damaged("期望 SEQUENCE")
    return node.kids()


def _seal(node: Node) -> Seal:
    parts = _seq(node)
    info = _seq(parts[0])
    header = _seq(info[0])
    version = header[1].integer()
    prop = _seq(info[2])
    name = prop[1].text() if len(prop) > 1 else None
    certs: list[bytes] = []
    digests: list[bytes] = []
    times = prop[3:]
    if len(prop) >= 7 and prop[2].is_(INTEGER):  # V4: type, name, certListType, certList, 3 times
        list_type, cert_list, times = prop[2].integer(), prop[3], prop[4:]
        for item in _seq(cert_list):
            if list_type == 2 and item.is_(SEQUENCE):
                digests.append(_seq(item)[-1].octets())
            else:
                certs.append(item.octets())
    elif len(prop) >= 6:  # V1: type, name, certList, 3 times
        certs = [item.octets() for item in _seq(prop[2])]
    valid_from = parse_time(times[1]) if len(times) > 1 else None
    valid_to = parse_time(times[2]) if len(times) > 2 else None
    if len(parts) == 4:  # V4/V5: sealInfo, cert, signAlgID, signedValue
        cert, algorithm, signature = parts[1].octets(), parts[2].oid(), parts[3].octets()
        wrapped = b"".join(p.raw for p in parts[:3])
        signed = (parts[0].raw, _sequence(wrapped))
    elif len(parts) == 2:  # V1: sealInfo, signInfo { cert, signatureAlgorithm, signData }
        sign_info = _seq(parts[1])
        cert, algorithm, signature = sign_info[0].octets(), sign_info[1].oid(), sign_info[2].octets()
        wrapped = parts[0].raw + sign_info[0].raw + sign_info[1].raw
        signed = (_sequence(wrapped), parts[0].raw)
    else:
        raise Damaged("电子印章数据（SESeal）的结构不完整")
    return Seal(
        version=version,
        vendor=header[2].text() if len(header) > 2 else None,
        es_id=info[1].text(),
        name=name,
        certs=tuple(certs),
        cert_digests=tuple(digests),
        valid_from=valid_from,
        valid_to=valid_to,
        maker_cert=cert,
        algorithm=algorithm,
        signature=signature,
        signed=signed,
        raw=node.raw,
    )


def _sequence(body: bytes) -> bytes:
    """DER of a SEQUENCE with `body` as its contents."""
    n = len(body)
    if n < 0x80:
        return bytes([0x30, n]) + body
    length = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x30, 0x80 | len(length)]) + length + body


def _looks_like_ses(top: Node) -> bool:
    """A SEQUENCE whose first element is a SEQUENCE starting with an INTEGER and then a SEQUENCE."""
    if not (top.is_(SEQUENCE) and top.constructed):
        return False
    kids = top.kids()
    if len(kids) not in (2, 4, 5) or not (kids[0].is_(SEQUENCE) and kids[0].constructed):
        return False
    inner = kids[0].kids()
    return len(inner) >= 5 and inner[0].is_(INTEGER) and inner[1].is_(SEQUENCE)


def parse_ses(data: bytes) -> SesSignature:
    """The electronic seal signature in `data`; `Damaged` or `NotSes` when it is not one."""
    top = der(data)
    if not _looks_like_ses(top):
        raise NotSes("不是电子签章数据（SES_Signature）")
    try:
        kids = top.kids()
        tbs = _seq(kids[0])
        seal = _seal(tbs[1])
        if len(kids) == 2:
            if len(tbs) < 7:
                raise Damaged("GM/T 0031 签章信息（TBS_Sign）不完整")
            return SesSignature(
                version=1,
                tbs=kids[0].raw,
                seal=seal,
                signed_at=parse_time(tbs[2]),
                data_hash=tbs[3].octets(),
                property_info=tbs[4].text(),
                cert=tbs[5].octets(),
                algorithm=tbs[6].oid(),
                signature=kids[1].octets(),
            )
        return SesSignature(
            version=5 if seal.version == 5 else 4,
            tbs=kids[0].raw,
            seal=seal,
            signed_at=parse_time(tbs[2]),
            data_hash=tbs[3].octets(),
            property_info=tbs[4].text() if len(tbs) > 4 and not tbs[4].cls else None,
            cert=kids[1].octets(),
            algorithm=kids[2].oid(),
            signature=kids[3].octets(),
            timestamp=len(kids) == 5,
        )
    except (Damaged, NotSes):
        raise
    except (IndexError, ValueError, TypeError) as exc:
        raise Damaged(f"电子签章数据的结构不完整：{exc}") from exc


_PICTURE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")


def seal_picture_of(signed_value: bytes) -> bytes | None:
    """The seal's own picture (SES_ESPictureInfo data, PNG or JPEG) carried by a signature, to show a
    visitor what the signer's seal looks like; None when it is not a seal signature or the picture is in a
    format a browser cannot show (OFD vector seals). Showing it proves nothing: the verdict is the
    signature's."""
    try:
        info = _seq(der(parse_ses(signed_value).seal.raw))[0]
        data = _seq(_seq(info)[3])[1].octets()
    except (Damaged, NotSes, IndexError, ValueError, TypeError):
        return None
    return data if data.startswith(_PICTURE_MAGIC) else None
