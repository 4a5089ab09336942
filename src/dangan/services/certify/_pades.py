"""PAdES signatures on the PDFs the archive issues (certified copies, handover papers; the lifecycle's
registers later), so that an office opening one in WPS, Adobe or Foxit sees a valid signature whose
appearance is the archive's red seal.

The signature is always the *last* incremental update: whatever the file held before (a certified
copy's body and its ledger proof) stays byte-for-byte its first revisions, so the proof that hashes
the body prefix still checks, and the signature covers the whole file including the proof.
Baseline B-B; B-T when ``DANGAN_SIGNING_TIMESTAMP`` names a time-stamping authority (``local``: the
archive's own time-stamping key in ``DATA/keys``; or an RFC 3161 URL).
"""

from __future__ import annotations

import io
import logging
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from asn1crypto import keys as asn1_keys  # type: ignore[import-untyped]
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from reportlab.pdfgen import canvas

from dangan.core import ConfigurationError, Settings
from dangan.services.archive import Archive
from dangan.store.crypto import (
    SigningIdentity,
    create_local_ca,
    current_identity,
    revocation_of,
    signing_crls,
    tsa_identity,
)

from ._certify_pdf import MARGIN, PAGE_W, seal_graphic

FIELD = "DanganSeal"
SEAL_R = 62.0
_LOGGERS = ("pyhanko", "pyhanko_certvalidator")


@dataclass(frozen=True)
class SealPlacement:
    """Where the seal (the signature's widget) sits: page index (negative from the end) and box."""

    page: int
    box: tuple[float, float, float, float]


def _box(cx: float, cy: float) -> tuple[float, float, float, float]:
    pad = SEAL_R + 4
    return (cx - pad, cy - pad, cx + pad, cy + pad)


# The certified copy's cover draws its seal at this centre (see `cover_pdf`): the widget sits on it.
COVER_SEAL = SealPlacement(0, _box(PAGE_W - MARGIN - 80, 138))
# Handover papers: the foot of the last page, right, beside the 接收单位（盖章） line.
RECEIPT_SEAL = SealPlacement(-1, _box(PAGE_W - MARGIN - 80, 96))


def asn1_cert(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def _asn1_key(identity: SigningIdentity) -> asn1_keys.PrivateKeyInfo:
    der = identity.private_key().private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return asn1_keys.PrivateKeyInfo.load(der)


def seal_pdf(name: str) -> bytes:
    """The red seal alone on a page of its box's size: the signature's appearance."""
    side = 2 * (SEAL_R + 4)
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(side, side), invariant=1)
    seal_graphic(c, side / 2, side / 2, name, SEAL_R)
    c.showPage()
    c.save()
    return buf.getvalue()


@contextmanager
def quiet_pyhanko() -> Iterator[None]:
    """pyHanko logs every untrusted path as a warning: the verdict we return says it instead."""
    loggers = [logging.getLogger(n) for n in _LOGGERS]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)


def sign_pdf(pdf: bytes, identity: SigningIdentity, *, seal_name: str, placement: SealPlacement,
             reason: str, location: str | None = None, timestamper: object | None = None) -> bytes:  # fmt: skip
    """`pdf` plus one incremental update holding a PAdES signature by `identity`, its widget the seal."""
    from pyhanko.pdf_utils import layout
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko.sign.fields import SigSeedSubFilter
    from pyhanko.stamp import StaticStampStyle
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    signer = signers.SimpleSigner(
        signing_cert=asn1_cert(identity.cert),
        signing_key=_asn1_key(identity),
        cert_registry=SimpleCertificateStore.from_certs([asn1_cert(c) for c in identity.chain]),
    )
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD, subfilter=SigSeedSubFilter.PADES, md_algorithm="sha256", reason=reason,
        location=location, name=identity.cert.subject.rfc4514_string(),
    )  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="dangan-seal-") as tmp, quiet_pyhanko():
        seal_file = Path(tmp) / "seal.pdf"
        seal_file.write_bytes(seal_pdf(seal_name))
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
        pages = int(writer.root["/Pages"]["/Count"])
        page = placement.page if placement.page >= 0 else pages + placement.page
        exact = layout.SimpleBoxLayoutRule(x_align=layout.AxisAlignment.ALIGN_MID, y_align=layout.AxisAlignment.ALIGN_MID,
                                           margins=layout.Margins.uniform(0))  # fmt: skip
        style = StaticStampStyle.from_pdf_file(str(seal_file), border_width=0, background_opacity=1.0,
                                               background_layout=exact)  # over the drawn seal, exactly  # fmt: skip
        # pyHanko's hint says int, but it writes any number: fractions keep the widget on the drawn seal
        box: Any = placement.box
        spec = fields.SigFieldSpec(FIELD, on_page=max(0, min(page, pages - 1)), box=box)
        pdf_signer = signers.PdfSigner(meta, signer, stamp_style=style, new_field_spec=spec,
                                       timestamper=timestamper)  # type: ignore[arg-type]  # fmt: skip
        out = io.BytesIO()
        pdf_signer.sign_pdf(writer, output=out)
    signed = out.getvalue()
    if not signed.startswith(pdf):  # the promise the ledger proof relies on
        raise ConfigurationError("PDF 签名没有以增量更新的方式追加，已停止出具")
    return signed


def archive_identity(settings: Settings) -> SigningIdentity:
    """The identity that signs now; for a fresh archive a local CA and certificate are made on first
    use, as the ledger's checkpoint key is (so a fresh demo issues signed copies).

    A revoked current certificate is refused rather than silently replaced: which certificate signs
    is the archive's decision (`keys ca` for a local one, `keys import-cert` for an outside CA's), and
    a copy signed with a revoked one would be born invalid."""
    keys = settings.home / "keys"
    found = current_identity(keys)
    if found is None:
        return create_local_ca(keys, settings.fonds_name, settings.fonds_code)
    revoked = revocation_of(found.cert, signing_crls(keys, settings.trust_roots))
    if revoked is not None:
        raise ConfigurationError(f"当前出证签名证书 {found.id} 已于 {revoked.revoked_at:%Y-%m-%d} 被吊销（原因：{revoked.label}），"
                                 "不能再用它签名：请运行 dangan keys ca 生成新证书，或 dangan keys import-cert 导入新证书")  # fmt: skip
    return found


def timestamper_for(settings: Settings) -> object | None:
    """None for B-B; the archive's local time-stamping key, or an RFC 3161 service, for B-T."""
    mode = settings.signing_timestamp.strip()
    if mode in ("", "off"):
        return None
    if mode == "local":
        from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
        from pyhanko_certvalidator.registry import SimpleCertificateStore

        archive_identity(settings)  # the local CA makes the time-stamping key beside the signing key
        tsa = tsa_identity(settings.home / "keys")
        if tsa is None:
            raise ConfigurationError(
                "DANGAN_SIGNING_TIMESTAMP=local，但没有有效的本馆时间戳证书：运行 dangan keys ca"
            )
        store = SimpleCertificateStore.from_certs([asn1_cert(c) for c in tsa.chain])
        return DummyTimeStamper(asn1_cert(tsa.cert), _asn1_key(tsa), certs_to_embed=store)
    if mode.startswith(("http://", "https://")):
        from pyhanko.sign.timestamps import HTTPTimeStamper

        return HTTPTimeStamper(mode)
    raise ConfigurationError(f"DANGAN_SIGNING_TIMESTAMP 取值“{mode}”无效，可选 off、local 或时间戳服务网址")


def sign_as_archive(archive: Archive, pdf: bytes, *, placement: SealPlacement, reason: str) -> bytes:
    """The shared helper: sign a PDF the archive issues with its current certificate and seal."""
    settings = archive.settings
    return sign_pdf(pdf, archive_identity(settings), seal_name=settings.fonds_name, placement=placement,
                    reason=reason, location=settings.fonds_name, timestamper=timestamper_for(settings))  # fmt: skip
