"""The OFD (GB/T 33190) container of a certified copy: the certified PDF's pages as page images with an
invisible text layer, laid out as ofdrw and the seal products lay theirs out (see the samples in
``vectors/docs/ofd``): ``OFD.xml`` → ``Doc_0/Document.xml`` → ``Pages/Page_N/Content.xml``, resources in
``PublicRes.xml`` / ``DocumentRes.xml`` and ``Res/``, the ledger proof as an attachment.

The pages are the PDF's pages rendered (pdfium), not re-typeset: an OFD reader then shows exactly what
the PDF shows — cover, seal, QR code, watermark — and the text layer keeps the copy searchable and
selectable. Every part is made from its inputs alone and zipped with fixed metadata, so the same copy
gives the same bytes.
"""

from __future__ import annotations

import hashlib
import io
import math
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from xml.sax.saxutils import escape

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import Image

from dangan.core import PDFIUM

NS = "http://www.ofdspec.org/2016"
MM = 25.4 / 72  # PDF points → millimetres
DPI = 150
DOC = "Doc_0"
PROOF_FILE = f"{DOC}/Attachs/DanganProof.json"
SIGNS = f"{DOC}/Signs/"
FONT_ID = 1
FIRST_PAGE_ID = FONT_ID + 1  # the cover's ID in Document.xml (the seal's StampAnnot names it)
_XML = '<?xml version="1.0" encoding="UTF-8"?>\n'


@dataclass(frozen=True)
class TextRun:
    """One line of a page's text: its box in millimetres from the page's top-left, and the text."""

    x: float
    y: float
    w: float
    h: float
    text: str


@dataclass(frozen=True)
class OfdPage:
    width: float  # millimetres
    height: float
    png: bytes
    text: tuple[TextRun, ...]


def _n(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".") or "0"


def _runs(page: pdfium.PdfPage, left: float, top: float) -> tuple[TextRun, ...]:
    """The page's upright text as runs of characters on one baseline (the diagonal watermark is left
    out: it is in the page image, and as text it would cover the whole page)."""
    text_page = page.get_textpage()
    try:
        chars = text_page.get_text_range()
        runs: list[TextRun] = []
        line: list[tuple[str, tuple[float, float, float, float]]] = []

        def close() -> None:
            text = "".join(ch for ch, _b in line).strip()
            if text:
                x0 = min(b[0] for _c, b in line)
                y0 = min(b[1] for _c, b in line)
                x1 = max(b[2] for _c, b in line)
                y1 = max(b[3] for _c, b in line)
                runs.append(TextRun((x0 - left) * MM, (top - y1) * MM, (x1 - x0) * MM, (y1 - y0) * MM, text))
            line.clear()

        for i in range(min(len(chars), text_page.count_chars())):
            ch = chars[i]
            angle = pdfium_c.FPDFText_GetCharAngle(text_page.raw, i)
            if ch in "\r\n" or (abs(angle) > 0.01 and abs(angle - 2 * math.pi) > 0.01):
                close()
                continue
            box = text_page.get_charbox(i)
            height = max(box[3] - box[1], 1.0)
            if line:
                last = line[-1][1]
                if abs(box[1] - last[1]) > height / 2 or not -height < box[0] - last[2] < 2 * height:
                    close()
            line.append((ch, box))
        close()
        return tuple(runs)
    finally:
        text_page.close()


def pdf_pages(pdf: bytes, dpi: int = DPI) -> list[OfdPage]:
    """Each page of `pdf` as an image at `dpi` and its text runs."""
    pages = []
    with PDFIUM:
        doc = pdfium.PdfDocument(pdf)
        try:
            for i in range(len(doc)):
                page = doc[i]
                try:
                    left, bottom, right, top = page.get_cropbox()
                    image = page.render(scale=dpi / 72).to_pil().convert("RGB")
                    runs = _runs(page, left, top)
                finally:
                    page.close()
                out = io.BytesIO()
                # 256 colours: rendered text and a red seal lose nothing visible, the file is 2.4× smaller
                image.quantize(256, dither=Image.Dither.NONE).save(out, format="PNG")
                pages.append(OfdPage((right - left) * MM, (top - bottom) * MM, out.getvalue(), runs))
        finally:
            doc.close()
    return pages


def _text_objects(runs: Iterable[TextRun], next_id: int) -> tuple[list[str], int]:
    out = []
    for run in runs:
        size = max(run.h * 0.9, 0.5)
        step = run.w / max(len(run.text), 1)
        delta = f' DeltaX="g {len(run.text) - 1} {_n(step)}"' if len(run.text) > 1 else ""
        out.append(
            f'<ofd:TextObject ID="{next_id}" Boundary="{_n(run.x)} {_n(run.y)} {_n(run.w)} {_n(run.h)}" '
            f'Font="{FONT_ID}" Size="{_n(size)}" Fill="false" Stroke="false">'
            f'<ofd:TextCode X="0" Y="{_n(size * 0.88)}"{delta}>{escape(run.text)}</ofd:TextCode>'
            "</ofd:TextObject>"
        )
        next_id += 1
    return out, next_id


@dataclass(frozen=True)
class DocInfo:
    doc_id: str  # 32 hex characters, as readers expect
    title: str
    author: str
    created: datetime


def container_parts(pages: list[OfdPage], info: DocInfo) -> dict[str, bytes]:
    """Every part of the unsigned container but the proof itself, by path inside the zip."""
    parts: dict[str, bytes] = {}
    page_refs, media = [], []
    next_id = FIRST_PAGE_ID
    for n, page in enumerate(pages):
        page_id, image_id, object_id = next_id, next_id + 1, next_id + 2
        next_id += 3
        image_name = f"page_{n}.png"
        parts[f"{DOC}/Res/{image_name}"] = page.png
        media.append(
            f'<ofd:MultiMedia ID="{image_id}" Type="Image" Format="PNG">'
            f"<ofd:MediaFile>{image_name}</ofd:MediaFile></ofd:MultiMedia>"
        )
        w, h = _n(page.width), _n(page.height)
        texts, next_id = _text_objects(page.text, next_id)
        layer_id = next_id
        next_id += 1
        parts[f"{DOC}/Pages/Page_{n}/Content.xml"] = (
            f'{_XML}<ofd:Page xmlns:ofd="{NS}"><ofd:Area><ofd:PhysicalBox>0 0 {w} {h}</ofd:PhysicalBox>'
            f'</ofd:Area><ofd:Content><ofd:Layer ID="{layer_id}" Type="Body">'
            f'<ofd:ImageObject ID="{object_id}" ResourceID="{image_id}" Boundary="0 0 {w} {h}" '
            f'CTM="{w} 0 0 {h} 0 0"/>{"".join(texts)}</ofd:Layer></ofd:Content></ofd:Page>'
        ).encode()
        page_refs.append(f'<ofd:Page ID="{page_id}" BaseLoc="Pages/Page_{n}/Content.xml"/>')
    box = f"0 0 {_n(pages[0].width)} {_n(pages[0].height)}"
    created = info.created.date().isoformat()
    parts[f"{DOC}/PublicRes.xml"] = (
        f'{_XML}<ofd:Res xmlns:ofd="{NS}" BaseLoc="Res"><ofd:Fonts>'
        f'<ofd:Font ID="{FONT_ID}" FontName="宋体" FamilyName="宋体"/></ofd:Fonts></ofd:Res>'
    ).encode()
    parts[f"{DOC}/DocumentRes.xml"] = (
        f'{_XML}<ofd:Res xmlns:ofd="{NS}" BaseLoc="Res"><ofd:MultiMedias>{"".join(media)}'
        "</ofd:MultiMedias></ofd:Res>"
    ).encode()
    attach_id = next_id
    parts[f"{DOC}/Attachs/Attachments.xml"] = (
        f'{_XML}<ofd:Attachments xmlns:ofd="{NS}"><ofd:Attachment ID="{attach_id}" Name="DanganProof" '
        f'Format="json" CreationDate="{created}" Visible="false">'
        f"<ofd:FileLoc>{PROOF_FILE.rsplit('/', 1)[1]}</ofd:FileLoc></ofd:Attachment></ofd:Attachments>"
    ).encode()
    parts[f"{DOC}/Document.xml"] = (
        f'{_XML}<ofd:Document xmlns:ofd="{NS}"><ofd:CommonData><ofd:MaxUnitID>{attach_id}</ofd:MaxUnitID>'
        f"<ofd:PageArea><ofd:PhysicalBox>{box}</ofd:PhysicalBox><ofd:ApplicationBox>{box}</ofd:ApplicationBox>"
        "</ofd:PageArea><ofd:PublicRes>PublicRes.xml</ofd:PublicRes>"
        f"<ofd:DocumentRes>DocumentRes.xml</ofd:DocumentRes></ofd:CommonData><ofd:Pages>{''.join(page_refs)}"
        "</ofd:Pages><ofd:Attachments>Attachs/Attachments.xml</ofd:Attachments></ofd:Document>"
    ).encode()
    parts["OFD.xml"] = (
        f'{_XML}<ofd:OFD xmlns:ofd="{NS}" Version="1.0" DocType="OFD"><ofd:DocBody><ofd:DocInfo>'
        f"<ofd:DocID>{info.doc_id}</ofd:DocID><ofd:Title>{escape(info.title)}</ofd:Title>"
        f"<ofd:Author>{escape(info.author)}</ofd:Author><ofd:CreationDate>{created}</ofd:CreationDate>"
        "<ofd:Creator>Dangan 档案证明</ofd:Creator><ofd:CreatorVersion>1.0</ofd:CreatorVersion></ofd:DocInfo>"
        f"<ofd:DocRoot>{DOC}/Document.xml</ofd:DocRoot>"
        f"<ofd:Signatures>/{SIGNS}Signatures.xml</ofd:Signatures></ofd:DocBody></ofd:OFD>"
    ).encode()
    return parts


def content_digest(parts: Mapping[str, bytes]) -> str:
    """SHA-256 over the name and SHA-256 of every part except the proof and the signatures: what the
    ledger registers as the copy's body, recomputable from the finished file."""
    lines = [
        f"{name}\n{hashlib.sha256(data).hexdigest()}\n"
        for name, data in sorted(parts.items())
        if name != PROOF_FILE and not name.startswith(SIGNS)
    ]
    return hashlib.sha256("".join(lines).encode()).hexdigest()


def zip_parts(parts: Mapping[str, bytes], when: datetime) -> bytes:
    """The container: OFD.xml first, then the parts in name order; fixed metadata, PNGs stored."""
    order = ["OFD.xml", *sorted(n for n in parts if n != "OFD.xml")]
    stamp = (max(when.year, 1980), when.month, when.day, when.hour, when.minute, when.second)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name in order:
            item = zipfile.ZipInfo(name, date_time=stamp)
            item.external_attr = 0o644 << 16
            item.create_system = 3
            stored = name.endswith(".png")
            item.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
            zf.writestr(item, parts[name], compresslevel=None if stored else 9)
    return out.getvalue()


def read_parts(data: bytes, limit: int = 256 * 1024 * 1024) -> dict[str, bytes]:
    """Every file of a zip, by normalised name; ValueError when it is not a zip or too large."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = [i for i in zf.infolist() if not i.is_dir()]
            if sum(i.file_size for i in infos) > limit:
                raise ValueError("OFD 解压后过大")
            return {i.filename.replace("\\", "/").lstrip("/"): zf.read(i) for i in infos}
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as exc:
        raise ValueError(f"不是有效的 OFD（ZIP 容器无法打开）：{exc}") from None
