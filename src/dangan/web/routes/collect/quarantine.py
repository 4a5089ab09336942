"""`/quarantine`: packages that failed a blocking 四性检测 item, for the 档案管理员 to fix, re-check or
return; and the reports as XLSX downloads (a record's for whoever may read it)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from dangan.core import DanganError, ValidationFailed
from dangan.services.intake import recheck_quarantined
from dangan.services.quality import (
    CASE_FIELDS,
    case_fields,
    edit_quarantined_case,
    list_quarantine,
    origin_label,
    quarantine_entry,
    quarantine_report_xlsx,
    quarantined_case_text,
    record_report_xlsx,
    replace_quarantined_file,
    return_to_department,
    save_case_fields,
)

from ...deps import ArchiveDep, CurrentUser
from ...present import content_disposition
from ...render import render

router = APIRouter(include_in_schema=False)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
STATUSES = {"held": "待处理", "returned": "已退回", "released": "已通过并归档", "all": "全部"}


@router.get("/quarantine")
def quarantine_list(
    request: Request, archive: ArchiveDep, user: CurrentUser, status: str = "held"
) -> Response:
    status = status if status in STATUSES else "held"
    entries = list_quarantine(archive, user, None if status == "all" else status)
    return render(request, "quarantine.html", {"entries": entries, "status": status, "statuses": STATUSES})


def _detail(
    request: Request,
    archive: ArchiveDep,
    user: CurrentUser,
    qid: str,
    status_code: int | None = None,
    **extra: object,
) -> Response:
    view = quarantine_entry(archive, user, qid)
    fields, department = case_fields(archive, user, qid)
    context = {
        "view": view,
        "entry": view.entry,
        "origin": origin_label(view.entry.origin),
        "report": view.report,
        "fields": fields,
        "department": department,
        "case_text": quarantined_case_text(archive, user, qid),
        "outcome": None,
        **extra,
    }
    return render(request, "quarantine_detail.html", context, status_code=status_code)


@router.get("/quarantine/{qid}")
def quarantine_page(request: Request, archive: ArchiveDep, user: CurrentUser, qid: str) -> Response:
    return _detail(request, archive, user, qid)


@router.post("/quarantine/{qid}/recheck")
def quarantine_recheck(request: Request, archive: ArchiveDep, user: CurrentUser, qid: str) -> Response:
    try:
        outcome = recheck_quarantined(archive, user, qid)
    except DanganError as exc:
        return _detail(request, archive, user, qid, error=exc)
    if outcome.status in ("accepted", "duplicate") and outcome.record_id:
        return RedirectResponse(f"/records/{outcome.record_id}", status_code=303)
    return _detail(request, archive, user, qid, outcome=outcome)


@router.post("/quarantine/{qid}/return")
def quarantine_return(
    request: Request,
    archive: ArchiveDep,
    user: CurrentUser,
    qid: str,
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    try:
        return_to_department(archive, user, qid, note)
    except DanganError as exc:
        return _detail(request, archive, user, qid, error=exc)
    return RedirectResponse(f"/quarantine/{qid}", status_code=303)


def _chunks(upload: UploadFile, size: int = 1024 * 1024) -> Iterator[bytes]:
    while chunk := upload.file.read(size):
        yield chunk


@router.post("/quarantine/{qid}/file")
def quarantine_replace_file(
    request: Request,
    archive: ArchiveDep,
    user: CurrentUser,
    qid: str,
    path: Annotated[str, Form(max_length=1024)] = "",
    upload: Annotated[UploadFile | None, File()] = None,
) -> Response:
    try:
        if upload is None or not upload.filename:
            raise ValidationFailed("请选择要上传的文件", code="file_required")
        target = path.strip() or upload.filename
        size = replace_quarantined_file(archive, user, qid, target, _chunks(upload))
    except DanganError as exc:
        return _detail(request, archive, user, qid, error=exc)
    return _detail(request, archive, user, qid, notice=f"已替换文件“{target}”（{size} 字节），请重新检测")


@router.post("/quarantine/{qid}/case")
def quarantine_edit_case(
    request: Request,
    archive: ArchiveDep,
    user: CurrentUser,
    qid: str,
    case_json: Annotated[str, Form(max_length=4 * 1024 * 1024)] = "",
) -> Response:
    try:
        edit_quarantined_case(archive, user, qid, case_json)
    except DanganError as exc:
        return _detail(request, archive, user, qid, error=exc, case_text=case_json)
    return _detail(request, archive, user, qid, notice="已保存 case.json，请重新检测")


@router.post("/quarantine/{qid}/fields")
async def quarantine_edit_fields(
    request: Request, archive: ArchiveDep, user: CurrentUser, qid: str
) -> Response:
    """The metadata form: every catalogue field of case.json by its Chinese name."""
    form = await request.form()
    values = {f.key: str(form.get(f.key, "")) for f in CASE_FIELDS if f.kind != "flag" and f.key in form}
    values.update({f.key: str(form.get(f.key, "")) for f in CASE_FIELDS if f.kind == "flag"})
    try:
        await run_in_threadpool(save_case_fields, archive, user, qid, values)
    except DanganError as exc:
        return _detail(request, archive, user, qid, error=exc)
    return _detail(request, archive, user, qid, notice="已保存元数据，请点“重新检测”")


def _xlsx(name: str, data: bytes) -> Response:
    headers = {"Content-Disposition": content_disposition(name), "Cache-Control": "no-store"}
    return Response(data, media_type=XLSX, headers=headers)


@router.get("/records/{record_id}/checks.xlsx")
def record_report_download(archive: ArchiveDep, user: CurrentUser, record_id: str) -> Response:
    return _xlsx(*record_report_xlsx(archive, user, record_id))


@router.get("/quarantine/{qid}/report.xlsx")
def quarantine_report_download(archive: ArchiveDep, user: CurrentUser, qid: str) -> Response:
    return _xlsx(*quarantine_report_xlsx(archive, user, qid))
