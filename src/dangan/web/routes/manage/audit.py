"""`/audit` and `/api/v1/audit/events`: the 安全审计员 searches, pages and exports the audit trail.

Only the auditor: 三员分立 keeps the system and security administrators, whose actions are in the
trail, from reading or exporting it. Every export is itself written to the trail.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field
from starlette.responses import Response

from dangan.access import Principal
from dangan.core import ValidationFailed
from dangan.services.archive import Archive
from dangan.services.oversight import (
    OUTCOMES,
    EventFilter,
    event_kinds,
    export_events,
    kind_label,
    make_filter,
    search_events,
)

from ...deps import ArchiveDep, Auditor
from ...paging import make_pager, to_int
from ...render import render
from ...schemas import ErrorResponse

pages = APIRouter(include_in_schema=False)
api = APIRouter(
    prefix="/api/v1",
    tags=["审计"],
    responses={
        401: {"model": ErrorResponse, "description": "未登录"},
        403: {"model": ErrorResponse, "description": "不是安全审计员"},
        422: {"model": ErrorResponse, "description": "参数有误"},
    },
)
PER_PAGE = 50
EXPORT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

Text = Annotated[str | None, Query(max_length=64)]
Time = Annotated[str | None, Query(max_length=40, description="ISO 日期或时间；不带时区按 UTC")]


class AuditEvent(BaseModel):
    id: int
    at: str = Field(description="时间（UTC，ISO 8601）")
    actor: str = Field(description="用户")
    kind: str = Field(description="事件代码")
    label: str = Field(description="事件名称")
    outcome: str = Field(description="allowed / denied")
    record_id: str | None = None
    client: str = Field(description="来源地址")
    detail: dict[str, Any]


class AuditEvents(BaseModel):
    items: list[AuditEvent]
    total: int
    page: int
    per_page: int
    pages: int


def _filter(
    zone: str, user: str | None, kind: str | None, record_id: str | None, since: str | None,
    until: str | None, outcome: str | None,
) -> EventFilter:  # fmt: skip
    return make_filter(user, kind, record_id, since, until, outcome, zone)


def _params(request: Request) -> dict[str, str | int | None]:
    keys = ("user", "kind", "record_id", "since", "until", "outcome")
    return {k: request.query_params.get(k, "")[:64] for k in keys}


@pages.get("/audit")
def audit_page(request: Request, archive: ArchiveDep, user: Auditor) -> Response:
    params = _params(request)
    page = to_int(request.query_params.get("page"), 1) or 1
    error: ValidationFailed | None = None
    try:
        f = _filter(
            archive.settings.timezone,
            *(str(params[k]) for k in ("user", "kind", "record_id", "since", "until", "outcome")),
        )
    except ValidationFailed as exc:
        error, f = exc, EventFilter()
    result = search_events(archive, user, f, page, PER_PAGE)
    context = {
        "result": result,
        "params": params,
        "error": error,
        "kinds": [(k, kind_label(k)) for k in event_kinds(archive)],
        "outcomes": OUTCOMES,
        "pager": make_pager("/audit", params, result.page, result.pages),
        "export_query": request.url.query if not error else "",
    }
    return render(request, "audit.html", context, status_code=422 if error else 200)


@pages.get("/audit/export.csv")
def audit_export_csv(
    archive: ArchiveDep, user: Auditor,
    user_: Annotated[str | None, Query(alias="user", max_length=64)] = None, kind: Text = None,
    record_id: Text = None, since: Time = None, until: Time = None, outcome: Text = None,
) -> Response:  # fmt: skip
    return _export(
        archive,
        user,
        "csv",
        _filter(archive.settings.timezone, user_, kind, record_id, since, until, outcome),
    )


@pages.get("/audit/export.xlsx")
def audit_export_xlsx(
    archive: ArchiveDep, user: Auditor,
    user_: Annotated[str | None, Query(alias="user", max_length=64)] = None, kind: Text = None,
    record_id: Text = None, since: Time = None, until: Time = None, outcome: Text = None,
) -> Response:  # fmt: skip
    return _export(
        archive,
        user,
        "xlsx",
        _filter(archive.settings.timezone, user_, kind, record_id, since, until, outcome),
    )


def _export(archive: Archive, user: Principal, fmt: str, f: EventFilter) -> Response:
    data, _ = export_events(archive, user, f, fmt)
    headers = {
        "Content-Disposition": f'attachment; filename="audit-events.{fmt}"',
        "Cache-Control": "no-store",
    }
    return Response(data, media_type=EXPORT_TYPES[fmt], headers=headers)


@api.get("/audit/events", response_model=AuditEvents, summary="审计记录（仅安全审计员）")
def audit_events_api(
    archive: ArchiveDep, user: Auditor,
    user_: Annotated[str | None, Query(alias="user", max_length=64, description="用户名")] = None,
    kind: Annotated[str | None, Query(max_length=64, description="事件代码，如 view、download、denied")] = None,
    record_id: Annotated[str | None, Query(max_length=64, description="档案编号")] = None,
    since: Time = None, until: Time = None,
    outcome: Annotated[str | None, Query(max_length=16, description="allowed 或 denied")] = None,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=500)] = PER_PAGE,
) -> AuditEvents:  # fmt: skip
    result = search_events(
        archive,
        user,
        _filter(archive.settings.timezone, user_, kind, record_id, since, until, outcome),
        page,
        per_page,
    )
    return AuditEvents(
        items=[AuditEvent(**r.as_json()) for r in result.items], total=result.total, page=result.page,
        per_page=result.per_page, pages=result.pages,
    )  # fmt: skip


router = APIRouter()  # the one router the app includes: pages and API together
router.include_router(pages)
router.include_router(api)
