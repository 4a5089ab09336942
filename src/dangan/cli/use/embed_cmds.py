"""`dangan embed`: sentence vectors for the records that have none yet (semantic search, 相似档案)."""

from __future__ import annotations

from typing import Annotated

import typer

from .._common import DataOpt, JsonOpt, archive_from, err, finish, progress_bar


def embed_cmd(
    limit: Annotated[int | None, typer.Option("--limit", min=1, help="本次最多处理的档案数")] = None,
    data: DataOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """为尚无语义向量（或内容已变）的档案生成语义向量，供语义检索和“相似档案”使用；可中断，再次执行时继续。"""
    from dangan.services.records import embed_pending

    with archive_from(data) as archive, progress_bar("语义向量") as bar:
        task = bar.add_task("生成向量", total=None, note="")

        def step(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        report = embed_pending(archive, limit=limit, progress=step)

    def human() -> None:
        err.print(f"生成语义向量 {report.embedded} 件，尚余 {report.pending} 件（模型 {report.model}）")

    finish(report, json_out, human)
