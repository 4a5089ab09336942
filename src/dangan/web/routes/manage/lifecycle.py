"""`/lifecycle`: the appraisal group's pages — records due (到期鉴定), appraisal and disposal batches with
their approval chain and execution (销毁批次), the disposal register (销毁清册) and legal holds (冻结).

Thin: every decision (who may propose, approve, execute, see which record) is the lifecycle services';
a refused action re-renders its page with the service's Chinese reason and changes nothing.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from dangan.access import Principal, Role
from dangan.core import DanganError, ValidationFailed, as_local, utcnow
from dangan.services.archive import Archive
from dangan.services.lifecycle import (
    RETENTIONS,
    DueFilter,
    Keep,
    active_holds,
    add_hold,
    appraisal_report_pdf,
    approve,
    due_page,
    execute,
    get_batch,
    list_batches,
    may_appraise,
    may_execute,
    propose,
    record_lifecycle,
    register_csv,
    register_entries,
    register_pdf,
    register_xlsx,
    reject,
    remove_hold,
    require_appraiser,
)

from ...deps import ArchiveDep, CurrentUser
from ...paging import make_pager, to_int
from ...present import content_disposition
from ...render import render
from ...security import safe_next

router = APIRouter(include_in_schema=False)
PER_PAGE = 50
BATCH_STATUSES = ("待审批", "已批准", "已驳回", "执行中", "已执行")
ROLE_LABELS = {r.code: r.label for r in Role}
EXPORTS = {
    "pdf": "application/pdf",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
Text = Annotated[str, Form(max_length=2000)]
Many = Annotated[list[str] | None, Form()]


def _page(items: list[Any], page: str) -> tuple[list[Any], int, int]:
    pages = max(1, -(-len(items) // PER_PAGE))
    number = min(to_int(page, 1) or 1, pages)
    return items[(number - 1) * PER_PAGE : number * PER_PAGE], number, pages


def _today(archive: Archive) -> date:
    return as_local(utcnow(), archive.settings.timezone).date()


def _day(archive: Archive, text: str) -> date:
    if not text.strip():
        return _today(archive)
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValidationFailed(f"日期“{text}”无效，请写成 YYYY-MM-DD", code="bad_date") from None


def _due(
    request: Request, archive: Archive, user: Principal, params: dict[str, str], **extra: Any
) -> Response:
    on = _day(archive, params.get("on", ""))
    year = to_int(params.get("year"), None, low=1900, high=2999)
    retention = params.get("retention", "")
    f = DueFilter(params.get("department") or None, year, retention if retention in RETENTIONS else None)
    found, departments = due_page(archive, user, on, f)
    rows, number, pages = _page(found, params.get("page", ""))
    query: dict[str, str | int | None] = {
        "on": on.isoformat(),
        "department": f.department,
        "year": year,
        "retention": f.retention,
    }
    context = {
        "rows": rows,
        "total": len(found),
        "on": on,
        "filters": f,
        "departments": departments,
        "retentions": RETENTIONS,
        "pager": make_pager("/lifecycle/due", query, number, pages),
        **extra,
    }
    return render(request, "lifecycle_due.html", context)


@router.get("/lifecycle")
def lifecycle_home(user: CurrentUser) -> Response:
    require_appraiser(user)
    return RedirectResponse("/lifecycle/due", status_code=303)


@router.get("/lifecycle/due")
def due_list(
    request: Request,
    archive: ArchiveDep,
    user: CurrentUser,
    on: str = "",
    department: str = "",
    year: str = "",
    retention: str = "",
    page: str = "",
) -> Response:
    params = {"on": on, "department": department, "year": year, "retention": retention, "page": page}
    try:
        return _due(request, archive, user, params)
    except ValidationFailed as exc:
        return _due(request, archive, user, {**params, "on": ""}, error=exc)


@router.post("/lifecycle/batches")
def batch_propose(
    request: Request,
    archive: ArchiveDep,
    user: CurrentUser,
    reason: Text = "",
    pick: Many = None,
    row: Many = None,
    decision: Many = None,
    retention: Many = None,
    why: Many = None,
    on: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Rows come as aligned lists (one entry per row of the page); `pick` names the chosen rows."""
    row, decision, retention, why = row or [], decision or [], retention or [], why or []
    chosen = set(pick or [])
    destroy: list[str] = []
    keep: list[Keep] = []
    for i, record_id in enumerate(row):
        if record_id not in chosen:
            continue
        if (decision[i] if i < len(decision) else "销毁") == "保留":
            keep.append(
                Keep(record_id, retention[i] if i < len(retention) else "", why[i] if i < len(why) else "")
            )
        else:
            destroy.append(record_id)
    try:
        if not destroy and not keep:
            raise ValidationFailed("请至少勾选一件档案", code="no_records")
        batch = propose(archive, user, destroy, reason, keep)
    except DanganError as exc:
        return _due(request, archive, user, {"on": on}, error=exc, reason=reason)
    return RedirectResponse(f"/lifecycle/batches/{batch.id}", status_code=303)


@router.get("/lifecycle/batches")
def batch_list(
    request: Request, archive: ArchiveDep, user: CurrentUser, status: str = "", page: str = ""
) -> Response:
    require_appraiser(user)
    status = status if status in BATCH_STATUSES else ""
    batches, number, pages = _page(list_batches(archive, user, status or None), page)
    context = {
        "batches": batches,
        "status": status,
        "statuses": BATCH_STATUSES,
        "pager": make_pager("/lifecycle/batches", {"status": status or None}, number, pages),
    }
    return render(request, "lifecycle_batches.html", context)


def _batch(request: Request, archive: Archive, user: Principal, bid: str, **extra: Any) -> Response:
    batch = get_batch(archive, user, bid)
    approved = [a for a in batch.approvals if a.decision == "批准"]
    context = {
        "batch": batch,
        "destroy": [i for i in batch.items if i.decision == "销毁"],
        "keep": [i for i in batch.items if i.decision == "保留"],
        "steps": [
            (n, [ROLE_LABELS.get(r, r) for r in roles], approved[n] if n < len(approved) else None)
            for n, roles in enumerate(batch.chain)
        ],
        "may_judge": may_appraise(user)
        and batch.status == "待审批"
        and user.username != batch.proposed_by
        and all(a.username != user.username for a in approved),
        "may_execute": may_execute(user) and batch.status in ("已批准", "执行中"),
        "role_labels": ROLE_LABELS,
        **extra,
    }
    return render(request, "lifecycle_batch.html", context)


@router.get("/lifecycle/batches/{bid}")
def batch_page(request: Request, archive: ArchiveDep, user: CurrentUser, bid: str) -> Response:
    return _batch(request, archive, user, bid)


@router.post("/lifecycle/batches/{bid}/approve")
def batch_approve(
    request: Request, archive: ArchiveDep, user: CurrentUser, bid: str, comment: Text = ""
) -> Response:
    try:
        batch = approve(archive, user, bid, comment.strip())
    except DanganError as exc:
        return _batch(request, archive, user, bid, error=exc)
    notice = "审批通过，可以执行销毁" if batch.status == "已批准" else "已审批，等待下一步审批"
    return _batch(request, archive, user, bid, notice=notice)


@router.post("/lifecycle/batches/{bid}/reject")
def batch_reject(
    request: Request, archive: ArchiveDep, user: CurrentUser, bid: str, reason: Text = ""
) -> Response:
    try:
        reject(archive, user, bid, reason)
    except DanganError as exc:
        return _batch(request, archive, user, bid, error=exc)
    return _batch(request, archive, user, bid, notice="已驳回，批次中的档案可重新鉴定")


@router.post("/lifecycle/batches/{bid}/execute")
def batch_execute(
    request: Request,
    archive: ArchiveDep,
    user: CurrentUser,
    bid: str,
    witness1: Annotated[str, Form(max_length=60)] = "",
    witness2: Annotated[str, Form(max_length=60)] = "",
) -> Response:
    try:
        done = execute(archive, user, bid, [witness1, witness2])
    except DanganError as exc:
        return _batch(request, archive, user, bid, error=exc)
    notice = f"已销毁 {len(done.destroyed)} 件档案的电子文件，销毁清册已登记"
    if done.skipped:
        notice += f"；{len(done.skipped)} 件未销毁（见下方状态）"
    return _batch(request, archive, user, bid, notice=notice)


@router.get("/lifecycle/batches/{bid}/report.pdf")
def batch_report(archive: ArchiveDep, user: CurrentUser, bid: str) -> Response:
    name, data = appraisal_report_pdf(archive, user, bid)
    return Response(
        data,
        media_type="application/pdf",
        headers={"Content-Disposition": content_disposition(name), "Cache-Control": "no-store"},
    )


@router.get("/lifecycle/register")
def register_page(
    request: Request, archive: ArchiveDep, user: CurrentUser, batch: str = "", page: str = ""
) -> Response:
    entries = register_entries(archive, user, batch.strip() or None)
    shown, number, pages = _page(entries, page)
    context = {
        "entries": shown,
        "total": len(entries),
        "offset": (number - 1) * PER_PAGE,
        "batch": batch.strip(),
        "pager": make_pager("/lifecycle/register", {"batch": batch.strip() or None}, number, pages),
    }
    return render(request, "lifecycle_register.html", context)


def _register_file(archive: Archive, user: Principal, kind: str, batch: str) -> Response:
    entries = register_entries(archive, user, batch.strip() or None)
    name = f"销毁清册-{_today(archive).isoformat()}.{kind}"
    if kind == "pdf":
        data = register_pdf(archive, entries)
    elif kind == "csv":
        data = register_csv(archive, entries)
    else:
        data = register_xlsx(archive, entries)
    headers = {"Content-Disposition": content_disposition(name), "Cache-Control": "no-store"}
    return Response(data, media_type=EXPORTS[kind], headers=headers)


@router.get("/lifecycle/register.pdf")
def register_download_pdf(archive: ArchiveDep, user: CurrentUser, batch: str = "") -> Response:
    return _register_file(archive, user, "pdf", batch)


@router.get("/lifecycle/register.csv")
def register_download_csv(archive: ArchiveDep, user: CurrentUser, batch: str = "") -> Response:
    return _register_file(archive, user, "csv", batch)


@router.get("/lifecycle/register.xlsx")
def register_download_xlsx(archive: ArchiveDep, user: CurrentUser, batch: str = "") -> Response:
    return _register_file(archive, user, "xlsx", batch)


def _holds(request: Request, archive: Archive, user: Principal, page: str = "", **extra: Any) -> Response:
    holds, number, pages = _page(active_holds(archive, user), page)
    context = {"holds": holds, "pager": make_pager("/lifecycle/holds", {}, number, pages), **extra}
    return render(request, "lifecycle_holds.html", context)


@router.get("/lifecycle/holds")
def holds_page(request: Request, archive: ArchiveDep, user: CurrentUser, page: str = "") -> Response:
    return _holds(request, archive, user, page)


def _hold_action(
    request: Request, archive: Archive, user: Principal, record: str, reason: str, nxt: str, add: bool
) -> Response:
    back = safe_next(nxt, "")
    try:
        view = (add_hold if add else remove_hold)(archive, user, record.strip(), reason)
    except DanganError as exc:
        if back.startswith("/lifecycle/records/"):
            return _record(request, archive, user, back.rsplit("/", 1)[1], error=exc, reason=reason)
        return _holds(request, archive, user, error=exc, record=record, reason=reason)
    if back:
        return RedirectResponse(back, status_code=303)
    verb = "已冻结" if add else "已解除冻结"
    return _holds(request, archive, user, notice=f"档案 {view.archival_code} {verb}")


@router.post("/lifecycle/holds")
def hold_add(
    request: Request,
    archive: ArchiveDep,
    user: CurrentUser,
    record: Annotated[str, Form(max_length=120)] = "",
    reason: Text = "",
    next: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    return _hold_action(request, archive, user, record, reason, next, add=True)


@router.post("/lifecycle/holds/remove")
def hold_remove(
    request: Request,
    archive: ArchiveDep,
    user: CurrentUser,
    record: Annotated[str, Form(max_length=120)] = "",
    reason: Text = "",
    next: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    return _hold_action(request, archive, user, record, reason, next, add=False)


def _record(request: Request, archive: Archive, user: Principal, record_id: str, **extra: Any) -> Response:
    life = record_lifecycle(archive, user, record_id)
    context = {"life": life, "may_hold": may_appraise(user) and life.state is None, **extra}
    return render(request, "lifecycle_record.html", context)


@router.get("/lifecycle/records/{record_id}")
def record_page(request: Request, archive: ArchiveDep, user: CurrentUser, record_id: str) -> Response:
    return _record(request, archive, user, record_id)
