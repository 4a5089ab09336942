"""`dangan help`: the printable manual of a role and the administrator's guide, from the same Markdown
the app shows at /help (so a printed copy never says something the screen does not)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .._common import JsonOpt, emit_json, err

help_app = typer.Typer(help="用户手册与系统管理员手册", no_args_is_help=True)

RoleOpt = Annotated[
    str,
    typer.Option(
        "--role",
        help="角色：archivist、clerk、dept_head、reader、sysadmin、secadmin、auditor、public",
    ),
]
OutOpt = Annotated[Path, typer.Option("--out", help="输出文件")]


def _write(out: Path, data: bytes) -> None:
    """Written beside the target, then renamed: a reader never sees half a file."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_bytes(data)
    tmp.replace(out)


@help_app.command("pdf")
def help_pdf(role: RoleOpt, out: OutOpt, json_out: JsonOpt = False) -> None:
    """把某个角色的用户手册输出为 PDF 打印版。"""
    from dangan.web.help import ROLES, manual_pdf

    if role not in ROLES:
        err.print(f"[red]错误：[/red]未知角色“{role}”，可选：{'、'.join(ROLES)}")
        raise typer.Exit(2)
    data = manual_pdf(role)
    _write(out, data)
    if json_out:
        emit_json({"out": str(out), "role": role, "bytes": len(data)})
    else:
        err.print(f"已生成{ROLES[role]}用户手册：{out}（{len(data)} 字节）")


@help_app.command("guide")
def help_guide(out: OutOpt, json_out: JsonOpt = False) -> None:
    """输出系统管理员手册（Markdown，配置参考表由设置模型生成），如 docs/admin-guide.md。"""
    from dangan.web.help import admin_guide, load_manual

    text = admin_guide(load_manual().admin_guide)
    _write(out, text.encode("utf-8"))
    if json_out:
        emit_json({"out": str(out), "bytes": len(text.encode("utf-8"))})
    else:
        err.print(f"已生成系统管理员手册：{out}")
