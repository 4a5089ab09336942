"""Scanned pages read: the page viewer (image with the lines, seals and tables found on it, the QC of the
scan), table exports, re-reading a record's scans, and the archivist's batches with their progress.

Every answer comes from `services.digitization`, under the one access policy: a record the user may
not read is "not found" here as everywhere, and text is masked as the record page masks it."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from dangan.core import DanganError
from dangan.services.digitization import (
    DigitizeSettings,
    batch_progress,
    batches,
    classifier_status,
    confirm,
    describe_view,
    page_detail,
    page_image,
    page_tables,
    propose_record,
    scan_pdf,
    start,
    train_classifier,
)

from ...deps import ArchiveDep, Archivist, CurrentUser
from ...present import content_disposition
from ...render import render

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


@pages.get("/records/{record_id}/scans/{position}/pdf")
def scan_pdf_file(archive: ArchiveDep, user: CurrentUser, record_id: str, position: int) -> Response:
    """The scan as a searchable PDF/A (page pictures and an invisible text layer), masked and watermarked
    as a download of the original would be."""
    data = scan_pdf(archive, user, record_id, position)
    name = f"{record_id}-文件{position + 1}-可检索.pdf"
    return Response(
        data, media_type="application/pdf", headers={"Content-Disposition": content_disposition(name)}
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
    request: Request, archive: ArchiveDep, user: Archivist, batch: int | None = None, trained: str = ""
) -> Response:
    listed = batches(archive, user, limit=30)
    running = any(not b["finished"] for b in listed)
    notice = "分类模型已用本馆已确认的档案重新训练，准确率见下表。" if trained else None
    context = {"batches": listed, "current": batch, "running": running, "models": classifier_status(archive),
               "notice": notice}  # fmt: skip
    return render(request, "digitization.html", context)


@pages.post("/digitization/classifier")
def digitization_train(request: Request, archive: ArchiveDep, user: Archivist) -> Response:
    """Train the matter and the category classifier on the archive's own records (held-back accuracy)."""
    try:
        for target in ("matter", "category"):
            train_classifier(archive, user, target)
    except DanganError as exc:
        listed = batches(archive, user, limit=30)
        context = {"batches": listed, "current": None, "running": False, "models": classifier_status(archive),
                   "error": exc}  # fmt: skip
        return render(request, "digitization.html", context)
    return RedirectResponse("/digitization?trained=1", status_code=303)


def _describe(
    request: Request,
    archive: Any,
    user: Any,
    record_id: str,
    position: int | None,
    page: int | None,
    **extra: Any,
) -> Response:
    doc = describe_view(archive, user, record_id, position, page)
    context = {"d": doc, "may_confirm": user.role.code == "archivist" and not doc["masked"],
               "values": extra.pop("values", {}), "chosen": extra.pop("chosen", None), **extra}  # fmt: skip
    return render(request, "describe.html", context)


@pages.get("/records/{record_id}/describe")
def describe_page(
    request: Request,
    archive: ArchiveDep,
    user: CurrentUser,
    record_id: str,
    position: int | None = None,
    page: int | None = None,
    saved: int | None = None,
) -> Response:
    notice = f"已保存著录确认（第 {saved} 版），已记入防篡改账本。" if saved else None
    return _describe(request, archive, user, record_id, position, page, notice=notice)


@pages.post("/records/{record_id}/describe")
async def describe_save(request: Request, archive: ArchiveDep, user: Archivist, record_id: str) -> Response:
    """The fields ticked, with the values typed (proposals prefilled): accepted or corrected, one version."""
    form = await request.form()
    chosen = [str(v) for v in form.getlist("use")][:60]
    values = {f: str(form.get(f"v-{f}", ""))[:500].strip() for f in chosen}
    note = str(form.get("note", ""))[:1000].strip() or None
    position, page = form.get("position"), form.get("page")
    at = (
        (int(str(position)), int(str(page)))
        if str(position).isdigit() and str(page).isdigit()
        else (None, None)
    )
    try:
        result = confirm(archive, user, record_id, {f: v for f, v in values.items() if v}, note)
    except DanganError as exc:
        typed = {k[2:]: str(v) for k, v in form.items() if k.startswith("v-")}
        return _describe(request, archive, user, record_id, *at, error=exc, values=typed, chosen=set(chosen))
    where = f"&position={at[0]}&page={at[1]}" if at[0] is not None else ""
    return RedirectResponse(
        f"/records/{record_id}/describe?saved={result['version']}{where}", status_code=303
    )


@pages.post("/records/{record_id}/describe/propose")
def describe_propose(archive: ArchiveDep, user: Archivist, record_id: str) -> Response:
    """Propose again now (e.g. a born-digital record, or after new names were added to the tables)."""
    propose_record(archive, user, record_id)
    return RedirectResponse(f"/records/{record_id}/describe", status_code=303)


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
