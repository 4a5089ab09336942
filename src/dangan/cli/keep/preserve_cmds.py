"""`dangan preserve`: identify file formats (PRONOM) and make preservation copies by the policy."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from .._common import DataOpt, JsonOpt, archive_from, err, finish, progress_bar

if TYPE_CHECKING:
    from dangan.services.preservation import PreserveItem

_LABELS = {
    "normalised": "已生成保存副本",
    "conformant": "原件已符合 PDF/A",
    "kept": "格式可长期保存",
    "identified": "已识别格式",
    "failed": "转换失败",
    "unsupported": "格式需人工处理",
    "unidentified": "格式未能识别",
}


def preserve_cmd(
    limit: Annotated[int | None, typer.Option("--limit", min=1, help="本次最多处理的文件数")] = None,
    retry_failed: Annotated[bool, typer.Option("--retry-failed", help="重新尝试以前转换失败的文件")] = False,
    data: DataOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """识别电子文件格式（PRONOM），按长期保存策略生成保存副本（如 PDF → PDF/A-2b）；可重复执行。"""
    from dangan.services.preservation import preserve

    with archive_from(data) as archive, progress_bar("长期保存") as bar:
        task = bar.add_task("处理文件", total=None, note="")

        def step(item: PreserveItem, done: int, total: int) -> None:
            bar.update(task, completed=done, total=total, note=f"{item.path}：{_LABELS[item.outcome]}")

        summary = preserve(archive, limit=limit, retry_failed=retry_failed, actor="cli", progress=step)
    doc = summary.as_json()

    def human() -> None:
        err.print(
            f"处理文件 {doc['processed']} 个：生成保存副本 {doc['normalised']}，原件已符合 PDF/A {doc['conformant']}，"
            f"无需转换 {doc['kept']}，转换失败 {doc['failed']}，需人工处理 {doc['unsupported'] + doc['unidentified']}；"
            f"尚待处理 {doc['remaining']}"
        )
        for item in summary.items:
            if item.outcome in ("failed", "unsupported", "unidentified"):
                err.print(f"  - {item.path}（{item.record_id}）：{item.message or _LABELS[item.outcome]}")

    finish(doc, json_out, human)
    if summary.count("failed"):
        raise typer.Exit(1)
