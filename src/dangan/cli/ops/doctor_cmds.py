"""`dangan doctor`: the installation checked, each problem with its fix; exit 1 when any check fails."""

from __future__ import annotations

import typer

from .._common import DataOpt, JsonOpt, finish

NAMES = {"configuration": "配置", "keys": "密钥", "database": "目录数据库", "job_queue": "任务队列",
         "clamav": "病毒特征库", "fonts": "中文字体", "clock": "时钟", "disk": "磁盘空间",
         "signing_certificate": "出证签名证书", "seal_certificate": "电子印章"}  # fmt: skip


def _label(name: str) -> str:
    if name.startswith("storage:"):
        role = name.split(":", 1)[1]
        return "存储：主副本" if role == "primary" else f"存储：{role.replace('replica', '副本')}"
    return NAMES.get(name, name)


def doctor(data: DataOpt = None, json_out: JsonOpt = False) -> None:
    """检查本机安装：配置、密钥及其文件权限、目录数据库与迁移、每个存储位置（写入/读取/删除探测）、
    任务队列、病毒特征库、中文字体、时钟和磁盘空间；逐项说明问题和修复方法。全部正常退出码 0，否则 1。

    数据目录无法打开（例如数据库损坏）时也照常报告。
    """
    from rich.console import Console
    from rich.table import Table

    from dangan.services.oversight import diagnose

    report = diagnose(data)

    def human() -> None:
        table = Table(show_header=True, header_style="bold", show_lines=False)
        table.add_column("", width=1)
        table.add_column("检查项", no_wrap=True)
        table.add_column("结果与修复方法", overflow="fold")
        for check in report.checks:
            mark = "[green]✓[/green]" if check.ok else "[red]✗[/red]"
            table.add_row(mark, f"{_label(check.name)}（{check.name}）", check.message)
        out = Console()
        out.print(table)
        failed = sum(not c.ok for c in report.checks)
        out.print(
            "[green]全部检查通过[/green]" if not failed else f"[red]{failed} 项有问题[/red]，请按上表修复"
        )

    finish(report, json_out, human)
    if not report.ok:
        raise typer.Exit(1)
