"""`/alerts`: the 安全保密管理员 sees the monitoring alerts and acknowledges them with a note.

Acknowledging is an event in the trail (who, when, from where, the note). "立即检查" runs the rules
now instead of waiting for the next scheduled run.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from starlette.responses import RedirectResponse, Response

from dangan.access import Principal
from dangan.core import DanganError
from dangan.services.archive import Archive
from dangan.services.oversight import (
    RULE_LABELS,
    acknowledge_alert,
    acknowledge_alerts,
    list_alerts,
    run_monitor,
)

from ...deps import AlertsAdmin, ArchiveDep
from ...render import render
from ...schemas import ErrorResponse

pages = APIRouter(include_in_schema=False)
api = APIRouter(
    prefix="/api/v1",
    tags=["告警"],
    responses={
        401: {"model": ErrorResponse, "description": "未登录"},
        403: {"model": ErrorResponse, "description": "不是安全保密管理员"},
    },
)
STATUSES = {"open": "未处理", "acknowledged": "已处理"}


def _page(request: Request, archive: Archive, user: Principal, status: str | None, **extra: Any) -> Response:
    context = {
        "alerts": list_alerts(archive, user, status),
        "status": status or "",
        "statuses": STATUSES,
        "rules": RULE_LABELS,
        "ran": None,
        **extra,
    }
    return render(request, "alerts.html", context)


@pages.get("/alerts")
def alerts_page(
    request: Request, archive: ArchiveDep, user: AlertsAdmin, status: str = "open", acked: int = 0
) -> Response:
    notice = f"已处理 {acked} 条告警" if acked > 0 else None
    return _page(request, archive, user, status if status in STATUSES else None, notice=notice)


@pages.post("/alerts/ack")
def alerts_ack_many(
    request: Request, archive: ArchiveDep, user: AlertsAdmin,
    note: Annotated[str, Form(max_length=2000)] = "",
    ids: Annotated[list[int] | None, Form()] = None,
    every: Annotated[str, Form(max_length=4)] = "",
) -> Response:  # fmt: skip
    """批量处理: the ticked alerts, or with `every` all open ones, closed with one note."""
    try:
        done = acknowledge_alerts(archive, user, None if every else (ids or []), note)
    except DanganError as exc:
        return _page(request, archive, user, "open", error=exc)
    return RedirectResponse(f"/alerts?acked={len(done)}", status_code=303)


@pages.post("/alerts/{alert_id}/ack")
def alerts_ack(
    request: Request, archive: ArchiveDep, user: AlertsAdmin, alert_id: int,
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:  # fmt: skip
    try:
        acknowledge_alert(archive, user, alert_id, note)
    except DanganError as exc:
        return _page(request, archive, user, "open", error=exc)
    return RedirectResponse("/alerts", status_code=303)


@pages.post("/alerts/run")
def alerts_run(request: Request, archive: ArchiveDep, user: AlertsAdmin) -> Response:
    report = run_monitor(archive)
    return _page(request, archive, user, "open", ran=report)


@api.get("/alerts", summary="监控告警（仅安全保密管理员）")
def alerts_api(
    archive: ArchiveDep, user: AlertsAdmin,
    status: Annotated[str | None, Query(max_length=16, description="open 或 acknowledged；不填为全部")] = None,
) -> dict[str, Any]:  # fmt: skip
    return {"items": list_alerts(archive, user, status if status in STATUSES else None)}


router = APIRouter()  # the one router the app includes: pages and API together
router.include_router(pages)
router.include_router(api)
