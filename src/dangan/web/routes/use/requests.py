"""`/requests` (利用申请): my requests and the new-request form; `/requests/review`: the approver's queue
(待审批) and the grants he may revoke; `/api/v1/requests`: the same as JSON. Every decision is the
service's, under the one policy; these routes only parse and render."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Request
from pydantic import BaseModel, Field
from starlette.responses import RedirectResponse, Response

from dangan.access import Principal, Role, mask_text, should_mask
from dangan.core import DanganError, PermissionDenied
from dangan.services.archive import Archive
from dangan.services.utilisation import (
    SCOPE_LABELS,
    RequestForm,
    approval_queue,
    approve_request,
    create_request,
    get_request,
    granted_by_me,
    my_requests,
    reject_request,
    request_json,
    revoke_request,
    sharing_types,
)

from ...deps import ApiUser, ArchiveDep, CurrentUser
from ...render import render

pages = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1/requests", tags=["利用申请"])
Text = Annotated[str, Form(max_length=2000)]
APPROVER_ROLES = (Role.ARCHIVIST, Role.DEPT_HEAD)


def _shown(req: Any) -> dict[str, Any]:
    """`request_json` with its times as datetimes again, for the pages' `datefmt` (Beijing time)."""
    doc = request_json(req)
    for key in ("created_at", "decided_at", "expires_at", "revoked_at"):
        doc[key] = datetime.fromisoformat(doc[key]) if doc[key] else None
    return doc


def _codes(text: str) -> tuple[str, ...]:
    return tuple(c for c in text.replace("，", ",").replace(",", "\n").split() if c)


def _form_of(
    purpose: str, scope: str, days: str, codes: str, department: str, matter: str, year: str, keyword: str,
    unmask: str,
) -> RequestForm:  # fmt: skip
    return RequestForm(
        purpose=purpose, scope=scope, days=int(days) if days.strip().isdigit() else 0, codes=_codes(codes),
        department=department, matter=matter, year=int(year) if year.strip().isdigit() else None,
        keyword=keyword, unmask=unmask == "1",
    )  # fmt: skip


def _mine_page(
    request: Request, archive: Archive, user: Principal, status_code: int | None = None, **extra: Any
) -> Response:
    if not user.sees_records:
        raise PermissionDenied("三员不能申请利用档案内容", code="request_forbidden")
    mine = [_shown(r) for r in my_requests(archive, user)]
    lent = [i["record_id"] for r in mine for i in r["records"]]
    kinds = sharing_types(archive, user.department, lent[:1000])
    context = {
        "requests": mine,
        "sharing": kinds,
        "scopes": SCOPE_LABELS,
        "is_approver": user.role in APPROVER_ROLES,
        "form": {},
        **extra,
    }
    return render(request, "requests.html", context, status_code=status_code)


@pages.get("/requests")
def requests_page(
    request: Request, archive: ArchiveDep, user: CurrentUser, created: str = "", code: str = ""
) -> Response:
    """`?code=档号` opens the form filled in for that record with personal data asked for (the link a
    redacted preview offers)."""
    form = {"codes": code[:120], "unmask": "1", "scope": "view"} if code else {}
    return _mine_page(
        request, archive, user, notice="利用申请已提交，等待审批" if created else None, form=form
    )


@pages.post("/requests")
def requests_create(
    request: Request, archive: ArchiveDep, user: CurrentUser, purpose: Text = "", scope: Text = "view",
    days: Text = "30", codes: Text = "", department: Text = "", matter: Text = "", year: Text = "",
    keyword: Text = "", unmask: Text = "",
) -> Response:  # fmt: skip
    form = _form_of(purpose, scope, days, codes, department, matter, year, keyword, unmask)
    try:
        create_request(archive, user, form)
    except DanganError as exc:
        raw = {"purpose": purpose, "scope": scope, "days": days, "codes": codes, "department": department,
               "matter": matter, "year": year, "keyword": keyword, "unmask": unmask}  # fmt: skip
        return _mine_page(request, archive, user, error=exc, form=raw)
    return RedirectResponse("/requests?created=1", status_code=303)


def _review_page(
    request: Request, archive: Archive, user: Principal, status_code: int | None = None, **extra: Any
) -> Response:
    if user.role not in APPROVER_ROLES:
        raise PermissionDenied("只有部门负责人或档案管理员可以审批利用申请", code="approve_forbidden")
    queue = []
    for entry in approval_queue(archive, user):
        kinds = sharing_types(archive, entry.request.requester_department, entry.records)
        shown = [
            {"record_id": r.id, "archival_code": r.archival_code, "department": r.department.name,
             "title": mask_text(r.title, r) if should_mask(user, r) else r.title, "security_level": r.security_level,
             "sharing": kinds.get(r.id)}
            for r in entry.records
        ]  # fmt: skip
        queue.append({**_shown(entry.request), "resolved": shown, "beyond": entry.beyond_clearance})
    grants = [_shown(r) for r in granted_by_me(archive, user)]
    context = {
        "queue": queue,
        "grants": grants,
        "scopes": SCOPE_LABELS,
        **extra,
    }
    return render(request, "requests_review.html", context, status_code=status_code)


@pages.get("/requests/review")
def review_page(request: Request, archive: ArchiveDep, user: CurrentUser) -> Response:
    return _review_page(request, archive, user)


def _decide(
    request: Request, archive: Archive, user: Principal, act: Callable[[], object], notice: str
) -> Response:
    try:
        act()
    except DanganError as exc:
        if exc.status == 404:
            raise
        return _review_page(request, archive, user, error=exc)
    return _review_page(request, archive, user, notice=notice)


@pages.post("/requests/{req_id}/approve")
def review_approve(
    request: Request, archive: ArchiveDep, user: CurrentUser, req_id: str, scope: Text = "", days: Text = "",
    unmask: Text = "", note: Text = "",
) -> Response:  # fmt: skip
    n = int(days) if days.strip().isdigit() else None

    def act() -> object:
        return approve_request(
            archive, user, req_id, scope=scope or None, days=n, unmask=unmask == "1", note=note
        )

    return _decide(request, archive, user, act, "已批准，授权即时生效")


@pages.post("/requests/{req_id}/reject")
def review_reject(
    request: Request, archive: ArchiveDep, user: CurrentUser, req_id: str, reason: Text = ""
) -> Response:
    return _decide(request, archive, user, lambda: reject_request(archive, user, req_id, reason), "已驳回")


@pages.post("/requests/{req_id}/revoke")
def review_revoke(
    request: Request, archive: ArchiveDep, user: CurrentUser, req_id: str, reason: Text = ""
) -> Response:
    return _decide(
        request, archive, user, lambda: revoke_request(archive, user, req_id, reason), "授权已撤销"
    )


class RequestIn(BaseModel):
    """A new request: `codes` (档号 list) or a set (`department`, `matter`, `year`, `keyword`)."""

    purpose: str = Field(max_length=500, description="利用目的")
    scope: Literal["view", "download"] = Field("view", description="view 仅查看；download 查看并下载")
    days: int = Field(30, ge=1, le=365, description="利用期限（天）")
    codes: list[Annotated[str, Field(max_length=120)]] = Field(default_factory=list, max_length=200)
    department: str = Field("", max_length=200)
    matter: str = Field("", max_length=200)
    year: int | None = Field(None, ge=1900, le=9999)
    keyword: str = Field("", max_length=100)
    unmask: bool = Field(False, description="是否申请查看未遮蔽的个人信息")


class ApproveIn(BaseModel):
    scope: Literal["view", "download"] | None = None
    days: int | None = Field(None, ge=1, le=365)
    unmask: bool | None = None
    note: str = Field("", max_length=1000)


class ReasonIn(BaseModel):
    reason: str = Field("", max_length=1000)


@api.get("", summary="我的利用申请；role=approver 时为待我审批的申请")
def api_list(
    archive: ArchiveDep, user: ApiUser, role: Literal["requester", "approver"] = "requester"
) -> dict[str, Any]:
    if role == "approver":
        return {"requests": [{**request_json(e.request), "resolved": [r.id for r in e.records]}
                             for e in approval_queue(archive, user)]}  # fmt: skip
    return {"requests": [request_json(r) for r in my_requests(archive, user)]}


@api.post("", status_code=201, summary="提交利用申请")
def api_create(archive: ArchiveDep, user: ApiUser, body: RequestIn) -> dict[str, Any]:
    form = RequestForm(**{**body.model_dump(), "codes": tuple(body.codes)})
    return request_json(create_request(archive, user, form))


@api.get("/{req_id}", summary="一件利用申请")
def api_get(archive: ArchiveDep, user: ApiUser, req_id: str) -> dict[str, Any]:
    return request_json(get_request(archive, user, req_id))


@api.post("/{req_id}/approve", summary="批准（可缩小范围、缩短期限）")
def api_approve(archive: ArchiveDep, user: ApiUser, req_id: str, body: ApproveIn) -> dict[str, Any]:
    req = approve_request(
        archive, user, req_id, scope=body.scope, days=body.days, unmask=body.unmask, note=body.note
    )
    return request_json(req)


@api.post("/{req_id}/reject", summary="驳回（须填写理由）")
def api_reject(archive: ArchiveDep, user: ApiUser, req_id: str, body: ReasonIn) -> dict[str, Any]:
    return request_json(reject_request(archive, user, req_id, body.reason))


@api.post("/{req_id}/revoke", summary="撤销生效中的授权")
def api_revoke(archive: ArchiveDep, user: ApiUser, req_id: str, body: ReasonIn) -> dict[str, Any]:
    return request_json(revoke_request(archive, user, req_id, body.reason))


router = APIRouter()
router.include_router(pages)
router.include_router(api)
