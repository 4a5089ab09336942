"""Every kind of demo file, as users below the unmask right receive it: no ID or phone number survives.

Checked the way a leak would be found: by extracting the text of what was delivered and by OCR of the
pixels (tesseract, installed by scripts/setup.sh). The OCR is shown to work on the same pages as an
archivist cleared to see personal data receives them, so a silent OCR cannot pass the test.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from dangan.core import load_settings
from dangan.domain import personal_spans
from dangan.services.accounts import add_user, get_principal
from dangan.services.archive import Archive, open_archive
from dangan.services.certify import issue_certificate
from dangan.services.intake import load_demo
from dangan.store.catalog import Record, RecordFile

from .conftest import PASSWORD, login

pytestmark = pytest.mark.slow
DEMO_CASES = 60


@dataclass(frozen=True)
class Sample:
    record_id: str
    position: int
    path: str
    media_type: str
    values: tuple[str, ...]  # the record's ID and phone numbers


@dataclass
class Env:
    archive: Archive
    app: FastAPI
    samples: list[Sample]


def _samples(archive: Archive) -> list[Sample]:
    """One file of each name the demo writes, from a record that has personal data, readable by 内部."""
    chosen: dict[str, Sample] = {}
    with archive.db.read() as s:
        rows = s.execute(
            select(Record, RecordFile).join(RecordFile, RecordFile.record_seq == Record.seq)
            .where(Record.security_rank <= 1).order_by(Record.seq)
        ).all()  # fmt: skip
        for record, f in rows:
            values = tuple(v for v in (record.id_number, record.phone) if v)
            if f.path not in chosen and values:
                chosen[f.path] = Sample(record.id, f.position, f.path, f.media_type, values)
    return list(chosen.values())


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    from dangan.web import create_app

    archive = open_archive(load_settings(tmp_path_factory.mktemp("redact") / "data"))
    load_demo(archive, count=DEMO_CASES)
    add_user(archive, "low", PASSWORD, "archivist", clearance="内部", display_name="见习档案员")
    add_user(archive, "cleared", PASSWORD, "archivist", clearance="秘密", display_name="档案管理员")
    try:
        yield Env(archive, create_app(archive), _samples(archive))
    finally:
        archive.close()


def _client(env: Env, username: str) -> TestClient:
    c = TestClient(env.app, follow_redirects=False)
    assert login(c, username).status_code == 303
    return c


def ocr(png: bytes) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "page.png"
        path.write_bytes(png)
        done = subprocess.run(
            ["tesseract", str(path), "stdout", "-l", "eng"], capture_output=True, check=True
        )
    return re.sub(r"\s", "", done.stdout.decode("utf-8", "replace"))


def _leaks(text: str, values: tuple[str, ...]) -> list[str]:
    """The record's numbers, or any ID or mobile number, in extracted text."""
    own = "\n".join(line for line in text.splitlines() if "北京时间" not in line)  # not the watermark's ids
    compact = re.sub(r"\s", "", own)
    found = [compact[a:b] for a, b in personal_spans(compact)]
    return found + _seen(compact, values)


def _seen(ocr_text: str, values: tuple[str, ...]) -> list[str]:
    """The record's numbers in OCR output, also in part (OCR may misread a digit or two; it also
    invents digit runs in stamps and tables, so arbitrary numbers are not counted here)."""
    return [v for v in values if v[:10] in ocr_text or v[-8:] in ocr_text]


def _pdf_pages(data: bytes) -> list[tuple[str, bytes]]:
    """Each page's extracted text and a PNG of it at 150 dpi."""
    doc = pdfium.PdfDocument(data)
    try:
        out = []
        for i in range(len(doc)):
            page = doc[i]
            buf = io.BytesIO()
            page.render(scale=150 / 72).to_pil().save(buf, format="PNG")
            out.append((page.get_textpage().get_text_range(), buf.getvalue()))
        return out
    finally:
        doc.close()


@pytest.fixture(scope="module")
def tesseract() -> None:
    assert shutil.which("tesseract"), "tesseract is installed by scripts/setup.sh"


def test_demo_covers_the_kinds_that_carry_personal_data(env: Env) -> None:
    names = {s.path for s in env.samples}
    assert {"申请书.pdf", "法定代表人身份证明.pdf"} <= names, names
    assert any(s.media_type.startswith("image/") for s in env.samples)


def _ocr_all(pngs: list[bytes]) -> list[str]:
    with ThreadPoolExecutor(max_workers=2) as pool:  # tesseract is single-threaded here: use both cores
        return list(pool.map(ocr, pngs))


CONTROL = ("申请书.pdf", "法定代表人身份证明.pdf")


def _unmarked_first_page(env: Env, s: Sample) -> bytes:
    """Page 1 of the stored file, rendered as the preview renders it but without watermark or cover."""
    from dangan.digitize import render_pdf_page

    with env.archive.db.read() as session:
        f = session.scalars(select(RecordFile).join(Record, Record.seq == RecordFile.record_seq)
                            .where(Record.id == s.record_id, RecordFile.position == s.position)).one()  # fmt: skip
        sha256, encrypted = f.sha256, bool(f.encrypted)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "file.pdf"
        path.write_bytes(b"".join(env.archive.objects.iter_plain(sha256, encrypted)))
        return render_pdf_page(path, 0, 1000)


def test_previews_show_no_personal_number(env: Env, tesseract: None) -> None:
    low = _client(env, "low")
    shown, control = [], []
    for s in env.samples:
        base = f"/records/{s.record_id}/files/{s.position}"
        url = f"{base}/pages/1.png" if s.media_type == "application/pdf" else f"{base}/preview.png"
        page = low.get(url)
        assert page.status_code == 200, (s.path, page.text[:200])
        shown.append(page.content)
        assert "个人信息已遮蔽" in low.get(base).text, s.path
        if s.path in CONTROL:
            control.append((s, _unmarked_first_page(env, s)))
    for s, text in zip(env.samples, _ocr_all(shown), strict=True):
        assert _seen(text, s.values) == [], s.path
    # The control: the same OCR reads these numbers on the same pages rendered as stored (no watermark,
    # nothing covered), so a silent OCR cannot pass this test.
    read = _ocr_all([png for _, png in control])
    assert len(control) == len(CONTROL)
    for (s, _), text in zip(control, read, strict=True):
        assert _seen(text, s.values), (s.path, text[:300])


def test_downloads_carry_no_personal_number(env: Env, tesseract: None) -> None:
    low = _client(env, "low")
    for s in env.samples:
        response = low.get(f"/records/{s.record_id}/files/{s.position}/download")
        if s.media_type.startswith("image/"):  # a scan nothing has read yet is not handed out
            assert response.status_code == 403 and "个人信息" in response.text, s.path
            continue
        assert response.status_code == 200, s.path
        for n, (text, png) in enumerate(_pdf_pages(response.content)):
            assert _leaks(text, s.values) == [], (s.path, n, text)
            if n == 0 and s.path in ("申请书.pdf", "法定代表人身份证明.pdf"):
                assert _seen(ocr(png), s.values) == [], s.path


def test_certified_copy_carries_no_personal_number(env: Env, tesseract: None) -> None:
    s = next(s for s in env.samples if s.path == "申请书.pdf")
    low = get_principal(env.archive, "low")
    cert = issue_certificate(env.archive, low, s.record_id, "核验")
    pages = _pdf_pages(cert.pdf)
    assert len(pages) >= 2
    cover, *attached = pages
    # The cover lists SHA-256 hashes, whose hex digits can look like a phone number: only the record's
    # own numbers are looked for there; the attached pages are held to every pattern.
    assert _seen(re.sub(r"\s", "", cover[0]), s.values) == []
    for text, _png in attached:
        assert _leaks(text, s.values) == []
    assert _seen(ocr(attached[0][1]), s.values) == []
    assert "个人信息" in pages[0][0] and "已按规定遮蔽" in pages[0][0].replace("\r\n", "")
    cleared = issue_certificate(env.archive, get_principal(env.archive, "cleared"), s.record_id, "核验")
    assert any(v in text for v in s.values for text, _ in _pdf_pages(cleared.pdf))  # the control
