"""Commands on the archive's content: init, import, search."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ._common import AsOpt, DataOpt, JsonOpt, archive_from, err, finish, principal_from, progress_bar

if TYPE_CHECKING:
    from dangan.services.intake import IngestOutcome


def init(data: DataOpt = None) -> None:
    """初始化数据目录（创建目录数据库、对象存储）。"""
    with archive_from(data) as archive:
        err.print(f"已初始化数据目录：{archive.settings.home.resolve()}")


def import_(
    paths: Annotated[list[Path], typer.Argument(help="案卷包：文件夹、文件夹的文件夹或 ZIP")],
    data: DataOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """导入案卷包（case package v1），重复导入只保存一次。"""
    from dangan.services.intake import import_paths

    with archive_from(data) as archive, progress_bar("导入") as bar:
        task = bar.add_task("导入案卷包", total=None, note="")
        counts = {"accepted": 0, "duplicate": 0, "rejected": 0}

        def started(total: int) -> None:
            bar.update(task, total=total)

        def done(outcome: IngestOutcome) -> None:
            counts[outcome.status] += 1
            note = f"新增 {counts['accepted']} · 重复 {counts['duplicate']} · 拒收 {counts['rejected']}"
            bar.update(task, advance=1, note=note)

        report = import_paths(archive, paths, on_start=started, on_done=done)

    def human() -> None:
        err.print(
            f"新增 {len(report.accepted)} 件，重复 {len(report.duplicates)} 件，拒收 {len(report.rejected)} 件"
        )
        for o in report.rejected:
            err.print(f"[red]拒收[/red] {o.origin}")
            for p in o.problems:
                err.print(f"  - [{p.code}] {p.message}")

    finish(report, json_out, human)
    if report.rejected:
        raise typer.Exit(1)


def search_cmd(
    query: Annotated[str, typer.Argument(help="检索词")],
    as_user: AsOpt = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=500, help="最多返回条数")] = 20,
    data: DataOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """检索档案。未指定 --as 时按公众身份检索（只见开放档案）。"""
    from dangan.services.utilisation import search

    with archive_from(data) as archive:
        result = search(archive, principal_from(archive, as_user, public=True), query, limit=limit)

    def human() -> None:
        err.print(f"共 {result.total} 条（关键词：{'、'.join(result.parsed['keywords']) or '无'}）")
        for hit in result.hits:
            typer.echo(f"{hit.archival_code}\t{hit.title}\t{hit.record_id}")

    finish(result, json_out, human)
