"""Decision-support dashboards, one page per theme: /insight 审批概况 (approvals by month, department,
result, top matters), /insight/market 市场主体 (enterprise registrations, districts, industries),
/insight/timeliness 办理时效 (processing time per matter), /insight/policy 政策效果 (a policy's effect;
/insight?pivot=… redirects there, as that URL used to show it), and the monthly report as PDF
(/insight/report/monthly.pdf?month=YYYY-MM) — ECharts served from /static,
every chart filtered by time range, department, matter, district and industry, each exportable as CSV or
XLSX; the same numbers as JSON under /api/v1/insight.

Everything comes from `dangan.insight`, counted under the one access policy: a clerk's dashboard is his
department's records, a leader's or an archivist's all of them within their clearance."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from starlette.responses import RedirectResponse, Response

from dangan.core import DanganError
from dangan.insight import (
    DIMENSION_LABELS,
    DIMENSIONS,
    PANEL_TITLES,
    StatsFilter,
    check_dimension,
    dashboard,
    enterprise_registrations,
    export_panel,
    filter_options,
    monthly_report_pdf,
    parse_day,
    parse_month,
    policy_effect,
    processing_times,
    results_ratio,
    stats,
    top_matters,
)

from ...deps import ArchiveDep, CurrentUser
from ...present import content_disposition
from ...render import render

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


THEMES = (
    ("overview", "/insight", "审批概况"),
    ("market", "/insight/market", "市场主体"),
    ("timeliness", "/insight/timeliness", "办理时效"),
    ("policy", "/insight/policy", "政策效果"),
)


def _panels(archive: Any, user: Any, theme: str, f: StatsFilter, given: dict[str, str]) -> dict[str, Any]:
    """The panels of one theme page only: each page counts what it shows."""
    if theme == "overview":
        return {"doc": {"by_month": stats(archive, user, "month", f).as_json(),
                        "by_department": stats(archive, user, "department", f).as_json(),
                        "results": results_ratio(archive, user, f),
                        "top_matters": top_matters(archive, user, f).as_json()}}  # fmt: skip
    if theme == "market":
        return {"doc": {"enterprises": enterprise_registrations(archive, user, f),
                        "by_district": stats(archive, user, "district", f).as_json(),
                        "by_industry": stats(archive, user, "industry", f).as_json()}}  # fmt: skip
    if theme == "timeliness":
        return {"doc": {"processing": processing_times(archive, user, f)}}
    out: dict[str, Any] = {"doc": {}}
    pivot = parse_day(given["pivot"], field="pivot")
    if pivot is not None:
        window = int(given["window"]) if given["window"].isdigit() and len(given["window"]) < 6 else 90
        out["policy"] = policy_effect(archive, user, pivot, f, window_days=window)
    return out


def _theme_page(request: Request, archive: Any, user: Any, theme: str) -> Response:
    given = _given(request)
    context: dict[str, Any] = {"given": given, "titles": PANEL_TITLES, "labels": DIMENSION_LABELS, "options": filter_options(archive),
                               "export_query": urlencode({k: given[k] for k in FILTER_KEYS if given[k]}),
                               "theme": theme, "themes": THEMES, "action": dict((t, u) for t, u, _ in THEMES)[theme],
                               "this_month": f"{date.today():%Y-%m}"}  # fmt: skip
    try:
        context.update(_panels(archive, user, theme, _filters(given), given))
    except DanganError as exc:
        return render(request, "insight.html", {**context, "doc": None, "error": exc})
    return render(request, "insight.html", context)


@pages.get("/insight")
def insight_page(request: Request, archive: ArchiveDep, user: CurrentUser) -> Response:
    if request.query_params.get("pivot"):  # the policy comparison had no page of its own before
        return RedirectResponse(f"/insight/policy?{request.url.query}", status_code=303)
    return _theme_page(request, archive, user, "overview")


@pages.get("/insight/market")
def insight_market(request: Request, archive: ArchiveDep, user: CurrentUser) -> Response:
    return _theme_page(request, archive, user, "market")


@pages.get("/insight/timeliness")
def insight_timeliness(request: Request, archive: ArchiveDep, user: CurrentUser) -> Response:
    return _theme_page(request, archive, user, "timeliness")


@pages.get("/insight/policy")
def insight_policy(request: Request, archive: ArchiveDep, user: CurrentUser) -> Response:
    return _theme_page(request, archive, user, "policy")


@pages.get("/insight/report/monthly.pdf")
def insight_monthly_report(
    archive: ArchiveDep, user: CurrentUser, month: Annotated[str, Query(max_length=20)] = ""
) -> Response:
    """The printable monthly report of `month` (YYYY-MM) over what the user may read."""
    _report, pdf, name = monthly_report_pdf(archive, user, parse_month(month))
    return Response(
        pdf, media_type="application/pdf", headers={"Content-Disposition": content_disposition(name)}
    )


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
