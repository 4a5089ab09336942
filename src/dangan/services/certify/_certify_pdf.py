"""The certified-copy PDF: cover page (stamp, QR code, hashes), appended file pages, watermark, proof.

The PDF is made in two steps so that its own ledger entry can vouch for it: the *body* (cover, file
pages, watermark) is hashed and that hash goes into the ledger; then the inclusion proof is appended
as a PDF incremental update (a new Info dictionary with ``/DanganProof``). Anyone can cut the file at
``signed_length`` bytes, hash that prefix, and check it against the entry carried in the proof — the
same trick PDF signatures use with their byte range. Nothing outside the file is needed but the
archive's public key.
"""

from __future__ import annotations

import base64
import io
import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pypdfium2 as pdfium
import segno
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from dangan.core import PDFIUM

FONT = "STSong-Light"
MONO = "Courier"
PAGE_W, PAGE_H = A4
MARGIN = 56.0
RED = (0.82, 0.06, 0.06)
PROOF_KEY = "DanganProof"
IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/tiff", "image/bmp", "image/gif"})

if FONT not in pdfmetrics.getRegisteredFontNames():
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))


class ProofMissing(ValueError):
    """The file carries no readable Dangan proof (not a certificate, or its metadata was damaged)."""


@dataclass(frozen=True)
class CertifiedFile:
    name: str
    sha256: str
    size: int
    media_type: str
    appended: bool = False


@dataclass(frozen=True)
class CoverInfo:
    certificate_id: str
    fonds_name: str
    archival_code: str
    title: str
    doc_number: str
    applicant: str
    decided_at: str
    issued_at: str  # in the archive's zone, named: '2026-11-26 18:00 北京时间'
    issuer: str
    purpose: str
    verify_url: str
    files: Sequence[CertifiedFile]
    redacted: bool = False  # personal data covered in the appended pages (issued below the unmask right)


def _wrap(text: str, font: str, size: float, width: float) -> list[str]:
    lines, line = [], ""
    for ch in text:
        if line and pdfmetrics.stringWidth(line + ch, font, size) > width:
            lines.append(line)
            line = ""
        line += ch
    return [*lines, line] if line else lines or [""]


def watermark_text(info: CoverInfo) -> str:
    return f"档案证明 仅供{info.purpose}使用 {info.certificate_id}"


def _watermark(c: canvas.Canvas, w: float, h: float, text: str) -> None:
    """Light diagonal text across the page, repeated so a crop cannot remove it."""
    c.saveState()
    c.setFillColorRGB(0.55, 0.55, 0.55)
    c.setFillAlpha(0.16)
    c.setFont(FONT, 22)
    c.translate(w / 2, h / 2)
    c.rotate(35)
    span = math.hypot(w, h)
    y = -span / 2
    while y < span / 2:
        c.drawCentredString(0, y, text)
        y += 150
    c.restoreState()


def seal_graphic(c: canvas.Canvas, cx: float, cy: float, name: str, r: float = 62) -> None:
    """The red round seal: the archive's name along the upper arc, a star, 档案证明专用章 below it."""
    c.saveState()
    c.setStrokeColorRGB(*RED)
    c.setFillColorRGB(*RED)
    c.setFillAlpha(0.85)
    c.setStrokeAlpha(0.85)
    c.setLineWidth(3)
    c.circle(cx, cy, r, stroke=1, fill=0)
    size = 13 if len(name) <= 12 else 11
    span = min(240.0, 18.0 * len(name) * size / 13)
    start = 90 + span / 2
    step = span / max(1, len(name) - 1)
    c.setFont(FONT, size)
    for i, ch in enumerate(name):
        angle = math.radians(start - i * step)
        c.saveState()
        c.translate(cx + (r - 17) * math.cos(angle), cy + (r - 17) * math.sin(angle))
        c.rotate(math.degrees(angle) - 90)
        c.drawCentredString(0, -size / 3, ch)
        c.restoreState()
    star = c.beginPath()
    for k in range(10):
        rad = 16 if k % 2 == 0 else 6.5
        a = math.radians(90 + k * 36)
        x, y = cx + rad * math.cos(a), cy + 4 + rad * math.sin(a)
        star.moveTo(x, y) if k == 0 else star.lineTo(x, y)
    star.close()
    c.drawPath(star, stroke=0, fill=1)
    c.setFont(FONT, 10)
    c.drawCentredString(cx, cy - r / 2 - 2, "档案证明专用章")
    c.restoreState()


def qr_payload(url: str) -> segno.QRCode:
    return segno.make(url, error="m", micro=False)


def _qr(c: canvas.Canvas, x: float, y: float, url: str, size: float = 96) -> None:
    """The QR code as vector squares (crisp at any zoom, no image to embed)."""
    rows = [list(r) for r in qr_payload(url).matrix_iter(scale=1, border=2)]
    cell = size / len(rows)
    c.saveState()
    c.setFillColorRGB(0, 0, 0)
    for i, row in enumerate(rows):
        for j, dark in enumerate(row):
            if dark:
                c.rect(x + j * cell, y + size - (i + 1) * cell, cell, cell, stroke=0, fill=1)
    c.restoreState()


def cover_pdf(info: CoverInfo) -> bytes:
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, invariant=1, pageCompression=1)
    c.setTitle(f"档案证明 {info.certificate_id}")
    c.setAuthor(info.fonds_name)
    c.setCreator("Dangan 档案证明")
    _watermark(c, PAGE_W, PAGE_H, watermark_text(info))
    y = PAGE_H - MARGIN - 20
    c.setFont(FONT, 20)
    c.drawCentredString(PAGE_W / 2, y, info.fonds_name)
    y -= 34
    c.setFillColorRGB(*RED)
    c.setFont(FONT, 26)
    c.drawCentredString(PAGE_W / 2, y, "档 案 证 明")
    c.setFillColorRGB(0, 0, 0)
    y -= 26
    c.setFont(FONT, 10.5)
    c.drawCentredString(PAGE_W / 2, y, f"证书编号：{info.certificate_id}")
    y -= 30
    rows = [
        ("档号", info.archival_code),
        ("题名", info.title),
        ("文号", info.doc_number or "—"),
        ("申请人", info.applicant),
        ("办结日期", info.decided_at),
        ("出具时间", info.issued_at),
        ("出具人", info.issuer),
    ]
    for label, value in rows:
        c.setFont(FONT, 11.5)
        c.drawString(MARGIN, y, f"{label}：")
        for line in _wrap(value, FONT, 11.5, PAGE_W - 2 * MARGIN - 70):
            c.drawString(MARGIN + 70, y, line)
            y -= 18
        y -= 2
    y -= 6
    c.setFont(FONT, 11.5)
    c.drawString(MARGIN, y, f"所证明的文件（{len(info.files)} 份，SHA-256）：")
    y -= 18
    for i, f in enumerate(info.files, 1):
        note = "" if f.appended else "（此格式不附页）"
        c.setFont(FONT, 10)
        for line in _wrap(f"{i}. {f.name}  {f.size:,} 字节{note}", FONT, 10, PAGE_W - 2 * MARGIN - 14):
            if y < 250:
                break
            c.drawString(MARGIN + 14, y, line)
            y -= 14
        c.setFont(MONO, 8.5)
        c.drawString(MARGIN + 28, y, f.sha256)
        y -= 16
        if y < 250:
            c.setFont(FONT, 10)
            c.drawString(MARGIN + 14, y, f"……其余文件见核验页面（共 {len(info.files)} 份）")
            break
    c.setFont(FONT, 10.5)
    statement = (
        f"兹证明：本证明所附 {sum(f.appended for f in info.files)} 份文件的页面取自本馆馆藏电子档案，"
        "上列文件的 SHA-256 摘要与馆藏一致。本证明已登记于本馆防篡改账本，可扫描二维码或访问下列网址核验。"
    )
    if info.redacted:
        statement += (
            "所附页面中的个人信息（身份证件号码、联系电话、住址等）已按规定遮蔽，扫描图像以说明页代替。"
        )
    y = 228
    for line in _wrap(statement, FONT, 10.5, PAGE_W - 2 * MARGIN):
        c.drawString(MARGIN, y, line)
        y -= 15
    _qr(c, MARGIN, 70, info.verify_url)
    c.setFont(FONT, 9)
    c.drawString(MARGIN + 104, 140, "扫码核验本证明")
    c.setFont(MONO, 7.5)
    for i, line in enumerate(_wrap(info.verify_url, MONO, 7.5, 200)):
        c.drawString(MARGIN + 104, 126 - i * 10, line)
    c.setFont(FONT, 11)
    c.drawCentredString(PAGE_W - MARGIN - 80, 62, info.fonds_name)
    c.drawCentredString(PAGE_W - MARGIN - 80, 46, info.issued_at[:10])
    seal_graphic(c, PAGE_W - MARGIN - 80, 138, info.fonds_name)
    c.showPage()
    c.save()
    return buf.getvalue()


def image_pdf(data: bytes) -> bytes:
    """One page showing a scanned image, fitted into A4 with a margin."""
    from reportlab.lib.utils import ImageReader

    img = ImageReader(io.BytesIO(data))
    iw, ih = img.getSize()
    scale = min((PAGE_W - 2 * MARGIN) / iw, (PAGE_H - 2 * MARGIN) / ih)
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, invariant=1, pageCompression=1)
    c.drawImage(img, (PAGE_W - iw * scale) / 2, (PAGE_H - ih * scale) / 2, iw * scale, ih * scale)
    c.showPage()
    c.save()
    return buf.getvalue()


def _overlay(sizes: Sequence[tuple[float, float]], info: CoverInfo) -> bytes:
    """One page per appended page, same size: watermark and a footer naming the certificate."""
    buf = io.BytesIO()
    c = canvas.Canvas(buf, invariant=1, pageCompression=1)
    for i, (w, h) in enumerate(sizes, 1):
        c.setPageSize((w, h))
        _watermark(c, w, h, watermark_text(info))
        c.setFont(FONT, 8)
        c.setFillColorRGB(*RED)
        c.drawCentredString(w / 2, 14, f"档案证明 {info.certificate_id} 附页 {i}/{len(sizes)}")
        c.showPage()
    c.save()
    return buf.getvalue()


def _page_boxes(docs: Sequence[pdfium.PdfDocument]) -> list[tuple[int, int, tuple[float, ...], int]]:
    """(document, page, media box, rotation) of every page to append, in order."""
    boxes = []
    for d, src in enumerate(docs):
        for i in range(len(src)):
            page = src[i]
            try:
                boxes.append((d, i, tuple(page.get_mediabox()), page.get_rotation()))
            finally:
                page.close()
    return boxes


CHUNK_PAGES = 24  # pdfium's content generation slows with every page a document holds: build in chunks


def assemble(info: CoverInfo, attachments: Sequence[bytes]) -> bytes:
    """Cover followed by every page of `attachments` (PDFs), each page stamped with the overlay.

    Each appended page is a new page holding two form XObjects — the original page and the overlay —
    so regenerating its content writes two operators instead of re-serialising the original page.
    Pages are made in small scratch documents and then imported: pdfium's content generation costs
    time proportional to the pages already in the document, which made long records quadratic.
    """
    with PDFIUM:
        doc = pdfium.PdfDocument(cover_pdf(info))
        sources = [pdfium.PdfDocument(data) for data in attachments]
        try:
            boxes = _page_boxes(sources)
            sizes = [(box[2] - box[0], box[3] - box[1]) for _d, _i, box, _r in boxes]
            over = pdfium.PdfDocument(_overlay(sizes, info)) if boxes else None
            for start in range(0, len(boxes), CHUNK_PAGES):
                assert over is not None
                scratch = pdfium.PdfDocument.new()
                try:
                    for n in range(start, min(start + CHUNK_PAGES, len(boxes))):
                        d, i, box, rotation = boxes[n]
                        page = scratch.new_page(*sizes[n])
                        original = sources[d].page_as_xobject(i, scratch).as_pageobject()
                        if box[0] or box[1]:
                            original.transform(pdfium.PdfMatrix().translate(-box[0], -box[1]))
                        page.insert_obj(original)
                        page.insert_obj(over.page_as_xobject(n, scratch).as_pageobject())
                        if rotation:
                            page.set_rotation(rotation)
                        page.gen_content()
                        page.close()
                    doc.import_pages(scratch)
                finally:
                    scratch.close()
            if over is not None:
                over.close()
            out = io.BytesIO()
            doc.save(out)
        finally:
            for src in sources:
                src.close()
            doc.close()
    return out.getvalue()


# -- the proof, as an incremental update -----------------------------------------------------------

_STARTXREF = re.compile(rb"startxref\s+(\d+)\s+%%EOF\s*$")
_TRAILER_REF = re.compile(rb"/(Root|Info)\s+(\d+)\s+(\d+)\s+R")
_SIZE = re.compile(rb"/Size\s+(\d+)")
_PROOF = re.compile(rb"/" + PROOF_KEY.encode() + rb"\s*<([0-9A-Fa-f\s]*)>")


def _last_trailer(pdf: bytes) -> bytes:
    at = pdf.rfind(b"trailer")
    if at < 0:
        raise ValueError("PDF 没有 trailer（可能使用了交叉引用流）")
    end = pdf.find(b"startxref", at)
    return pdf[at:end]


def seal(body: bytes, proof: dict[str, Any], title: str, author: str) -> bytes:
    """`body` plus an incremental update whose Info dictionary carries `proof` as `/DanganProof`."""
    m = _STARTXREF.search(body[-64:])
    if m is None:
        raise ValueError("PDF 结尾没有 startxref")
    trailer = _last_trailer(body)
    root = next((g for g in _TRAILER_REF.findall(trailer) if g[0] == b"Root"), None)
    size = _SIZE.search(trailer)
    if root is None or size is None:
        raise ValueError("PDF trailer 缺少 /Root 或 /Size")
    head = body if body.endswith(b"\n") else body + b"\n"
    num = int(size.group(1))

    def text(s: str) -> bytes:
        return b"<FEFF" + s.encode("utf-16-be").hex().upper().encode() + b">"

    payload = json.dumps(proof, ensure_ascii=True, sort_keys=True, separators=(",", ":"))
    obj = (
        f"{num} 0 obj\n<< /Title ".encode()
        + text(title)
        + b" /Author "
        + text(author)
        + b" /Creator (Dangan) /"
        + PROOF_KEY.encode()
        + b" <"
        + payload.encode().hex().encode()
        + b"> >>\nendobj\n"
    )
    xref_at = len(head) + len(obj)
    tail = (
        f"xref\n0 1\n0000000000 65535 f \n{num} 1\n{len(head):010d} 00000 n \n"
        f"trailer\n<< /Size {num + 1} /Root {int(root[1])} {int(root[2])} R /Info {num} 0 R "
        f"/Prev {int(m.group(1))} >>\nstartxref\n{xref_at}\n%%EOF\n"
    ).encode()
    return head + obj + tail


def read_proof(pdf: bytes) -> dict[str, Any]:
    """The `/DanganProof` JSON of the last update (pure byte parsing: no PDF library needed)."""
    found = list(_PROOF.finditer(pdf))
    if not found:
        raise ProofMissing("文件中没有档案证明的账本证明（不是本系统出具的证明，或元数据已被改动）")
    try:
        doc = json.loads(bytes.fromhex(re.sub(rb"\s", b"", found[-1].group(1)).decode()))
    except ValueError as exc:
        raise ProofMissing(f"账本证明无法读取：{exc}") from None
    if not isinstance(doc, dict):
        raise ProofMissing("账本证明格式不正确")
    return doc


def entry_bytes(proof: dict[str, Any]) -> bytes:
    return base64.b64decode(str(proof.get("entry", "")), validate=True)
