"""What the public verification page says about a PDF someone uploads: the two independent halves of a
certified copy's validity, side by side, as a receiving office needs them.

- the PAdES signature (what WPS, Adobe or Foxit would show: signer, time, intact, whole file, trusted);
- the ledger proof (what ``dangan certify verify`` reports: body hash, entry, inclusion, checkpoint);
- the seal as it appears in the file, cut from the signature widget's page, so a visitor sees that a
  red seal is only a picture: the verdict comes from the two checks, never from the image.

The upload is judged against the certificate whose page it was sent to: a file that is valid in itself
but is another certificate is said to be that other one, and nothing here is ever called valid unless
both halves hold and the file is exactly the copy the archive registered.
"""

from __future__ import annotations

import base64
import io
from typing import Any

from dangan.checks import seal_picture_of
from dangan.core import PDFIUM
from dangan.services.archive import Archive, key_store

from ._certificates import find_by_pdf_hash
from ._ofd_container import read_parts
from ._ofd_copy import is_ofd, ofd_roots, verify_ofd_file
from ._verify import signing_crls, signing_roots, verify_certificate_file

SEAL_SCALE = 2.0
_PROOF_KEYS = ("certificate_id", "record_id", "issued_at", "issuer", "leaf_index", "tree_size",
               "checkpoint_issued_at")  # fmt: skip


def _seal_place(pdf: bytes) -> tuple[int, tuple[float, float, float, float]] | None:
    """(page index, rectangle) of the last signature widget that has an appearance, if any."""
    import pikepdf

    found = None
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        for n, page in enumerate(doc.pages):
            for annot in page.obj.get("/Annots", []):
                parent = annot.get("/Parent")
                is_sig = annot.get("/FT") == "/Sig" or (parent is not None and parent.get("/FT") == "/Sig")
                if is_sig and annot.get("/Subtype") == "/Widget" and "/AP" in annot and "/Rect" in annot:
                    x0, y0, x1, y1 = (float(v) for v in annot["/Rect"])
                    found = (n, (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)))
    return found


def seal_image(pdf: bytes) -> bytes | None:
    """A PNG of the signature widget's area as a reader draws it; None when the file has none."""
    try:
        place = _seal_place(pdf)
    except Exception:  # an unreadable upload has no seal to show; the checks say why
        return None
    if place is None:
        return None
    index, (x0, y0, x1, y1) = place
    if x1 - x0 < 1 or y1 - y0 < 1 or (x1 - x0) * (y1 - y0) > 600 * 600:
        return None
    import pypdfium2 as pdfium

    try:
        with PDFIUM:
            doc = pdfium.PdfDocument(pdf)
            try:
                page = doc[index]
                left, _bottom, _right, top = page.get_cropbox()
                image = page.render(scale=SEAL_SCALE, draw_annots=True).to_pil()
                page.close()
            finally:
                doc.close()
    except Exception:  # pdfium refuses a damaged file: the checks report the damage
        return None
    box = (
        int((x0 - left) * SEAL_SCALE),
        int((top - y1) * SEAL_SCALE),
        int((x1 - left) * SEAL_SCALE),
        int((top - y0) * SEAL_SCALE),
    )
    out = io.BytesIO()
    image.crop(box).save(out, format="PNG")
    return out.getvalue()


def _ofd_seal_picture(ofd: bytes) -> bytes | None:
    try:
        parts = read_parts(ofd)
    except Exception:  # an unreadable container has no seal to show; the checks say why
        return None
    for name in sorted(parts):
        if name.endswith("SignedValue.dat") and (picture := seal_picture_of(parts[name])):
            return picture
    return None


def _judged(archive: Archive, report: dict[str, Any], data: bytes, certificate_id: str,
            signature_problems: list[str], picture: bytes | None) -> dict[str, Any]:  # fmt: skip
    """What both formats share: the ledger proof's half, whether the upload is the registered copy of
    this certificate (or which other one it is), and the verdict needing all of it."""
    sha = report["sha256"]
    registered = find_by_pdf_hash(archive, sha)
    matches = registered is not None and registered.id == certificate_id
    proof = {k: report.get(k) for k in _PROOF_KEYS} | {
        "ok": bool(report["proof_valid"]),
        "present": "certificate_id" in report,
        "problems": [p for p in report["problems"] if p not in signature_problems],
    }
    claimed = report.get("certificate_id")
    other = registered.id if registered is not None and not matches else None
    if other is None and claimed and claimed != certificate_id:
        other = str(claimed)
    return {
        "sha256": sha,
        "size": len(data),
        "valid": bool(report["valid"]) and matches,
        "matches": matches,
        "other": other,
        "proof": proof,
        "seal_png": base64.b64encode(picture).decode("ascii") if picture else None,
    }


def check_uploaded_copy(archive: Archive, pdf: bytes, certificate_id: str) -> dict[str, Any]:
    """The public page's verdict on `pdf` (or an OFD copy), offered as the certificate `certificate_id`."""
    if is_ofd(pdf):  # the electronic seal (SES signature) instead of PAdES
        report = verify_ofd_file(pdf, key_store(archive).public_keys(), ofd_roots(archive.settings))
        seal: dict[str, Any] = report["seal"]
        judged = _judged(archive, report, pdf, certificate_id, seal["problems"], _ofd_seal_picture(pdf))
        return judged | {"format": "ofd", "seal": seal}
    settings = archive.settings
    report = verify_certificate_file(pdf, key_store(archive).public_keys(), signing_roots(settings),
                                     signing_crls(settings))  # fmt: skip
    report["sha256"] = report["pdf_sha256"]
    pades: dict[str, Any] = report["pades"]
    pades_problems = list(pades["problems"])
    if not pades["present"] and "PDF 数字签名已被移除（出证时已签名）" in report["problems"]:
        pades_problems = ["PDF 数字签名已被移除（出证时已签名）"]
    judged = _judged(
        archive, report, pdf, certificate_id, [*pades["problems"], *pades_problems], seal_image(pdf)
    )
    return judged | {"format": "pdf", "pades": pades | {"problems": pades_problems}}
