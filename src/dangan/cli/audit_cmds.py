"""`dangan audit events` (the audit trail, filtered) and `dangan monitor run` (the alert rules, now).

The command line runs on the server with the catalogue at hand, so it reads the trail as the
安全审计员 would, under the name `cli`; an export written by `--out` is logged like one from the web.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from dangan.access import Principal, Role
from dangan.services.oversight import OUTCOMES, export_events, make_filter, run_monitor, search_events

from ._common import DataOpt, JsonOpt, archive_from, emit_json, err, write_file_atomically

audit_app = typer.Typer(help="审计记录：查询与导出（安全审计员）", no_args_is_help=True)
monitor_app = typer.Typer(help="监控规则与告警", no_args_is_help=True)
CLI_AUDITOR = Principal(username="cli", role=Role.AUDITOR, display_name="命令行")


@audit_app.command("events")
def events_cmd(
    user: Annotated[str | None, typer.Option("--user", help="用户名")] = None,
    kind: Annotated[
        str | None, typer.Option("--kind", help="事件代码，如 view、download、denied、login")
    ] = None,
    record: Annotated[str | None, typer.Option("--record", help="档案编号")] = None,
    since: Annotated[
        str | None, typer.Option("--since", help="起始时间（含），如 2026-11-01 或 2026-11-01T08:00")
    ] = None,
    until: Annotated[
        str | None, typer.Option("--until", help="截止时间（不含）；不带时区按档案馆时区（默认北京时间）")
    ] = None,
    outcome: Annotated[str | None, typer.Option("--outcome", help="allowed（允许）或 denied（拒绝）")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=500, help="最多显示条数（最新的在前）")] = 50,
    page: Annotated[int, typer.Option("--page", min=1, help="页码")] = 1,
    out: Annotated[
        Path | None, typer.Option("--out", help="把全部符合条件的记录导出到文件（.csv 或 .xlsx）")
    ] = None,
    data: DataOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """查询审计记录：谁、何时、从何处、做了什么、结果如何。"""
    fmt = out.suffix.lower().lstrip(".") if out else None
    if out is not None and fmt not in ("csv", "xlsx"):
        err.print("[red]错误：[/red]--out 的文件名须以 .csv 或 .xlsx 结尾")
        raise typer.Exit(2)
    with archive_from(data) as archive:
        f = make_filter(user, kind, record, since, until, outcome, archive.settings.timezone)
        result = search_events(archive, CLI_AUDITOR, f, page, limit)
        exported = export_events(archive, CLI_AUDITOR, f, fmt)[0] if out and fmt else None
    if out is not None and exported is not None:
        write_file_atomically(out, exported)
        err.print(f"已导出到 {out}")
    if json_out:
        emit_json({"total": result.total, "page": result.page, "pages": result.pages,
                   "items": [r.as_json() for r in result.items]})  # fmt: skip
        return
    err.print(f"共 {result.total} 条，第 {result.page}/{result.pages} 页")
    for r in result.items:
        where = f" 来自 {r.client}" if r.client else ""
        target = f" 档案 {r.record_id}" if r.record_id else ""
        typer.echo(
            f"{r.id}\t{r.at:%Y-%m-%d %H:%M:%S}Z\t{r.actor}\t{r.label}（{r.kind}）\t{OUTCOMES[r.outcome]}{target}{where}"
        )


@monitor_app.command("run")
def monitor_run(data: DataOpt = None, json_out: JsonOpt = False) -> None:
    """立即运行全部监控规则：新告警存入告警表（并按设置发送 Webhook）。"""
    with archive_from(data) as archive:
        report = run_monitor(archive)
    if json_out:
        emit_json(report.as_json())
        return
    err.print(f"查看了 {report.events} 条事件，新告警 {len(report.raised)} 条")
    for a in report.raised:
        typer.echo(f"[{a['severity']}] {a['rule_label']}：{a['summary']}")
    for failure in report.webhook_failures:
        err.print(f"[yellow]Webhook 发送失败[/yellow]（告警 {failure['alert_id']}）：{failure['error']}")
