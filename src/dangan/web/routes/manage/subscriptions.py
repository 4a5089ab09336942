"""Subscriptions of business systems: the change feeds (`/api/v1/feed.json`, `/api/v1/feed.atom`), the
webhook delivery log over the API, and the 系统管理员's page `/admin/subscriptions`."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from starlette.responses import RedirectResponse, Response

from dangan.access import Principal
from dangan.core import DanganError, ValidationFailed, utcnow
from dangan.services.accounts import list_api_keys
from dangan.services.archive import Archive
from dangan.services.share import (
    FeedPage,
    add_subscription,
    atom_feed,
    changes_for,
    delivery_log,
    json_feed,
    list_subscriptions,
    log_machine_read,
    remove_subscription,
    require_subscription_admin,
)

from ...deps import ApiKeyAdmin, ApiReader, ArchiveDep
from ...render import render
from ...schemas import ErrorResponse

router = APIRouter()
Cursor = Annotated[int | None, Query(ge=-1, le=2**62, description="上一页返回的 next_cursor（续取）")]
Since = Annotated[
    str | None,
    Query(
        max_length=40, description="从该时间起（ISO 日期或时间，如 2026-01-01 或 2026-01-01T08:00:00+08:00）"
    ),
]
Limit = Annotated[int, Query(ge=1, le=500, description="每页条数")]
FEED_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorResponse, "description": "未登录或 API Key 无效"},
    403: {"model": ErrorResponse, "description": "API Key 无查询权限"},
    422: {"model": ErrorResponse, "description": "参数有误"},
}


def _since(value: str | None) -> datetime | None:
    if not value:
        return None
    text = value.strip()
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), time(), tzinfo=UTC)
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValidationFailed("since 须为 ISO 日期或时间，如 2026-01-01 或 2026-01-01T08:00:00+08:00",
                               code="invalid_since") from None  # fmt: skip
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _page(archive: Archive, user: Principal, cursor: int | None, since: str | None, limit: int) -> FeedPage:
    page = changes_for(archive, user, cursor=cursor, since=_since(since), limit=limit)
    log_machine_read(archive, user, "feed", {"cursor": cursor, "since": since, "next_cursor": page.next_cursor,
                                             "records": [e.record_id for e in page.entries]})  # fmt: skip
    return page


def _url(request: Request, path: str, cursor: int, limit: int) -> str:
    return f"{str(request.base_url).rstrip('/')}{path}?{urlencode({'cursor': cursor, 'limit': limit})}"


@router.get("/api/v1/feed.json", tags=["订阅"], summary="新增与变更档案（JSON Feed 1.1，按游标续取）",
            responses=FEED_ERRORS)  # fmt: skip
def feed_json(
    request: Request, archive: ArchiveDep, user: ApiReader, cursor: Cursor = None, since: Since = None,
    limit: Limit = 100,
) -> dict[str, Any]:  # fmt: skip
    page = _page(archive, user, cursor, since, limit)
    return json_feed(
        page.entries,
        title="档案变更订阅",
        feed_url=str(request.url),
        next_cursor=page.next_cursor,
        next_url=_url(request, "/api/v1/feed.json", page.next_cursor, limit) if page.more else None,
    )


@router.get("/api/v1/feed.atom", tags=["订阅"], summary="新增与变更档案（Atom，按游标续取；销毁为墓碑条目）",
            responses=FEED_ERRORS, response_class=Response)  # fmt: skip
def feed_atom(
    request: Request, archive: ArchiveDep, user: ApiReader, cursor: Cursor = None, since: Since = None,
    limit: Limit = 100,
) -> Response:  # fmt: skip
    page = _page(archive, user, cursor, since, limit)
    body = atom_feed(
        page.entries,
        feed_id=f"urn:dangan:feed:{archive.settings.fonds_code}:{user.username}",
        title="档案变更订阅",
        updated=page.entries[-1].at if page.entries else utcnow(),
        self_url=str(request.url),
        next_url=_url(request, "/api/v1/feed.atom", page.next_cursor, limit) if page.more else None,
    )
    headers = {"X-Next-Cursor": str(page.next_cursor)}
    return Response(body, media_type="application/atom+xml; charset=utf-8", headers=headers)


@router.get("/api/v1/subscriptions", tags=["订阅"], summary="本系统的 Webhook 订阅与投递记录（尝试次数、状态码、下次重试）",
            responses=FEED_ERRORS)  # fmt: skip
def api_subscriptions(archive: ArchiveDep, user: ApiReader) -> dict[str, Any]:
    """A business system sees its own subscriptions; the 系统管理员 (by session) every one."""
    system = user.display_name if user.username.startswith("system:") else None
    if system is None:
        require_subscription_admin(user)
    subs = list_subscriptions(archive, system)
    return {"subscriptions": [s.as_json() for s in subs], "deliveries": delivery_log(archive, system=system)}


def _admin_page(request: Request, archive: Archive, status_code: int | None = None, **extra: Any) -> Response:
    systems = sorted({k.system for k in list_api_keys(archive, include_revoked=False) if k.may_read})
    context = {"subscriptions": list_subscriptions(archive), "deliveries": delivery_log(archive, limit=100),
               "systems": systems, "values": {}, "created": None, "secret": None, **extra}  # fmt: skip
    return render(request, "subscriptions.html", context, status_code=status_code)


@router.get("/admin/subscriptions", include_in_schema=False)
def subscriptions_page(request: Request, archive: ArchiveDep, user: ApiKeyAdmin) -> Response:
    return _admin_page(request, archive)


@router.post("/admin/subscriptions", include_in_schema=False)
def subscriptions_add(
    request: Request,
    archive: ArchiveDep,
    user: ApiKeyAdmin,
    system: Annotated[str, Form(max_length=128)] = "",
    url: Annotated[str, Form(max_length=2000)] = "",
    department: Annotated[str, Form(max_length=200)] = "",
    label: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    values = {"system": system, "url": url, "department": department, "label": label}
    try:
        info, secret = add_subscription(archive, system, url, department=department or None, label=label,
                                        actor=user.username)  # fmt: skip
    except DanganError as exc:
        return _admin_page(request, archive, values=values, error=exc)
    return _admin_page(request, archive, created=info, secret=secret, status_code=201)


@router.post("/admin/subscriptions/remove", include_in_schema=False)
def subscriptions_remove(
    archive: ArchiveDep, user: ApiKeyAdmin, subscription: Annotated[str, Form(max_length=26)] = ""
) -> Response:
    remove_subscription(archive, subscription, actor=user.username)
    return RedirectResponse("/admin/subscriptions", status_code=303)
