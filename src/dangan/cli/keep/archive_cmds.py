"""Commands on the archive's content: init, import, search."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from .._common import AsOpt, DataOpt, JsonOpt, archive_from, err, finish, principal_from, progress_bar

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

        from dangan.services.share import import_exchange, is_exchange_bag

        bags = [p for p in paths if is_exchange_bag(p)]  # exchange packages (dangan export): checked whole
        report = import_paths(archive, [p for p in paths if p not in bags], on_start=started, on_done=done)
        for bag in bags:
            exchanged = import_exchange(archive, bag)
            for outcome in [*exchanged.accepted, *exchanged.duplicates, *exchanged.rejected]:
                report.add(outcome)
                done(outcome)

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
    query: Annotated[
        str, typer.Argument(help="检索词：关键词，或自然语言条件，如“2023年海港区的食品经营许可”")
    ],
    as_user: AsOpt = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=500, help="最多返回条数")] = 20,
    offset: Annotated[int, typer.Option("--offset", min=0, help="跳过前 N 条（分页）")] = 0,
    sort: Annotated[
        str, typer.Option("--sort", help="排序：relevance（相关度）或 date（办结日期，新→旧）")
    ] = "relevance",
    facets: Annotated[bool, typer.Option("--facets", help="同时给出按部门、事项、年度等的分面计数")] = False,
    data: DataOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """检索档案。未指定 --as 时按公众身份检索（只见开放档案）。"""
    from dangan.services.utilisation import FACETS, search

    with archive_from(data) as archive:
        user = principal_from(archive, as_user, public=True)
        result = search(archive, user, query, limit=limit, offset=offset, sort=sort, facets=facets)

    def human() -> None:
        chips = "；".join(f"{c['kind_label']}：{c['label']}" for c in result.parsed["chips"])
        words = "、".join(result.parsed["keywords"])
        err.print(
            f"共 {result.total} 条"
            + (f"（条件：{chips}）" if chips else "")
            + (f"（关键词：{words}）" if words else "")
        )
        if result.graph is not None:
            err.print(
                f"知识图谱：{len(result.graph['enterprises'])} / {result.graph['enterprise_count']} 家企业"
            )
            for ent in result.graph["enterprises"]:
                via = "、".join(v["label"] for v in ent["via"])
                err.print(f"  {ent['label']}（{ent['id']}）经由 {via}，{ent['records']} 件档案")
        for hit in result.hits:
            typer.echo(f"{hit.archival_code}\t{hit.decided_at}\t{hit.title}\t{hit.record_id}")
        if result.suggestions:
            err.print("您要找的是不是：" + "、".join(result.suggestions))
        elif not result.total and result.parsed["chips"]:
            err.print("没有符合这些条件的档案；可以去掉其中一个条件再查，或换一种说法。")
        for kind, rows in (result.facets or {}).items():
            if rows:
                err.print(f"{FACETS[kind]}：" + "，".join(f"{r['label']} {r['count']}" for r in rows[:10]))

    finish(result, json_out, human)


def reindex(
    rebuild: Annotated[bool, typer.Option("--rebuild", help="删除内置检索引擎的索引文件，全部重建")] = False,
    batch: Annotated[int, typer.Option("--batch", min=1, max=100_000, help="每批提交的档案数")] = 2000,
    data: DataOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """使内置检索引擎与档案目录一致：应用待处理的变更；--rebuild 则全部重建（期间检索由数据库全文索引应答）。"""
    from dangan.services.utilisation import reindex as run_reindex

    with archive_from(data) as archive, progress_bar("索引") as bar:
        task = bar.add_task("更新检索引擎", total=None, note="")
        report = run_reindex(
            archive, rebuild=rebuild, batch=batch, progress=lambda n: bar.update(task, completed=n)
        )

    def human() -> None:
        if not report["engine"]:
            err.print("当前配置不使用内置检索引擎（DANGAN_SEARCH_ENGINE 或 PostgreSQL 目录），无需重建")
            return
        err.print(
            f"已应用 {report['applied']} 项变更，索引中共 {report['documents']} 件，用时 {report['seconds']} 秒"
        )

    finish(report, json_out, human)
