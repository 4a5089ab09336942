"""Watermarks burnt into what a non-public file is delivered as; public files go out as stored."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable
from typing import Any

import pypdfium2 as pdfium
import pytest
from fastapi.testclient import TestClient
from PIL import Image, ImageChops
from sqlalchemy import select

from dangan.core import PDFIUM
from dangan.digitize import Watermark, render_image, render_pdf_page, watermark_pdf
from dangan.services.accounts import get_principal
from dangan.services.intake import import_paths
from dangan.services.records import file_for
from dangan.store.catalog import Event
from tests.factories import package_dir
from tests.web.conftest import WebEnv, _long_pdf

Client = Callable[[str], TestClient]


@pytest.fixture(scope="module")
def public_id(web_env: WebEnv, tmp_path_factory: pytest.TempPathFactory) -> str:
    root = tmp_path_factory.mktemp("public")
    package_dir(root, 900, security_level="公开", open_to_public=True)
    report = import_paths(web_env.archive, [root])
    assert report.accepted and report.accepted[0].record_id
    return report.accepted[0].record_id


def _file(web_env: WebEnv, record_id: str, media_type: str) -> tuple[Any, bytes]:
    archivist = get_principal(web_env.archive, "archivist")
    record = file_for(web_env.archive, archivist, record_id, 0)[0]
    f = next(f for f in record.files if f.media_type == media_type)
    _r, f, content = file_for(web_env.archive, archivist, record_id, f.position)
    return f, b"".join(content.chunks())


def _text(pdf: bytes) -> str:
    with PDFIUM:
        doc = pdfium.PdfDocument(pdf)
        try:
            return "".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))
        finally:
            doc.close()


def _event(web_env: WebEnv, request_id: str) -> Event:
    with web_env.archive.db.read() as s:
        events = [
            e for e in s.scalars(select(Event)).all() if (e.detail or {}).get("request_id") == request_id
        ]
    assert len(events) == 1
    return events[0]


def test_non_public_pdf_download_carries_user_and_request_id(web_env: WebEnv, as_user: Client) -> None:
    record_id = web_env.ids["a0"]
    f, stored = _file(web_env, record_id, "application/pdf")
    response = as_user("clerk_a").get(f"/records/{record_id}/files/{f.position}/download")
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    assert response.content != stored and hashlib.sha256(stored).hexdigest() == f.sha256  # original intact
    request_id = response.headers["x-request-id"]
    text = _text(response.content)
    assert "clerk_a" in text and request_id in text and "市场监管经办人" in text
    first_line = _text(stored).strip().splitlines()[0].strip()
    assert first_line and first_line in text  # the document's own text is still there
    event = _event(web_env, request_id)
    assert (event.kind, event.actor, event.record_id) == ("download", "clerk_a", record_id)
    assert event.detail["watermarked"] is True


def test_every_page_of_a_pdf_is_marked() -> None:
    marked = watermark_pdf(
        _long_pdf(3), Watermark("王档案", "archivist", "2024-05-06 10:00:00 UTC", "abc123")
    )
    with PDFIUM:
        doc = pdfium.PdfDocument(marked)
        pages = [doc[i].get_textpage().get_text_range() for i in range(len(doc))]
        doc.close()
    assert len(pages) == 3
    for n, text in enumerate(pages, 1):
        assert f"第 {n} 页" in text and "archivist" in text and "abc123" in text


def test_non_public_image_download_is_marked(web_env: WebEnv, as_user: Client) -> None:
    record_id = web_env.ids["odd"]
    f, stored = _file(web_env, record_id, "image/png")
    response = as_user("archivist").get(f"/records/{record_id}/files/{f.position}/download")
    assert response.status_code == 200 and response.content != stored
    with Image.open(io.BytesIO(response.content)) as got, Image.open(io.BytesIO(stored)) as original:
        assert got.format == "PNG" and got.size == original.size
        assert ImageChops.difference(got.convert("RGB"), original.convert("RGB")).getbbox() is not None
    assert _event(web_env, response.headers["x-request-id"]).kind == "download"


def test_public_download_is_byte_identical(web_env: WebEnv, as_user: Client, public_id: str) -> None:
    f, stored = _file(web_env, public_id, "application/pdf")
    response = as_user("archivist").get(f"/records/{public_id}/files/{f.position}/download")
    assert response.status_code == 200
    assert response.content == stored and hashlib.sha256(response.content).hexdigest() == f.sha256


def test_preview_png_of_a_non_public_pdf_is_marked(web_env: WebEnv, as_user: Client, tmp_path: Any) -> None:
    record_id = web_env.ids["a0"]
    f, stored = _file(web_env, record_id, "application/pdf")
    (tmp_path / "f.pdf").write_bytes(stored)
    plain = render_pdf_page(tmp_path / "f.pdf", 0, 1000)
    response = as_user("clerk_a").get(f"/records/{record_id}/files/{f.position}/pages/1.png")
    assert response.status_code == 200 and response.headers["content-type"] == "image/png"
    assert response.content != plain
    with Image.open(io.BytesIO(response.content)) as got, Image.open(io.BytesIO(plain)) as original:
        assert got.size == original.size
        assert ImageChops.difference(got.convert("RGB"), original.convert("RGB")).getbbox() is not None
    event = _event(web_env, response.headers["x-request-id"])
    assert (event.kind, event.actor, event.detail["via"]) == ("view", "clerk_a", "page")


def test_image_preview_of_a_non_public_record_is_marked(
    web_env: WebEnv, as_user: Client, tmp_path: Any
) -> None:
    record_id = web_env.ids["odd"]
    f, stored = _file(web_env, record_id, "image/png")
    (tmp_path / "i.png").write_bytes(stored)
    response = as_user("archivist").get(f"/records/{record_id}/files/{f.position}/preview.png")
    assert response.status_code == 200 and response.content != render_image(tmp_path / "i.png", 1000)


def test_public_preview_is_not_marked(
    web_env: WebEnv, as_user: Client, public_id: str, tmp_path: Any
) -> None:
    f, stored = _file(web_env, public_id, "application/pdf")
    (tmp_path / "p.pdf").write_bytes(stored)
    response = as_user("archivist").get(f"/records/{public_id}/files/{f.position}/pages/1.png")
    assert response.status_code == 200
    assert response.content == render_pdf_page(tmp_path / "p.pdf", 0, 1000)


def test_preview_page_logs_its_request_id(web_env: WebEnv, as_user: Client) -> None:
    record_id = web_env.ids["a6"]
    response = as_user("clerk_a").get(f"/records/{record_id}/files/0")
    event = _event(web_env, response.headers["x-request-id"])
    assert (event.kind, event.detail["via"]) == ("view", "preview")


def test_a_damaged_pdf_is_refused_not_delivered_unmarked() -> None:
    with pytest.raises(Exception):  # noqa: B017 - whatever PDFium raises; the route turns it into 422
        watermark_pdf(b"%PDF-1.4 not really", Watermark("", "u", "t", "r"))
