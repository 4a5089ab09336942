"""Apply the archive's electronic seal to an OFD container: GB/T 33190 §18 signature parts and a
GB/T 38540 V4 SES_Signature, in the form `dangan.checks.ofd_signature` (and ofdrw) verify.

``Signature.xml`` lists every part of the container with its SM3 digest (CheckMethod
1.2.156.10197.1.401) — all but ``Signatures.xml`` and the signature's own Signature.xml and
SignedValue.dat, as ofdrw does — names the seal file and the stamp's place on page 1. Its bytes,
as stored, are what the seal signs: ``SignedValue.dat`` is SES_Signature { TBS_Sign { 4, the seal,
time, dataHash = SM3(Signature.xml), propertyInfo = its path }, signer certificate, SM3withSM2,
signature }. Changing any covered part breaks its digest; changing Signature.xml breaks dataHash.
"""

from __future__ import annotations

import base64
import hashlib
import io
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import pypdfium2 as pdfium

from dangan.core import BEIJING, PDFIUM, ConfigurationError, Settings
from dangan.store.crypto import SealIdentity, create_seal, current_seal, seal_revocation

from ._certify_pdf import PAGE_H
from ._ofd_container import MM, NS, SIGNS
from ._pades import COVER_SEAL, seal_pdf

SIGN_DIR = f"{SIGNS}Sign_0/"
SIGNATURE_XML = f"{SIGN_DIR}Signature.xml"
SIGNED_VALUE = f"{SIGN_DIR}SignedValue.dat"
SEAL_FILE = f"{SIGN_DIR}Seal.esl"
SIGNATURES_XML = f"{SIGNS}Signatures.xml"
SM3_WITH_SM2 = "1.2.156.10197.1.501"
SM3 = "1.2.156.10197.1.401"
PROVIDER = '<ofd:Provider ProviderName="Dangan" Company="Dangan" Version="1.0"/>'
_XML = '<?xml version="1.0" encoding="UTF-8"?>\n'


@dataclass(frozen=True)
class StampPlace:
    """Where the seal's picture goes: the page's ID in Document.xml and a box in millimetres."""

    page_id: int
    box: tuple[float, float, float, float]  # x, y, width, height from the page's top-left


def cover_stamp(page_id: int) -> StampPlace:
    """On the cover, exactly over the seal the certified PDF draws (and its PAdES widget sits on)."""
    x0, y0, x1, y1 = COVER_SEAL.box
    return StampPlace(page_id, (x0 * MM, (PAGE_H - y1) * MM, (x1 - x0) * MM, (y1 - y0) * MM))


def seal_picture(name: str) -> bytes:
    """The red seal alone, as the PDF's signature appearance draws it, on a transparent PNG."""
    with PDFIUM:
        doc = pdfium.PdfDocument(seal_pdf(name))
        try:
            page = doc[0]
            image = page.render(scale=600 / 72 / 2, fill_color=(255, 255, 255, 0)).to_pil()
            page.close()
        finally:
            doc.close()
    out = io.BytesIO()
    image.convert("RGBA").save(out, format="PNG")
    return out.getvalue()


def archive_seal(settings: Settings) -> SealIdentity:
    """The seal that signs now; made on first use (as the PDF signing certificate is). A seal whose
    signer certificate is revoked is refused, not replaced behind the archivist's back."""
    keys = settings.home / "keys"
    found = current_seal(keys)
    if found is None:
        return create_seal(keys, settings.fonds_name, settings.fonds_code, seal_picture(settings.fonds_name))
    revoked = seal_revocation(keys, found)
    if revoked is not None:
        raise ConfigurationError(f"当前电子印章 {found.id} 的签章者证书已于 {revoked.revoked_at:%Y-%m-%d} 被吊销"
                                 f"（原因：{revoked.label}），不能再用它签章：请运行 dangan keys seal 生成新印章")  # fmt: skip
    return found


# -- DER (primitive encodings only; see store.crypto._sm2pki for why) ----------------------------------


def _tlv(tag: int, body: bytes) -> bytes:
    n = len(body)
    if n < 0x80:
        return bytes([tag, n]) + body
    length = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(length)]) + length + body


def _oid(dotted: str) -> bytes:
    first, second, *rest = (int(p) for p in dotted.split("."))
    body = bytearray([first * 40 + second])
    for value in rest:
        chunk = [value & 0x7F]
        value >>= 7
        while value:
            chunk.append(0x80 | (value & 0x7F))
            value >>= 7
        body.extend(reversed(chunk))
    return _tlv(0x06, bytes(body))


def ses_signature(seal: SealIdentity, signature_xml: bytes, when: datetime, property_info: str) -> bytes:
    """DER of a GB/T 38540 V4 SES_Signature over `signature_xml`, signed with the seal's key."""
    utc = when.astimezone(ZoneInfo("UTC"))
    tbs = _tlv(0x30, b"".join([
        _tlv(0x02, b"\x04"),
        seal.seal,
        _tlv(0x18, f"{utc:%Y%m%d%H%M%S}Z".encode()),
        _tlv(0x03, b"\x00" + hashlib.new("sm3", signature_xml).digest()),
        _tlv(0x16, property_info.encode("ascii")),
    ]))  # fmt: skip
    signature = seal.private_key().sign(tbs)
    return _tlv(0x30, tbs + _tlv(0x04, seal.cert) + _oid(SM3_WITH_SM2) + _tlv(0x03, b"\x00" + signature))


def _signature_xml(parts: dict[str, bytes], when: datetime, stamp: StampPlace, stamp_id: int) -> bytes:
    refs = "".join(
        f'<ofd:Reference FileRef="/{name}"><ofd:CheckValue>'
        f"{base64.b64encode(hashlib.new('sm3', data).digest()).decode()}</ofd:CheckValue></ofd:Reference>"
        for name, data in sorted(parts.items())
        if name not in (SIGNATURES_XML, SIGNATURE_XML, SIGNED_VALUE)
    )
    x, y, w, h = (f"{v:.3f}" for v in stamp.box)
    local = when.astimezone(ZoneInfo(BEIJING))
    return (
        f'{_XML}<ofd:Signature xmlns:ofd="{NS}"><ofd:SignedInfo>{PROVIDER}'
        f"<ofd:SignatureMethod>{SM3_WITH_SM2}</ofd:SignatureMethod>"
        f"<ofd:SignatureDateTime>{local:%Y-%m-%d %H:%M:%S}</ofd:SignatureDateTime>"
        f'<ofd:References CheckMethod="{SM3}">{refs}</ofd:References>'
        f'<ofd:StampAnnot ID="{stamp_id}" PageRef="{stamp.page_id}" Boundary="{x} {y} {w} {h}"/>'
        f"<ofd:Seal><ofd:BaseLoc>/{SEAL_FILE}</ofd:BaseLoc></ofd:Seal></ofd:SignedInfo>"
        f"<ofd:SignedValue>/{SIGNED_VALUE}</ofd:SignedValue></ofd:Signature>"
    ).encode()


def apply_seal(parts: dict[str, bytes], seal: SealIdentity, when: datetime, stamp: StampPlace,
               stamp_id: int) -> dict[str, bytes]:  # fmt: skip
    """`parts` plus the seal file, the signature list, Signature.xml and SignedValue.dat."""
    out = dict(parts)
    out[SEAL_FILE] = seal.seal
    out[SIGNATURES_XML] = (
        f'{_XML}<ofd:Signatures xmlns:ofd="{NS}"><ofd:MaxSignId>1</ofd:MaxSignId>'
        f'<ofd:Signature ID="1" Type="Seal" BaseLoc="/{SIGNATURE_XML}"/></ofd:Signatures>'
    ).encode()
    signature_xml = _signature_xml(out, when, stamp, stamp_id)
    out[SIGNATURE_XML] = signature_xml
    out[SIGNED_VALUE] = ses_signature(seal, signature_xml, when, f"/{SIGNATURE_XML}")
    return out
