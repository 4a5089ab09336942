"""`dangan export`: records as one exchange package (BagIt bag); `dangan import` reads it back."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from .._common import AsOpt, DataOpt, JsonOpt, archive_from, err, finish, principal_from


def export_cmd(
    record_ids: Annotated[
        list[str] | None, typer.Argument(help="要导出的档案编号（record_id），可多个")
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="输出路径：文件夹，或以 .zip 结尾的 ZIP 文件（不得已存在）")
    ] = None,
    query: Annotated[
        str | None, typer.Option("--query", help="导出该检索条件的全部结果（与检索结果一致）")
    ] = None,
    handover: Annotated[str | None, typer.Option("--handover", help="导出该移交批次的全部档案")] = None,
    as_user: AsOpt = None,
    data: DataOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """导出交换包（BagIt，RFC 8493）：每件档案的案卷包、DA/T 46 元数据（XML 与 JSON）、四性检测报告和账本证明。"""
    from dangan.services.share import export_records

    if out is None:
        err.print("[red]错误：[/red]请用 --out 指定交换包的输出路径（文件夹，或 .zip 文件）")
        raise typer.Exit(2)
    with archive_from(data) as archive:
        user = principal_from(archive, as_user)
        report = export_records(
            archive, user, out, record_ids=record_ids or None, query=query, handover=handover
        )

    def human() -> None:
        err.print(
            f"已导出交换包 {escape(str(report.out))}：{report.records} 件档案，"
            f"{report.files} 个文件，共 {report.bytes} 字节"
        )

    finish(report, json_out, human)
