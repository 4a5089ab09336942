"""`dangan stats`: approvals counted by one dimension, as the user named by --as may see them."""

from __future__ import annotations

from typing import Annotated

import typer

from .._common import AsOpt, DataOpt, JsonOpt, archive_from, finish, principal_from

_BY_HELP = "统计维度：department 部门、matter 事项、month 月份、year 年度、district 行政区划、industry 行业门类、result 审批结果"


def stats_cmd(
    by: Annotated[str, typer.Option("--by", help=_BY_HELP)] = "department",
    date_from: Annotated[
        str | None, typer.Option("--from", help="办结日期起（含），YYYY-MM-DD、YYYY-MM 或 YYYY")
    ] = None,
    date_to: Annotated[
        str | None, typer.Option("--to", help="办结日期止（含），YYYY-MM-DD、YYYY-MM 或 YYYY")
    ] = None,
    department: Annotated[str | None, typer.Option("--department", help="只统计该部门（全称）")] = None,
    matter: Annotated[str | None, typer.Option("--matter", help="只统计该审批事项（名称或编码）")] = None,
    district: Annotated[
        str | None, typer.Option("--district", help="只统计该行政区划（GB/T 2260 代码）及其下辖")
    ] = None,
    industry: Annotated[
        str | None, typer.Option("--industry", help="只统计该行业（GB/T 4754 代码或前缀，如 H、H62）")
    ] = None,
    as_user: AsOpt = None,
    data: DataOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """按维度统计审批档案（按办结日期计）：件数、办理用时中位数（工作日）与按时办结率。"""
    from dangan.insight import DIMENSION_LABELS, StatsFilter, check_dimension, parse_day, stats

    with archive_from(data) as archive:
        check_dimension(by)
        f = StatsFilter(
            date_from=parse_day(date_from, field="from"),
            date_to=parse_day(date_to, end=True, field="to"),
            department=department, matter=matter, district=district, industry=industry,
        )  # fmt: skip
        result = stats(archive, principal_from(archive, as_user, public=True), by, f)

    def human() -> None:
        typer.echo(f"按{DIMENSION_LABELS[by]}统计，共 {result.total} 件")
        for row in result.rows:
            t = row.tally
            median = "—" if t.median_days is None else f"{t.median_days:g}"
            rate = "—" if t.on_time_rate is None else f"{t.on_time_rate:.1%}"
            typer.echo(f"  {row.label}：{t.count} 件，用时中位数 {median} 个工作日，按时办结率 {rate}")

    finish(result, json_out, human)
