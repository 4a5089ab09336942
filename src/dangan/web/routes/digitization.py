"""Scanned pages read: the page viewer (image with the lines, seals and tables found on it, the QC of the
scan), table exports, re-reading a record's scans, and the archivist's batches with their progress.

Every answer comes from `services.digitization`, under the one access policy: a record the user may
not read is "not found" here as everywhere, and text is masked as the record page masks it."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from dangan.services.digitization import (
    DigitizeSettings,
    batch_progress,
    batches,
    page_detail,
    page_image,
    page_tables,
    start,
)

from ..deps import ArchiveDep, Archivist, CurrentUser
from ..present import content_disposition
from ..render import render

router = APIRouter()
pages = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1/digitization", tags=["数字化"])
PAGE_URL = "/records/{record_id}/scans/{position}/pages/{page}"


@pages.get(PAGE_URL)
def scan_page(
    request: Request, archive: ArchiveDep, user: CurrentUser, record_id: str, position: int, page: int
) -> Response:
    detail = page_detail(archive, user, record_id, position, page)
    return render(
        request,
        "scan_page.html",
        {"d": detail, "base": f"/records/{detail['record_id']}/scans/{position}/pages"},
    )


@pages.get(PAGE_URL + "/image")
def scan_page_image(
    archive: ArchiveDep, user: CurrentUser, record_id: str, position: int, page: int
) -> Response:
    data = page_image(archive, user, record_id, position, page)
    return Response(data, media_type="image/png", headers={"Cache-Control": "private, no-store"})


def _export(
    archive: Any, user: Any, record_id: str, position: int, page: int, fmt: str, n: int | None
) -> Response:
    data, name, media = page_tables(archive, user, record_id, position, page, fmt, n)
    return Response(data, media_type=media, headers={"Content-Disposition": content_disposition(name)})


@pages.get(PAGE_URL + "/tables.xlsx")
def scan_tables_xlsx(
    archive: ArchiveDep, user: CurrentUser, record_id: str, position: int, page: int
) -> Response:
    return _export(archive, user, record_id, position, page, "xlsx", None)


@pages.get(PAGE_URL + "/tables/{n}.csv")
def scan_table_csv(
    archive: ArchiveDep, user: CurrentUser, record_id: str, position: int, page: int, n: int
) -> Response:
    return _export(archive, user, record_id, position, page, "csv", n)


@pages.post("/records/{record_id}/digitize")
def digitize_record(
    archive: ArchiveDep,
    user: Archivist,
    record_id: str,
    enhance: Annotated[str, Form(max_length=4)] = "",
    archival: Annotated[str, Form(max_length=4)] = "1",
) -> Response:
    """Read the record's scans again (other settings), in the background; the batch page shows progress."""
    started = start(archive, user, [record_id], redo=True, settings=DigitizeSettings(enhance=enhance == "1", archival=archival == "1"),
                    origin="web", background=True)  # fmt: skip
    return RedirectResponse(f"/digitization?batch={started.batch_id}", status_code=303)


@pages.get("/digitization")
def digitization_page(
    request: Request, archive: ArchiveDep, user: Archivist, batch: int | None = None
) -> Response:
    listed = batches(archive, user, limit=30)
    running = any(not b["finished"] for b in listed)
    return render(request, "digitization.html", {"batches": listed, "current": batch, "running": running})


@api.get("/batches", summary="最近的数字化批次及其进度（档案管理员）")
def api_batches(archive: ArchiveDep, user: Archivist) -> dict[str, Any]:
    return {"batches": batches(archive, user, limit=30)}


@api.get("/batches/{batch_id}", summary="一个数字化批次的进度：文件与页面按状态计数（档案管理员）")
def api_batch(archive: ArchiveDep, user: Archivist, batch_id: int) -> dict[str, Any]:
    return batch_progress(archive, user, batch_id)


@api.get("/records/{record_id}/scans/{position}/pages/{page}", summary="一页扫描件的识别结果（按权限遮蔽）")
def api_page(
    archive: ArchiveDep, user: CurrentUser, record_id: str, position: int, page: int
) -> dict[str, Any]:
    return page_detail(archive, user, record_id, position, page)


router.include_router(pages)
router.include_router(api)
