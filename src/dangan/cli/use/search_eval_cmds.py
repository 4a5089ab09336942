"""`dangan search-eval`: how good the ranking is on a judged query set, and what learning changes."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .._common import AsOpt, DataOpt, JsonOpt, archive_from, err, finish, principal_from, progress_bar


def search_eval(
    judged: Annotated[
        Path,
        typer.Argument(help='评测集：每行一个 JSON {"query": 检索式, "relevant": [档案ID/办件编号/档号]}'),
    ],
    as_user: AsOpt = None,
    simulate: Annotated[
        int, typer.Option("--simulate", min=0, max=100, help="每个检索式模拟多少次用户点击（之后再测一次）")
    ] = 0,
    data: DataOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """重放评测集，给出 nDCG@10 与结果集 F1；--simulate 时模拟点击后再测，显示排序学习前后的变化。"""
    from dangan.services.utilisation import evaluate, read_judged

    if not judged.is_file():
        err.print(f"[red]错误：[/red]评测集不存在：{judged}")
        raise typer.Exit(2)
    with archive_from(data) as archive, progress_bar("模拟点击") as bar:
        user = principal_from(archive, as_user)
        items = read_judged(archive, judged)
        task = bar.add_task("模拟用户点击", total=len(items) if simulate else 0, note="")
        report = evaluate(
            archive, user, items, simulate=simulate, progress=lambda n: bar.update(task, completed=n)
        )

    def human() -> None:
        b = report["before"]
        err.print(f"{b['queries']} 个检索式：nDCG@10 {b['ndcg@10']:.3f}，F1 {b['f1']:.3f}")
        if "after" in report:
            a = report["after"]
            err.print(
                f"模拟 {report['simulated_sessions']} 次检索的点击之后：nDCG@10 {a['ndcg@10']:.3f}，F1 {a['f1']:.3f}"
            )

    finish(report, json_out, human)
