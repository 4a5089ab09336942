"""`dangan report monthly`: the printable monthly report (PDF) for leaders, as the --as user may see it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .._common import AsOpt, DataOpt, JsonOpt, archive_from, finish, principal_from, write_file_atomically

report_app = typer.Typer(help="统计报告：打印用的月度统计报告（PDF）。", no_args_is_help=True)


@report_app.command("monthly")
def monthly(
    month: Annotated[str, typer.Option("--month", help="报告月份，YYYY-MM，如 2024-03")],
    out: Annotated[Path, typer.Option("--out", help="PDF 输出文件路径")],
    as_user: AsOpt = None,
    data: DataOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """生成月度统计报告（PDF）：办结量及与上月、上年同月的比较，变化最大的部门与事项，办理最慢的事项，按时办结率，附图表。"""
    from dangan.insight import monthly_report_pdf, parse_month

    with archive_from(data) as archive:
        first = parse_month(month)
        report, pdf, _name = monthly_report_pdf(archive, principal_from(archive, as_user), first)
    write_file_atomically(out, pdf)
    doc = {"out": str(out), "bytes": len(pdf), **report.as_json()}

    def human() -> None:
        typer.echo(f"已生成 {report.label} 统计月报：{out}（{len(pdf):,} 字节）")
        for line in report.summary:
            typer.echo(f"  {line}")

    finish(doc, json_out, human)
