"""The knowledge graph in the browser: the enterprise 360° page, the graph view (ECharts, served from
/static) and their JSON under /api/v1/graph.

Everything shown comes from `services.graph` under the one access policy: a node, edge or record the
viewer may not read is never added here, and an enterprise known only from such records answers exactly
like one that does not exist (the 404 page, or the API's 404)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from dangan.core import NotFound
from dangan.services.graph import EXPIRING_DAYS, KIND_LABELS, enterprise_view, related

from ..deps import ArchiveDep, CurrentUser
from ..render import render
from ..schemas import ErrorResponse

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


router.include_router(pages)
router.include_router(api)
