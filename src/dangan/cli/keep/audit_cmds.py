"""`dangan audit events` (the audit trail, filtered) and `dangan monitor run` (the alert rules, now).

The command line runs on the server with the catalogue at hand, so it reads the trail as the
安全审计员 would, under the name `cli`; an export written by `--out` is logged like one from the web.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from .._common import DataOpt, JsonOpt, archive_from, err, finish, write_file_atomically

if TYPE_CHECKING:
    from dangan.access import Principal

audit_app = typer.Typer(help="审计记录：查询与导出（安全审计员）", no_args_is_help=True)
monitor_app = typer.Typer(help="监控规则与告警", no_args_is_help=True)


def cli_auditor() -> Principal:
    """The 安全审计员 the command line reads the trail as (the shell at the server is trusted)."""
    from dangan.access import Principal, Role

    return Principal(username="cli", role=Role.AUDITOR, display_name="命令行")


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
    from dangan.services.oversight import OUTCOMES, export_events, make_filter, search_events

    fmt = out.suffix.lower().lstrip(".") if out else None
    if out is not None and fmt not in ("csv", "xlsx"):
        err.print("[red]错误：[/red]--out 的文件名须以 .csv 或 .xlsx 结尾")
        raise typer.Exit(2)
    with archive_from(data) as archive:
        f = make_filter(user, kind, record, since, until, outcome, archive.settings.timezone)
        auditor = cli_auditor()
        result = search_events(archive, auditor, f, page, limit)
        exported = export_events(archive, auditor, f, fmt)[0] if out and fmt else None
    if out is not None and exported is not None:
        write_file_atomically(out, exported)
        err.print(f"已导出到 {out}")

    def human() -> None:
        err.print(f"共 {result.total} 条，第 {result.page}/{result.pages} 页")
        for r in result.items:
            where = f" 来自 {r.client}" if r.client else ""
            target = f" 档案 {r.record_id}" if r.record_id else ""
            typer.echo(
                f"{r.id}\t{r.at:%Y-%m-%d %H:%M:%S}Z\t{r.actor}\t{r.label}（{r.kind}）\t{OUTCOMES[r.outcome]}{target}{where}"
            )

    doc = {"total": result.total, "page": result.page, "pages": result.pages,
           "items": [r.as_json() for r in result.items]}  # fmt: skip
    finish(doc, json_out, human)


@monitor_app.command("run")
def monitor_run(data: DataOpt = None, json_out: JsonOpt = False) -> None:
    """立即运行全部监控规则：新告警存入告警表（并按设置发送 Webhook）。"""
    from dangan.services.oversight import run_monitor

    with archive_from(data) as archive:
        report = run_monitor(archive)

    def human() -> None:
        err.print(f"查看了 {report.events} 条事件，新告警 {len(report.raised)} 条")
        for a in report.raised:
            typer.echo(f"[{a['severity']}] {a['rule_label']}：{a['summary']}")
        for failure in report.webhook_failures:
            err.print(f"[yellow]Webhook 发送失败[/yellow]（告警 {failure['alert_id']}）：{failure['error']}")

    finish(report, json_out, human)
