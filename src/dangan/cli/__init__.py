"""The `dangan` command line (Typer). Commands are thin: parse, call a service, print."""

from __future__ import annotations

import typer

from .archive_cmds import import_, init, search_cmd
from .serve_cmds import demo, serve
from .user_cmds import user_app

app = typer.Typer(
    name="dangan",
    help="Dangan 档案 —— 行政审批电子档案系统",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command("init")(init)
app.command("import")(import_)
app.command("search")(search_cmd)
app.command("demo")(demo)
app.command("serve")(serve)
app.add_typer(user_app, name="user")


def main() -> None:
    app()


__all__ = ["app", "main"]
