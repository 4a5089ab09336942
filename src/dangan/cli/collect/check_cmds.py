"""`dangan check PATH`: 四性检测 of a package without importing it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .._common import DataOpt, JsonOpt, archive_from, err, finish, write_file_atomically

_COLOURS = {"通过": "green", "不通过": "red", "警告": "yellow", "不适用": "dim"}


def check(
    path: Annotated[Path, typer.Argument(help="案卷包：文件夹或 ZIP")],
    stage: Annotated[str, typer.Option("--stage", help="检测环节：归档、移交 或 长期保存")] = "归档",
    xlsx: Annotated[Path | None, typer.Option("--xlsx", help="同时把检测报告导出为 XLSX 文件")] = None,
    pdf: Annotated[Path | None, typer.Option("--pdf", help="同时把检测报告导出为可打印的 PDF 文件")] = None,
    data: DataOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """对案卷包做四性检测（DA/T 70-2018：真实性、完整性、可用性、安全性），不导入。"""
    from dangan.core import utcnow
    from dangan.services.quality import check_path, report_pdf, report_xlsx

    with archive_from(data) as archive:
        report = check_path(archive, path, stage)
    if xlsx is not None:
        write_file_atomically(xlsx, report_xlsx(report, str(path), utcnow()))
        err.print(f"检测报告已导出：{xlsx}")
    if pdf is not None:
        write_file_atomically(pdf, report_pdf(report, str(path), utcnow(), utcnow()))
        err.print(f"检测报告已导出：{pdf}")

    def human() -> None:
        for item in report.items:
            colour = _COLOURS.get(item.verdict.value, "white")
            mark = "（阻断）" if item.blocks else ""
            err.print(
                f"{item.code} [{item.property.value}] {item.name}：[{colour}]{item.verdict.value}[/{colour}]{mark}"
            )
            err.print(f"    {item.message}", markup=False)
        counts = "，".join(f"{k} {v}" for k, v in report.counts().items())
        err.print(f"{'检测通过' if report.passed else '[red]检测未通过[/red]'}（{counts}）")

    finish(report, json_out, human)
    if not report.passed:
        raise typer.Exit(1)
