"""The knowledge graph in the browser: the enterprise 360° page, the graph view (ECharts, served from
/static), the insight lists (/graph/insight, with CSV and XLSX downloads) and their JSON under /api/v1/graph.

Everything shown comes from `services.graph` under the one access policy: a node, edge or record the
viewer may not read is never added here, and an enterprise known only from such records answers exactly
like one that does not exist (the 404 page, or the API's 404)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from dangan.core import NotFound
from dangan.services.graph import (
    DEFAULT_DAYS,
    DEFAULT_MIN,
    EXPIRING_DAYS,
    INSIGHT_LISTS,
    KIND_LABELS,
    MAX_PER_PAGE,
    InsightQuery,
    enterprise_view,
    export_insight,
    graph_insight,
    related,
)

from ...deps import ArchiveDep, CurrentUser
from ...paging import make_pager, to_int
from ...present import content_disposition
from ...render import render
from ...schemas import ErrorResponse

router = APIRouter()
pages = APIRouter(include_in_schema=False)
NOT_FOUND_DOC = {"model": ErrorResponse, "description": "图谱中没有该节点或企业，或您无权查看与其相关的档案"}
api = APIRouter(prefix="/api/v1/graph", tags=["知识图谱"], responses={404: NOT_FOUND_DOC})

EDGE_LABELS = {
    "applicant": "申请人", "representative": "法定代表人", "address": "地址", "licence": "许可证",
    "matter": "审批事项", "department": "办理部门", "district": "行政区划", "industry": "行业",
}  # fmt: skip
CHANGE_FIELDS = {"name": "名称", "representative": "法定代表人", "address": "地址"}
RELATED_VIA = {"representative": "同一法定代表人", "address": "同一地址"}
MAX_CENTER = 200
NOT_FOUND = "没有找到这家企业，或您无权查看与其相关的档案"


def _enterprise(archive: Any, user: Any, uscc: str) -> dict[str, Any]:
    """The 360° view; "not found" in words that do not echo the code, so a code known only from records
    the viewer may not read answers byte for byte like one that exists nowhere."""
    try:
        return enterprise_view(archive, user, uscc[:MAX_CENTER])
    except NotFound as exc:
        raise NotFound(NOT_FOUND, code=exc.code) from None


def _hops(hops: str) -> int:
    return 2 if hops.strip() == "2" else 1


@pages.get("/graph/enterprise/{uscc}")
def enterprise_page(request: Request, archive: ArchiveDep, user: CurrentUser, uscc: str) -> Response:
    view = _enterprise(archive, user, uscc)
    context = {"v": view, "expiring_days": EXPIRING_DAYS, "change_fields": CHANGE_FIELDS,
               "related_via": RELATED_VIA, "kind_labels": KIND_LABELS}  # fmt: skip
    return render(request, "graph_enterprise.html", context)


@pages.get("/graph")
def graph_page(
    request: Request, user: CurrentUser, center: str = "", hops: str = "1", kinds: str = ""
) -> Response:
    """The page only; graph.js fetches the neighbourhood from the API (and shows its errors)."""
    chosen = [k for k in kinds.split(",") if k in EDGE_LABELS] or list(EDGE_LABELS)
    context = {"center": center.strip()[:MAX_CENTER], "hops": _hops(hops), "chosen": chosen,
               "edge_labels": EDGE_LABELS, "kind_labels": KIND_LABELS}  # fmt: skip
    return render(request, "graph.html", context)


@api.get("/related", summary="知识图谱中一个节点的关联（1 或 2 跳，按权限过滤）")
def api_related(
    archive: ArchiveDep,
    user: CurrentUser,
    center: Annotated[str, Query(min_length=1, max_length=MAX_CENTER)],
    hops: Annotated[int, Query(ge=1, le=2)] = 1,
) -> dict[str, Any]:
    """`{"center", "nodes", "edges", "hops", "truncated"}`; a name naming several nodes is a 422 listing
    them with their ids."""
    return related(archive, user, center, hops)


@api.get("/enterprise/{uscc}", summary="企业全景：跨部门的审批、许可证、法定代表人与地址沿革（按权限过滤）")
def api_enterprise(archive: ArchiveDep, user: CurrentUser, uscc: str) -> dict[str, Any]:
    return _enterprise(archive, user, uscc)


INSIGHT_PER_PAGE = 50


def _insight_params(request: Request) -> tuple[str, InsightQuery, dict[str, str | int | None]]:
    """The list and its parameters from the query string, leniently (a bad number keeps the default)."""
    q = request.query_params
    which = q.get("list", "expiring")
    which = which if which in INSIGHT_LISTS else "expiring"
    days = to_int(q.get("days"), DEFAULT_DAYS, low=0, high=3650)
    least = to_int(q.get("min"), DEFAULT_MIN, low=2, high=100000)
    expired = q.get("expired") == "1"
    page = to_int(q.get("page"), 1) or 1
    query = InsightQuery(days=days or 0, min_count=least or DEFAULT_MIN, include_expired=expired, page=page,
                         per_page=INSIGHT_PER_PAGE)  # fmt: skip
    params: dict[str, str | int | None] = {"list": which}
    params |= (
        {"days": query.days, "expired": "1" if expired else None} if which == "expiring" else {"min": least}
    )
    return which, query, params


@pages.get("/graph/insight")
def insight_page(request: Request, archive: ArchiveDep, user: CurrentUser) -> Response:
    """One of the three lists as a page: parameters, a page of rows, downloads of the whole list."""
    which, query, params = _insight_params(request)
    doc = graph_insight(archive, user, which, query)
    if doc["rows"] == [] and query.page > 1 and doc["total"]:  # past the last page: show the last one
        query = InsightQuery(query.days, query.min_count, query.include_expired, doc["pages"], query.per_page)
        doc = graph_insight(archive, user, which, query)
    export = urlencode({k: v for k, v in params.items() if v is not None})
    context = {"doc": doc, "which": which, "lists": INSIGHT_LISTS, "params": params, "query": query,
               "pager": make_pager("/graph/insight", params, doc["page"], doc["pages"]), "export_query": export}  # fmt: skip
    return render(request, "graph_insight.html", context)


def _insight_export(request: Request, archive: Any, user: Any, fmt: str) -> Response:
    which, query, _ = _insight_params(request)
    data, name, media = export_insight(archive, user, which, query, fmt)
    headers = {"Content-Disposition": content_disposition(name), "Cache-Control": "no-store"}
    return Response(data, media_type=media, headers=headers)


@pages.get("/graph/insight/export.csv")
def insight_export_csv(request: Request, archive: ArchiveDep, user: CurrentUser) -> Response:
    return _insight_export(request, archive, user, "csv")


@pages.get("/graph/insight/export.xlsx")
def insight_export_xlsx(request: Request, archive: ArchiveDep, user: CurrentUser) -> Response:
    return _insight_export(request, archive, user, "xlsx")


Page = Annotated[int, Query(ge=1, le=1_000_000, description="页码")]
PerPage = Annotated[int, Query(ge=1, le=MAX_PER_PAGE, description="每页条数")]
Least = Annotated[int, Query(alias="min", ge=2, le=100000, description="至少涉及多少家企业")]


@api.get("/insight/expiring", summary="未来 N 天内到期的许可证，按部门分组（按权限过滤）")
def api_insight_expiring(
    archive: ArchiveDep, user: CurrentUser,
    days: Annotated[int, Query(ge=0, le=3650, description="未来多少天内到期（含当天与第 N 天）")] = DEFAULT_DAYS,
    include_expired: Annotated[bool, Query(description="同时列出已过期的许可证")] = False,
    page: Page = 1, per_page: PerPage = INSIGHT_PER_PAGE,
) -> dict[str, Any]:  # fmt: skip
    """`{"list", "title", "params", "total", "page", "per_page", "pages", "rows", "groups"}`."""
    query = InsightQuery(days=days, include_expired=include_expired, page=page, per_page=per_page)
    return graph_insight(archive, user, "expiring", query)


@api.get("/insight/addresses", summary="登记了多家企业的地址（按权限过滤）")
def api_insight_addresses(
    archive: ArchiveDep, user: CurrentUser, least: Least = DEFAULT_MIN, page: Page = 1,
    per_page: PerPage = INSIGHT_PER_PAGE,
) -> dict[str, Any]:  # fmt: skip
    return graph_insight(
        archive, user, "addresses", InsightQuery(min_count=least, page=page, per_page=per_page)
    )


@api.get("/insight/people", summary="担任多家企业法定代表人的人员（按权限过滤与脱敏）")
def api_insight_people(
    archive: ArchiveDep, user: CurrentUser, least: Least = DEFAULT_MIN, page: Page = 1,
    per_page: PerPage = INSIGHT_PER_PAGE,
) -> dict[str, Any]:  # fmt: skip
    return graph_insight(archive, user, "people", InsightQuery(min_count=least, page=page, per_page=per_page))


router.include_router(pages)
router.include_router(api)
