"""A record's files: the preview page, rendered page images, and downloads.

What may leave, covered, starred or marked how, is decided in `dangan.services.utilisation`; these routes
parse the path, call it and send what it answers.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi import Path as PathParam
from starlette.responses import Response, StreamingResponse

from dangan.services.utilisation import (
    Delivery,
    download_file,
    download_preservation_copy,
    image_png,
    page_png,
    preview_file,
)

from ...deps import ArchiveDep, CurrentUser
from ...present import MAX_PREVIEW_PAGES, content_disposition, file_name, file_urls
from ...render import render

router = APIRouter(include_in_schema=False)
NO_STORE = {"Cache-Control": "private, no-store"}
Position = Annotated[int, PathParam(ge=0, le=100_000)]
PageNumber = Annotated[int, PathParam(ge=1, le=MAX_PREVIEW_PAGES)]


def _send(delivery: Delivery) -> Response:
    headers = dict(NO_STORE)
    if delivery.request_id:
        headers["X-Request-ID"] = delivery.request_id
    if delivery.filename is not None:
        headers["Content-Disposition"] = content_disposition(file_name(delivery.filename))
    if delivery.chunks is not None:
        if delivery.length is not None:
            headers["Content-Length"] = str(delivery.length)
        return StreamingResponse(delivery.chunks, media_type=delivery.media_type, headers=headers)
    return Response(delivery.body, media_type=delivery.media_type, headers=headers)


@router.get("/records/{record_id}/files/{position}")
def preview_page(
    request: Request, archive: ArchiveDep, user: CurrentUser, record_id: str, position: Position
) -> Response:
    shown = preview_file(archive, user, record_id, position)
    context = {
        "record": shown.record,
        "file": shown.file,
        "kind": shown.kind,
        "page_count": shown.page_count,
        "shown_pages": shown.shown_pages,
        "max_pages": MAX_PREVIEW_PAGES,
        "redacted": shown.redacted,
        **file_urls(shown.record.id, position),
    }
    response = render(request, "preview.html", context)
    response.headers.update({**NO_STORE, "X-Request-ID": shown.request_id})
    return response


@router.get("/records/{record_id}/files/{position}/pages/{number}.png")
def pdf_page_png(
    archive: ArchiveDep, user: CurrentUser, record_id: str, position: Position, number: PageNumber
) -> Response:
    return _send(page_png(archive, user, record_id, position, number))


@router.get("/records/{record_id}/files/{position}/preview.png")
def picture_png(archive: ArchiveDep, user: CurrentUser, record_id: str, position: Position) -> Response:
    return _send(image_png(archive, user, record_id, position))


@router.get("/records/{record_id}/files/{position}/download")
def download(archive: ArchiveDep, user: CurrentUser, record_id: str, position: Position) -> Response:
    return _send(download_file(archive, user, record_id, position))


@router.get("/records/{record_id}/files/{position}/preservation")
def preservation_copy(archive: ArchiveDep, user: CurrentUser, record_id: str, position: Position) -> Response:
    """The file's preservation copy (e.g. PDF/A), delivered under exactly the original's rules."""
    return _send(download_preservation_copy(archive, user, record_id, position))
