"""Account commands."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from dangan.access import ROLE_CODES
from dangan.services import add_user

from ._common import DataOpt, JsonOpt, archive_from, emit_json, err

user_app = typer.Typer(help="用户管理", no_args_is_help=True)


@user_app.command("add")
def user_add(
    name: Annotated[str, typer.Argument(help="用户名")],
    role: Annotated[str, typer.Option("--role", help=f"角色：{', '.join(ROLE_CODES)}")],
    department: Annotated[
        str | None, typer.Option("--department", help="所属部门（与案卷包中的部门名称一致）")
    ] = None,
    clearance: Annotated[str, typer.Option("--clearance", help="可阅密级：公开、内部、秘密、机密")] = "内部",
    display_name: Annotated[str | None, typer.Option("--display-name", help="显示名称")] = None,
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="从标准输入读取密码")] = False,
    data: DataOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """新增用户。密码只能从标准输入读取，不会出现在命令行历史中。"""
    if not password_stdin:
        err.print("[red]错误：[/red]请使用 --password-stdin 从标准输入提供密码")
        raise typer.Exit(2)
    password = sys.stdin.readline().rstrip("\r\n")
    with archive_from(data) as archive:
        p = add_user(archive, name, password, role, department=department, clearance=clearance,
                     display_name=display_name)  # fmt: skip
    doc = {
        "username": p.username,
        "role": p.role.code,
        "department": p.department,
        "clearance": p.clearance.label,
    }
    if json_out:
        emit_json(doc)
    else:
        err.print(f"已创建用户 {p.username}（{p.role.label}）")
