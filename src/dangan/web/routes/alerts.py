"""`/alerts`: the 安全保密管理员 sees the monitoring alerts and acknowledges them with a note.

Acknowledging is an event in the trail (who, when, from where, the note). "立即检查" runs the rules
now instead of waiting for the next scheduled run.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from starlette.responses import RedirectResponse, Response

from dangan.access import Principal
from dangan.core import DanganError, PermissionDenied
from dangan.services.oversight import (
    RULE_LABELS,
    acknowledge_alert,
    acknowledge_alerts,
    list_alerts,
    may_see_alerts,
    run_monitor,
)

from ..deps import ApiUser, ArchiveDep, CurrentUser
from ..render import render
from ..schemas import ErrorResponse

router = APIRouter(include_in_schema=False)
api = APIRouter(
    prefix="/api/v1",
    tags=["告警"],
    responses={
        401: {"model": ErrorResponse, "description": "未登录"},
        403: {"model": ErrorResponse, "description": "不是安全保密管理员"},
    },
)
STATUSES = {"open": "未处理", "acknowledged": "已处理"}


def _require(user: Principal) -> None:
    if not may_see_alerts(user):
        raise PermissionDenied("只有安全保密管理员可以处理告警", code="forbidden")


def _page(request: Request, archive: Any, user: Principal, status: str | None, **extra: Any) -> Response:
    context = {
        "alerts": list_alerts(archive, user, status),
        "status": status or "",
        "statuses": STATUSES,
        "rules": RULE_LABELS,
        "error": None,
        "ran": None,
        "notice": None,
        **extra,
    }
    code = extra["error"].status if extra.get("error") else 200
    return render(request, "alerts.html", context, status_code=code)


@router.get("/alerts")
def alerts_page(
    request: Request, archive: ArchiveDep, user: CurrentUser, status: str = "open", acked: int = 0
) -> Response:
    _require(user)
    notice = f"已处理 {acked} 条告警" if acked > 0 else None
    return _page(request, archive, user, status if status in STATUSES else None, notice=notice)


@router.post("/alerts/ack")
def alerts_ack_many(
    request: Request, archive: ArchiveDep, user: CurrentUser,
    note: Annotated[str, Form(max_length=2000)] = "",
    ids: Annotated[list[int] | None, Form()] = None,
    every: Annotated[str, Form(max_length=4)] = "",
) -> Response:  # fmt: skip
    """批量处理: the ticked alerts, or with `every` all open ones, closed with one note."""
    _require(user)
    try:
        done = acknowledge_alerts(archive, user, None if every else (ids or []), note)
    except DanganError as exc:
        return _page(request, archive, user, "open", error=exc)
    return RedirectResponse(f"/alerts?acked={len(done)}", status_code=303)


@router.post("/alerts/{alert_id}/ack")
def alerts_ack(
    request: Request, archive: ArchiveDep, user: CurrentUser, alert_id: int,
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:  # fmt: skip
    _require(user)
    try:
        acknowledge_alert(archive, user, alert_id, note)
    except DanganError as exc:
        return _page(request, archive, user, "open", error=exc)
    return RedirectResponse("/alerts", status_code=303)


@router.post("/alerts/run")
def alerts_run(request: Request, archive: ArchiveDep, user: CurrentUser) -> Response:
    _require(user)
    report = run_monitor(archive)
    return _page(request, archive, user, "open", ran=report)


@api.get("/alerts", summary="监控告警（仅安全保密管理员）")
def alerts_api(
    archive: ArchiveDep, user: ApiUser,
    status: Annotated[str | None, Query(max_length=16, description="open 或 acknowledged；不填为全部")] = None,
) -> dict[str, Any]:  # fmt: skip
    _require(user)
    return {"items": list_alerts(archive, user, status if status in STATUSES else None)}
