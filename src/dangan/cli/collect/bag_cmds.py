"""`dangan bag validate`: check a BagIt bag (RFC 8493) on its own, before anyone imports it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from .._common import DataOpt, JsonOpt, err, finish, progress_bar

bag_app = typer.Typer(help="BagIt 数据包（RFC 8493）", no_args_is_help=True)


@bag_app.command("validate")
def bag_validate(
    path: Annotated[Path, typer.Argument(help="BagIt 数据包文件夹，或其 ZIP")],
    fast: Annotated[
        bool, typer.Option("--fast", help="快速校验：只核对结构、文件齐全与 Payload-Oxum，不计算载荷校验值")
    ] = False,
    data: DataOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """校验 BagIt 数据包：有效时退出码为 0，无效时为 1。"""
    from dangan.core import load_settings
    from dangan.services.intake import check_bag

    settings = load_settings(data)
    with progress_bar("校验") as bar:
        task = bar.add_task("计算校验值", total=None, note="")
        done = [0]

        def advance(n: int) -> None:
            done[0] += n
            bar.update(task, note=f"{done[0] / 2**20:.1f} MB")

        report = check_bag(path, settings, fast=fast, on_progress=advance)

    def human() -> None:
        verdict = "[green]有效[/green]" if report.valid else "[red]无效[/red]"
        err.print(
            f"{verdict} {escape(str(path))}（BagIt {report.version or '?'}，{report.payload_files} 个载荷文件）"
        )
        for e in report.errors:
            err.print(f"  [red]错误[/red] {escape(f'[{e.code}] {e.message}')}")
        for w in report.warnings:
            err.print(f"  [yellow]警告[/yellow] {escape(f'[{w.code}] {w.message}')}")

    finish(report, json_out, human)
    if not report.valid:
        raise typer.Exit(1)
