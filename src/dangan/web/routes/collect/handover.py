"""`/handover`: departments batch their records and hand them over; the archivist checks, accepts or
returns them; the registration form and the receipt as PDFs."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from dangan.access import DEPARTMENT_SCOPED, Role
from dangan.core import DanganError
from dangan.domain import HANDOVER_STATUSES
from dangan.services.handover import (
    accept_batch,
    candidates,
    check_batch,
    create_batch,
    get_batch,
    handover_form_pdf,
    handover_receipt_pdf,
    list_batches,
    return_batch,
    submit_batch,
)

from ...deps import ArchiveDep, CurrentUser
from ...render import render
from ..use.reports import pdf_response

router = APIRouter(include_in_schema=False)


@router.get("/handover")
def handover_list(request: Request, archive: ArchiveDep, user: CurrentUser, status: str = "") -> Response:
    status = status if status in HANDOVER_STATUSES else ""
    batches = list_batches(archive, user, status or None)
    free = None
    if user.role in DEPARTMENT_SCOPED and user.department:
        free = candidates(archive, user)
    context = {
        "batches": batches,
        "status": status,
        "statuses": HANDOVER_STATUSES,
        "free": free,
    }
    return render(request, "handover.html", context)


@router.post("/handover")
def handover_create(
    request: Request,
    archive: ArchiveDep,
    user: CurrentUser,
    year: Annotated[str, Form(max_length=4)] = "",
    carrier: Annotated[str, Form(max_length=100)] = "",
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    try:
        chosen_year = int(year) if year.strip().isdigit() else None
        batch = create_batch(archive, user, year=chosen_year, carrier=carrier, note=note)
    except DanganError as exc:
        batches = list_batches(archive, user)
        free = candidates(archive, user) if user.role in DEPARTMENT_SCOPED and user.department else None
        context = {
            "batches": batches,
            "status": "",
            "statuses": HANDOVER_STATUSES,
            "free": free,
            "error": exc,
        }
        return render(request, "handover.html", context)
    return RedirectResponse(f"/handover/{batch.id}", status_code=303)


def _detail(
    request: Request,
    archive: ArchiveDep,
    user: CurrentUser,
    bid: str,
    status_code: int | None = None,
    **extra: object,
) -> Response:
    batch = get_batch(archive, user, bid)
    context = {
        "batch": batch,
        "summary": batch.check_summary,
        "is_archivist": user.role is Role.ARCHIVIST,
        "is_department": user.role in DEPARTMENT_SCOPED and user.department == batch.department,
        **extra,
    }
    return render(request, "handover_detail.html", context, status_code=status_code)


@router.get("/handover/{bid}")
def handover_page(request: Request, archive: ArchiveDep, user: CurrentUser, bid: str) -> Response:
    return _detail(request, archive, user, bid)


def _act(
    request: Request, archive: ArchiveDep, user: CurrentUser, bid: str, action: str, reasons: str
) -> Response:
    try:
        if action == "submit":
            submit_batch(archive, user, bid)
            notice = "已移交，等待档案部门检测与接收"
        elif action == "check":
            outcome = check_batch(archive, user, bid)
            notice = "移交检测通过，可以接收" if outcome.passed else "移交检测未通过，请查看下方结果"
        elif action == "accept":
            accept_batch(archive, user, bid)
            notice = "已接收，可打印移交接收回执"
        else:
            return_batch(archive, user, bid, reasons)
            notice = "已退回移交部门"
    except DanganError as exc:
        return _detail(request, archive, user, bid, error=exc)
    return _detail(request, archive, user, bid, notice=notice)


@router.post("/handover/{bid}/submit")
def handover_submit(request: Request, archive: ArchiveDep, user: CurrentUser, bid: str) -> Response:
    return _act(request, archive, user, bid, "submit", "")


@router.post("/handover/{bid}/check")
def handover_check(request: Request, archive: ArchiveDep, user: CurrentUser, bid: str) -> Response:
    return _act(request, archive, user, bid, "check", "")


@router.post("/handover/{bid}/accept")
def handover_accept(request: Request, archive: ArchiveDep, user: CurrentUser, bid: str) -> Response:
    return _act(request, archive, user, bid, "accept", "")


@router.post("/handover/{bid}/return")
def handover_return(
    request: Request,
    archive: ArchiveDep,
    user: CurrentUser,
    bid: str,
    reasons: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    return _act(request, archive, user, bid, "return", reasons)


@router.get("/handover/{bid}/form.pdf")
def handover_form_download(archive: ArchiveDep, user: CurrentUser, bid: str) -> Response:
    return pdf_response(*handover_form_pdf(archive, user, bid))


@router.get("/handover/{bid}/receipt.pdf")
def handover_receipt_download(archive: ArchiveDep, user: CurrentUser, bid: str) -> Response:
    return pdf_response(*handover_receipt_pdf(archive, user, bid))
