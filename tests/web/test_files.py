"""Preview pages, rendered page images, downloads — and that each is audited."""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Callable
from urllib.parse import quote

from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import select

from dangan.services.accounts import get_principal
from dangan.services.records import record_for
from dangan.store.catalog import Event, RecordFile
from dangan.web.present import MAX_PREVIEW_PAGES, file_kind
from tests.web.conftest import LONG_PAGES, WebEnv

Client = Callable[[str], TestClient]


def _files(web_env: WebEnv, label: str) -> list[RecordFile]:
    record = record_for(web_env.archive, get_principal(web_env.archive, "archivist"), web_env.ids[label])
    return list(record.files)


def _position(web_env: WebEnv, label: str, media_type: str) -> int:
    return next(f.position for f in _files(web_env, label) if f.media_type == media_type)


def test_pdf_preview_page_shows_every_page_as_an_image(web_env: WebEnv, as_user: Client) -> None:
    record_id = web_env.ids["a0"]
    pos = _position(web_env, "a0", "application/pdf")
    page = as_user("archivist").get(f"/records/{record_id}/files/{pos}")
    assert page.status_code == 200
    images = re.findall(rf'src="/records/{record_id}/files/{pos}/pages/(\d+)\.png"', page.text)
    assert images and images[0] == "1"
    assert f"共 {len(images)} 页" in page.text
    assert page.headers["cache-control"] == "private, no-store"


def test_pdf_page_is_a_png(web_env: WebEnv, as_user: Client) -> None:
    record_id = web_env.ids["a0"]
    pos = _position(web_env, "a0", "application/pdf")
    response = as_user("archivist").get(f"/records/{record_id}/files/{pos}/pages/1.png")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    assert response.headers["cache-control"] == "private, no-store"
    assert response.content.startswith(b"\x89PNG\r\n\x1a\n")
    with Image.open(io.BytesIO(response.content)) as img:
        assert img.width > 500 and img.height > img.width  # an A4 page, portrait


def test_pdf_page_out_of_range_is_404(web_env: WebEnv, as_user: Client) -> None:
    record_id = web_env.ids["a0"]
    pos = _position(web_env, "a0", "application/pdf")
    c = as_user("archivist")
    assert c.get(f"/records/{record_id}/files/{pos}/pages/49.png").status_code == 404
    assert c.get(f"/records/{record_id}/files/{pos}/pages/0.png").status_code == 400
    assert c.get(f"/records/{record_id}/files/99/pages/1.png").status_code == 404


def test_image_preview(web_env: WebEnv, as_user: Client) -> None:
    record_id = web_env.ids["odd"]
    pos = next(f.position for f in _files(web_env, "odd") if f.path == "现场照片.png")
    c = as_user("archivist")
    page = c.get(f"/records/{record_id}/files/{pos}")
    assert f'src="/records/{record_id}/files/{pos}/preview.png"' in page.text
    png = c.get(f"/records/{record_id}/files/{pos}/preview.png")
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    with Image.open(io.BytesIO(png.content)) as img:
        assert img.size == (120, 80)
    assert c.get(f"/records/{record_id}/files/{pos}/pages/1.png").status_code == 404


def test_unsupported_format_offers_the_download(web_env: WebEnv, as_user: Client) -> None:
    record_id = web_env.ids["odd"]
    pos = next(f.position for f in _files(web_env, "odd") if f.path == "说明.txt")
    c = as_user("archivist")
    page = c.get(f"/records/{record_id}/files/{pos}")
    assert page.status_code == 200
    assert "此格式暂不支持在线预览，请下载查看" in page.text
    assert f'href="/records/{record_id}/files/{pos}/download"' in page.text
    assert c.get(f"/records/{record_id}/files/{pos}/preview.png").status_code == 404


def test_download_returns_the_stored_bytes(web_env: WebEnv, as_user: Client) -> None:
    c = as_user("archivist")
    record_id = web_env.ids["odd"]
    # The record is not public: PDFs and images are watermarked (tests/web/test_watermark.py); the
    # formats that cannot carry a mark go out as stored.
    for f in [f for f in _files(web_env, "odd") if file_kind(f.media_type) == "other"]:
        response = c.get(f"/records/{record_id}/files/{f.position}/download")
        assert response.status_code == 200, f.path
        assert hashlib.sha256(response.content).hexdigest() == f.sha256
        assert len(response.content) == f.size
        assert response.headers["content-type"].split(";")[0] == f.media_type
        assert response.headers["cache-control"] == "private, no-store"
        disposition = response.headers["content-disposition"]
        assert disposition.startswith("attachment; filename=")
        assert f"filename*=UTF-8''{quote(f.path.rsplit('/', 1)[-1], safe='')}" in disposition
        disposition.encode("latin-1")  # a valid header value


def test_download_and_preview_are_audited(web_env: WebEnv, as_user: Client) -> None:
    record_id = web_env.ids["a3"]
    c = as_user("clerk_a")
    assert c.get(f"/records/{record_id}/files/0").status_code == 200
    assert c.get(f"/records/{record_id}/files/0/download").status_code == 200
    with web_env.archive.db.read() as s:
        events = s.scalars(select(Event).where(Event.record_id == record_id, Event.actor == "clerk_a")).all()
    kinds = sorted(e.kind for e in events)
    assert kinds == ["download", "view"]
    download = next(e for e in events if e.kind == "download")
    assert download.detail["sha256"] == _files(web_env, "a3")[0].sha256


def test_missing_file_position_is_404(web_env: WebEnv, as_user: Client) -> None:
    c = as_user("archivist")
    record_id = web_env.ids["a0"]
    assert c.get(f"/records/{record_id}/files/42").status_code == 404
    assert c.get(f"/records/{record_id}/files/42/download").status_code == 404
    assert c.get(f"/records/{record_id}/files/-1/download").status_code == 400


def test_long_pdf_preview_is_capped_with_a_note(web_env: WebEnv, as_user: Client) -> None:
    record_id = web_env.ids["odd"]
    pos = next(f.position for f in _files(web_env, "odd") if f.path == "卷宗/长文件.pdf")
    c = as_user("archivist")
    page = c.get(f"/records/{record_id}/files/{pos}")
    assert page.status_code == 200
    images = re.findall(rf"/records/{record_id}/files/{pos}/pages/(\d+)\.png", page.text)
    assert [int(n) for n in images] == list(range(1, MAX_PREVIEW_PAGES + 1))
    assert f"本文件共 {LONG_PAGES} 页" in page.text and f"仅显示前 {MAX_PREVIEW_PAGES} 页" in page.text
    last = c.get(f"/records/{record_id}/files/{pos}/pages/{MAX_PREVIEW_PAGES}.png")
    assert last.status_code == 200 and last.content.startswith(b"\x89PNG")
    assert c.get(f"/records/{record_id}/files/{pos}/pages/{MAX_PREVIEW_PAGES + 1}.png").status_code in (
        400,
        404,
    )
    download = c.get(f"/records/{record_id}/files/{pos}/download")
    assert "filename*=UTF-8''%E9%95%BF%E6%96%87%E4%BB%B6.pdf" in download.headers["content-disposition"]
