"""`/upload`: one case uploaded by a person, for departments that have no business system.

The page's script posts the form with XHR (for the progress bar) and the CSRF token in a header, so
the body is still unread when the route runs and is streamed to staging like a pushed case. Without
script the browser posts a plain form; `csrf_protect` has then parsed it already (Starlette spools
files to disk) and the route copies the parsed files into staging instead.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import ClientDisconnect
from starlette.responses import JSONResponse, Response

from dangan.access import DEPARTMENT_SCOPED, Principal
from dangan.core import DanganError, plain_message
from dangan.domain import APPLICANT_TYPES, RETENTION_LABELS
from dangan.services.archive import Archive
from dangan.services.intake import (
    ImportReport,
    IngestOutcome,
    ReceivedUpload,
    UploadReceiver,
    form_choices,
    new_upload_token,
    upload_case,
    upload_packages,
)
from dangan.services.quality import origin_label

from ...deps import ArchiveDep, Uploader
from ...render import render
from ...security import CSRF_HEADER
from .intake import check_declared_size, receive_body

router = APIRouter(include_in_schema=False)
FILE_ROLES = ("申请书", "决定书", "营业执照", "法定代表人身份证明", "场所证明", "现场核查记录",
              "许可证", "受理通知书", "补正材料", "其他材料")  # fmt: skip


def _page(
    request: Request,
    archive: Archive,
    user: Principal,
    *,
    values: dict[str, str] | None = None,
    error: DanganError | None = None,
    outcome: IngestOutcome | None = None,
    packages: list[dict[str, Any]] | None = None,
    status_code: int | None = None,
) -> Response:
    values = dict(values or {})
    if outcome is not None or not values.get("source_id"):
        values["source_id"] = new_upload_token()  # a fresh form is a new case
    context: dict[str, Any] = {
        "values": values,
        "choices": form_choices(archive, user),
        "fixed_department": user.department if user.role in DEPARTMENT_SCOPED else None,
        "retentions": RETENTION_LABELS,
        "applicant_types": APPLICANT_TYPES,
        "file_roles": FILE_ROLES,
        "max_bytes": archive.settings.max_upload_bytes,
        "error": error,
        "field_errors": {
            p.field: plain_message(p.message) for p in (error.problems if error else []) if p.field
        },
        "outcome": outcome,
        "packages": packages,
    }
    return render(request, "upload.html", context, status_code=status_code)


@router.get("/upload")
def upload_form(request: Request, archive: ArchiveDep, user: Uploader) -> Response:
    return _page(request, archive, user)


async def _receive(request: Request, receiver: UploadReceiver) -> ReceivedUpload:
    if request.headers.get(CSRF_HEADER):  # posted by the page's script: the body is still unread
        return await receive_body(request, receiver)
    form = await request.form()  # a plain form post, already parsed by csrf_protect
    for name, value in form.multi_items():
        if isinstance(value, str):
            receiver.add_field(name, value)
        elif isinstance(value, UploadFile) and name == "files" and value.filename:
            receiver.add_file(value.filename, value.file)
    receiver.complete()
    return receiver.upload


def _plain_error(exc: DanganError) -> dict[str, Any]:
    """The error as the page shows it: Chinese messages without case.json field codes (kept in `field`)."""
    body = exc.as_dict()
    body["message"] = plain_message(str(body.get("message", "")))
    for detail in body.get("details", []) or []:
        if isinstance(detail, dict) and "message" in detail:
            detail["message"] = plain_message(str(detail["message"]))
    return body


def _result(outcome: IngestOutcome) -> dict[str, Any]:
    return {
        "record_id": outcome.record_id,
        "archival_code": outcome.archival_code,
        "source_system": outcome.source_system,
        "source_id": outcome.source_id,
        "duplicate": outcome.status == "duplicate",
        "url": f"/records/{outcome.record_id}",
    }


@dataclass
class _Run:
    """What became of one upload: the work's result, or the error with the form's fields to show again."""

    result: Any = None
    error: DanganError | None = None
    values: dict[str, str] = field(default_factory=dict)
    disconnected: bool = False


async def _receive_and_run(
    request: Request, archive: Archive, work: Callable[[ReceivedUpload], Any], *, packages: bool = False
) -> _Run:
    """Stream the body into staging, run `work` on it in a thread; the staging folder is always removed.
    A package brings its own case.json, so `packages` lifts the reservation of that name."""
    limit = archive.settings.max_upload_bytes
    ctype = request.headers.get("content-type", "")
    receiver: UploadReceiver | None = None
    try:
        check_declared_size(request, limit)
        receiver = UploadReceiver(archive.staging, ctype, max_bytes=limit)
        if packages:
            receiver.reserved = frozenset()
        upload = await _receive(request, receiver)
        return _Run(await run_in_threadpool(work, upload))
    except ClientDisconnect:
        return _Run(disconnected=True)
    except DanganError as exc:
        values = {k: v[0] for k, v in receiver.upload.fields.items()} if receiver else {}
        return _Run(error=exc, values=values)
    finally:
        if receiver is not None:
            receiver.discard()


def _wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


@router.post("/upload")
async def upload_post(request: Request, archive: ArchiveDep, user: Uploader) -> Response:
    run = await _receive_and_run(request, archive, lambda upload: upload_case(archive, user, upload))
    if run.disconnected:
        return Response(status_code=400)
    if run.error is not None:
        if _wants_json(request):
            return JSONResponse({"error": _plain_error(run.error)}, status_code=run.error.status)
        return _page(request, archive, user, values=run.values, error=run.error, status_code=run.error.status)
    outcome: IngestOutcome = run.result
    status = 200 if outcome.status == "duplicate" else 201
    if _wants_json(request):
        return JSONResponse(_result(outcome), status_code=status)
    return _page(request, archive, user, outcome=outcome, status_code=status)


def _package_results(report: ImportReport) -> list[dict[str, Any]]:
    """One line per package, named as the user named it (never a server path)."""
    rows = []
    for status, outcomes in (("accepted", report.accepted), ("duplicate", report.duplicates),
                             ("rejected", report.rejected)):  # fmt: skip
        for o in outcomes:
            rows.append({
                "name": origin_label(o.origin), "status": status, "source_id": o.source_id,
                "record_id": o.record_id, "archival_code": o.archival_code,
                "url": f"/records/{o.record_id}" if o.record_id else None,
                "reasons": [{"code": p.code, "message": plain_message(p.message)} for p in o.problems],
            })  # fmt: skip
    return rows


@router.post("/upload/packages")
async def upload_packages_post(request: Request, archive: ArchiveDep, user: Uploader) -> Response:
    """ZIPs, BagIt bags and folders (each file named by its relative path), one result per package."""
    run = await _receive_and_run(
        request, archive, lambda upload: upload_packages(archive, user, upload), packages=True
    )
    if run.disconnected:
        return Response(status_code=400)
    if run.error is not None:
        if _wants_json(request):
            return JSONResponse({"error": _plain_error(run.error)}, status_code=run.error.status)
        return _page(request, archive, user, error=run.error, status_code=run.error.status)
    report: ImportReport = run.result
    rows = _package_results(report)
    status = 200 if not report.rejected else 422
    if _wants_json(request):
        return JSONResponse({"packages": rows}, status_code=status)
    return _page(request, archive, user, packages=rows, status_code=status)
