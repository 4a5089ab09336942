"""`dangan practice prepare`: build practice mode's template archive ahead of time.

Building it takes tens of seconds (it generates, checks and indexes ~200 demo cases); done at install
time, the first trainee enters practice mode at once instead of watching a progress page.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from .._common import DataOpt, JsonOpt, err, finish, progress_bar

if TYPE_CHECKING:
    from dangan.services.practice import TemplateStatus

practice_app = typer.Typer(help="练习模式", no_args_is_help=True)

CasesOpt = Annotated[
    int | None,
    typer.Option("--cases", min=1, max=5000, help="练习环境的演示案卷数（默认与网页进入练习模式时相同）"),
]


@practice_app.command("prepare")
def prepare(data: DataOpt = None, cases: CasesOpt = None, json_out: JsonOpt = False) -> None:
    """预先生成练习环境（练习模式所用的演示档案模板），使第一位学员进入练习模式时无需等待。

    已生成过则什么也不做（可重复运行）；生成失败退出码 1。
    """
    from dangan.core import DanganError, load_settings
    from dangan.services.practice import TEMPLATE_CASES, PracticeHub

    try:
        settings = load_settings(data)
    except DanganError as exc:
        err.print(f"[red]错误：[/red]{exc.message}")
        raise typer.Exit(2) from None
    hub = PracticeHub(settings, cases=cases or TEMPLATE_CASES)
    try:
        built = not hub.status().ready
        if built:
            with progress_bar("准备练习环境") as bar:
                task = bar.add_task("准备练习环境", total=hub.cases, note="")

                def show(status: TemplateStatus) -> None:
                    bar.update(task, completed=status.done, note=status.phase)

                status = hub.build_now(show)
        else:
            status = hub.status()
    finally:
        hub.close()
    result = {"ready": status.ready, "built": built and status.ready, "template": str(hub.template),
              "message": status.message}  # fmt: skip

    def human() -> None:
        if not status.ready:
            err.print(f"[red]错误：[/red]{status.message or '练习环境准备失败'}")
        elif built:
            err.print(f"练习环境已生成：{hub.template}")
        else:
            err.print(f"练习环境已就绪，无需重新生成：{hub.template}")

    finish(result, json_out, human)
    if not status.ready:
        raise typer.Exit(1)
