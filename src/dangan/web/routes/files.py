"""A record's files: the preview page, rendered page images, and downloads — all through `file_for`."""

from __future__ import annotations

import logging
import secrets
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi import Path as PathParam
from starlette.responses import Response, StreamingResponse

from dangan.access import Principal, granted_only
from dangan.core import NotFound, ValidationFailed
from dangan.digitize import (
    Watermark,
    pdf_page_count,
    render_image,
    render_pdf_page,
    watermark_image,
    watermark_pdf,
    watermark_png,
)
from dangan.domain import SecurityLevel
from dangan.services import file_for, log_access, preservation_copy_for

from ..deps import ArchiveDep, CurrentUser
from ..present import MAX_PREVIEW_PAGES, content_disposition, file_kind, file_name, file_urls
from ..render import render

router = APIRouter(include_in_schema=False)
log = logging.getLogger("dangan.web")
NO_STORE = {"Cache-Control": "private, no-store"}
PREVIEW_WIDTH = 1000
Position = Annotated[int, PathParam(ge=0, le=100_000)]
PageNumber = Annotated[int, PathParam(ge=1, le=MAX_PREVIEW_PAGES)]


def _page_count(path: Path) -> int | None:
    try:
        return pdf_page_count(path)
    except Exception:  # a damaged or encrypted PDF: offer the download instead
        log.warning("cannot count pages of %s", path, exc_info=True)
        return None


def _png(data: bytes, request_id: str | None = None) -> Response:
    headers = {**NO_STORE, **({"X-Request-ID": request_id} if request_id else {})}
    return Response(data, media_type="image/png", headers=headers)


def is_public(record: Any) -> bool:
    """Open to the public and 公开: delivered as stored; everything else carries a watermark."""
    return bool(record.open_to_public) and record.security_rank == SecurityLevel.PUBLIC.rank


def new_request_id() -> str:
    return secrets.token_hex(8)


def _mark(user: Principal, request_id: str, record: Any, detail: dict[str, Any]) -> Watermark:
    """The visible mark: who, when, and which request — the 利用申请 when the user reads the record only
    through a grant (so a leaked copy names the approval it came out under), else the HTTP request id.

    The grant's id is also added to `detail`, so the access event links both ids."""
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    grant = granted_only(user, record)
    if grant is None:
        return Watermark(user.display_name, user.username, now, request_id)
    detail["utilization_request_id"] = grant.request_id
    return Watermark(user.display_name, user.username, now, f"利用申请 {grant.request_id}")


def _marked_png(
    archive: Any, user: Principal, record: Any, f: Any, png: bytes, detail: dict[str, Any]
) -> Response:
    """The rendered PNG as delivered: watermarked (and its request logged) unless the record is public."""
    if is_public(record):
        return _png(png)
    request_id = new_request_id()
    detail = {**detail, "file": f.path, "request_id": request_id}
    marked = watermark_png(png, _mark(user, request_id, record, detail))
    log_access(archive, user.username, "view", record.id, detail)
    return _png(marked, request_id)


def _unrenderable() -> ValidationFailed:
    return ValidationFailed("该文件无法生成预览，请下载查看", code="preview_failed")


@router.get("/records/{record_id}/files/{position}")
def preview_page(
    request: Request, archive: ArchiveDep, user: CurrentUser, record_id: str, position: Position
) -> Response:
    record, f, content = file_for(archive, user, record_id, position)
    kind = file_kind(f.media_type)
    count = None
    if kind == "pdf":
        with content.path() as path:
            count = _page_count(path)
    request_id = new_request_id()
    log_access(
        archive,
        user.username,
        "view",
        record.id,
        {"via": "preview", "file": f.path, "position": position, "request_id": request_id},
    )
    context = {
        "record": record,
        "file": f,
        "kind": kind,
        "page_count": count,
        "shown_pages": min(count or 0, MAX_PREVIEW_PAGES),
        "max_pages": MAX_PREVIEW_PAGES,
        **file_urls(record.id, position),
    }
    response = render(request, "preview.html", context)
    response.headers.update({**NO_STORE, "X-Request-ID": request_id})
    return response


@router.get("/records/{record_id}/files/{position}/pages/{number}.png")
def pdf_page_png(
    archive: ArchiveDep, user: CurrentUser, record_id: str, position: Position, number: PageNumber
) -> Response:
    record, f, content = file_for(archive, user, record_id, position)
    if file_kind(f.media_type) != "pdf":
        raise NotFound("该文件不是 PDF，没有分页预览")
    with content.path() as path:
        count = _page_count(path)
        if count is None:
            raise _unrenderable()
        if number > count:
            raise NotFound(f"该文件只有 {count} 页")
        try:
            png = render_pdf_page(path, number - 1, PREVIEW_WIDTH)
        except Exception as exc:
            log.warning("cannot render page %s of %s", number, f.sha256, exc_info=True)
            raise _unrenderable() from exc
    return _marked_png(archive, user, record, f, png, {"via": "page", "page": number})


@router.get("/records/{record_id}/files/{position}/preview.png")
def image_png(archive: ArchiveDep, user: CurrentUser, record_id: str, position: Position) -> Response:
    record, f, content = file_for(archive, user, record_id, position)
    if file_kind(f.media_type) != "image":
        raise NotFound("该文件不是图片")
    with content.path() as path:
        try:
            png = render_image(path, PREVIEW_WIDTH)
        except Exception as exc:
            log.warning("cannot render image %s", f.sha256, exc_info=True)
            raise _unrenderable() from exc
    return _marked_png(archive, user, record, f, png, {"via": "image"})


@router.get("/records/{record_id}/files/{position}/download")
def download(archive: ArchiveDep, user: CurrentUser, record_id: str, position: Position) -> Response:
    record, f, content = file_for(archive, user, record_id, position, download=True)
    return _deliver(archive, user, record, f, content)


@router.get("/records/{record_id}/files/{position}/preservation")
def download_preservation_copy(
    archive: ArchiveDep, user: CurrentUser, record_id: str, position: Position
) -> Response:
    """The file's preservation copy (e.g. PDF/A), delivered under exactly the original's rules."""
    record, f, copy, content = preservation_copy_for(archive, user, record_id, position)
    return _deliver(archive, user, record, copy, content, {"preservation_copy_of": f.sha256})


def _deliver(
    archive: Any, user: Principal, record: Any, f: Any, content: Any, extra: dict[str, Any] | None = None
) -> Response:
    """Send a stored file (`f` has path, sha256, size, media_type): public as stored, else watermarked."""
    if not content.available():
        log.error("object %s of record %s is missing from the store", f.sha256, record.id)
        raise NotFound("文件内容暂不可用，请联系档案管理员", code="object_missing")
    headers = {"Content-Disposition": content_disposition(file_name(f.path)), **NO_STORE}
    request_id = new_request_id()
    detail: dict[str, Any] = {"file": f.path, "sha256": f.sha256, "size": f.size, "request_id": request_id}
    detail.update(extra or {})
    headers["X-Request-ID"] = request_id
    kind = file_kind(f.media_type)
    if is_public(record) or kind == "other":
        # Public files go out byte for byte; formats that cannot carry a mark go out as stored, logged.
        log_access(archive, user.username, "download", record.id, detail)
        headers["Content-Length"] = str(f.size)
        return StreamingResponse(content.chunks(), media_type=f.media_type, headers=headers)
    mark = _mark(user, request_id, record, detail)
    with content.path() as path:
        data = path.read_bytes()
    try:
        if kind == "pdf":
            body, media_type = watermark_pdf(data, mark), "application/pdf"
        else:
            body, media_type = watermark_image(data, mark)
    except Exception as exc:  # never hand out an unmarked copy of a non-public file
        log.warning("cannot watermark %s of record %s", f.sha256, record.id, exc_info=True)
        raise ValidationFailed(
            "该文件无法加注水印，暂不能下载，请联系档案管理员", code="watermark_failed"
        ) from exc
    log_access(
        archive,
        user.username,
        "download",
        record.id,
        {**detail, "watermarked": True},
    )
    return Response(body, media_type=media_type, headers=headers)
