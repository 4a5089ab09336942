"""Decision-support dashboards (/insight): approvals by department, month, result, district and industry,
processing time per matter, enterprise registrations and a policy's effect — ECharts served from /static,
every chart filtered by time range, department, matter, district and industry, each exportable as CSV or
XLSX; the same numbers as JSON under /api/v1/insight.

Everything comes from `dangan.insight`, counted under the one access policy: a clerk's dashboard is his
department's records, a leader's or an archivist's all of them within their clearance."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from dangan.core import DanganError
from dangan.insight import (
    DIMENSION_LABELS,
    DIMENSIONS,
    PANEL_TITLES,
    StatsFilter,
    check_dimension,
    dashboard,
    export_panel,
    filter_options,
    parse_day,
    policy_effect,
    stats,
)

from ..deps import ArchiveDep, CurrentUser
from ..present import content_disposition
from ..render import render

router = APIRouter()
pages = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1/insight", tags=["统计分析"])
FILTER_KEYS = ("from", "to", "department", "matter", "district", "industry")
Text = Annotated[str | None, Query(max_length=200)]


def _filters(params: dict[str, str]) -> StatsFilter:
    """The filters from query parameters; an empty field is no filter, a bad one a clear 422."""

    def get(key: str) -> str | None:
        value = (params.get(key) or "").strip()
        return value or None

    return StatsFilter(
        date_from=parse_day(get("from"), field="from"), date_to=parse_day(get("to"), end=True, field="to"),
        department=get("department"), matter=get("matter"), district=get("district"), industry=get("industry"),
    )  # fmt: skip


def _given(request: Request) -> dict[str, str]:
    q = request.query_params
    return {k: q.get(k, "").strip()[:200] for k in (*FILTER_KEYS, "pivot", "window")}


@pages.get("/insight")
def insight_page(request: Request, archive: ArchiveDep, user: CurrentUser) -> Response:
    given = _given(request)
    context: dict[str, Any] = {"given": given, "titles": PANEL_TITLES, "labels": DIMENSION_LABELS, "options": filter_options(archive),
                               "export_query": urlencode({k: given[k] for k in FILTER_KEYS if given[k]})}  # fmt: skip
    try:
        f = _filters(given)
        context["doc"] = dashboard(archive, user, f)
        pivot = parse_day(given["pivot"], field="pivot")
        if pivot is not None:
            window = int(given["window"]) if given["window"].isdigit() and len(given["window"]) < 6 else 90
            context["policy"] = policy_effect(archive, user, pivot, f, window_days=window)
    except DanganError as exc:
        return render(request, "insight.html", {**context, "doc": None, "error": exc})
    return render(request, "insight.html", context)


def _export(request: Request, archive: Any, user: Any, fmt: str) -> Response:
    given = _given(request)
    panel = request.query_params.get("panel", "")
    data, name, media = export_panel(archive, user, panel, _filters(given), fmt)
    return Response(data, media_type=media, headers={"Content-Disposition": content_disposition(name)})


@pages.get("/insight/export.csv")
def insight_export_csv(request: Request, archive: ArchiveDep, user: CurrentUser) -> Response:
    return _export(request, archive, user, "csv")


@pages.get("/insight/export.xlsx")
def insight_export_xlsx(request: Request, archive: ArchiveDep, user: CurrentUser) -> Response:
    return _export(request, archive, user, "xlsx")


@api.get("/stats", summary="按维度统计审批档案（与 dangan stats --json 相同，按权限过滤）")
def api_stats(
    archive: ArchiveDep,
    user: CurrentUser,
    by: Annotated[str, Query(description=f"统计维度：{'、'.join(DIMENSIONS)}")] = "department",
    date_from: Annotated[str | None, Query(alias="from", max_length=20)] = None,
    date_to: Annotated[str | None, Query(alias="to", max_length=20)] = None,
    department: Text = None,
    matter: Text = None,
    district: Text = None,
    industry: Text = None,
) -> dict[str, Any]:
    """`{"by", "total", "rows": [{"key", "label", "count", "median_days", "on_time_rate"}]}`."""
    check_dimension(by)
    given = {"from": date_from, "to": date_to, "department": department, "matter": matter,
             "district": district, "industry": industry}  # fmt: skip
    return stats(archive, user, by, _filters({k: v or "" for k, v in given.items()})).as_json()


@api.get("/dashboard", summary="总览页的全部图表数据（按权限过滤）")
def api_dashboard(request: Request, archive: ArchiveDep, user: CurrentUser) -> dict[str, Any]:
    return {"dimensions": DIMENSION_LABELS, **dashboard(archive, user, _filters(_given(request)))}


router.include_router(pages)
router.include_router(api)
