"""`dangan graph related|enterprise|rebuild|insight`: the knowledge graph as one user may see it, its
insight lists, and its rebuild."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from .._common import (
    AsOpt,
    DataOpt,
    JsonOpt,
    archive_from,
    err,
    finish,
    principal_from,
    progress_bar,
    write_file_atomically,
)

graph_app = typer.Typer(help="知识图谱：企业、人员、地址、许可证与审批档案之间的关联", no_args_is_help=True)


@graph_app.command("related")
def related_cmd(
    id_or_name: Annotated[
        str, typer.Argument(help="统一社会信用代码、档案号、图谱节点编号，或企业/人员/地址名称")
    ],
    as_user: AsOpt = None,
    hops: Annotated[int, typer.Option("--hops", min=1, max=2, help="关联跳数（1 或 2）")] = 1,
    data: DataOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """与某企业、人员或地址相关联的节点与关系（只含该用户有权查看的档案所支持的关系）。"""
    from dangan.services.graph import KIND_LABELS, related

    with archive_from(data) as archive:
        doc = related(archive, principal_from(archive, as_user, public=True), id_or_name, hops)

    def human() -> None:
        center = doc["center"]
        typer.echo(f"{KIND_LABELS[center['kind']]}：{center['label']}（{center['id']}）")
        labels = {n["id"]: n["label"] for n in doc["nodes"]}
        for e in doc["edges"]:
            typer.echo(f"  {labels[e['from']]} —{e['kind']}→ {labels[e['to']]}（{len(e['records'])} 件档案）")
        if doc["truncated"]:
            err.print("[yellow]关系过多，只显示了一部分[/yellow]")

    finish(doc, json_out, human)


@graph_app.command("enterprise")
def enterprise_cmd(
    uscc: Annotated[str, typer.Argument(help="统一社会信用代码（或企业的图谱节点编号、名称）")],
    as_user: AsOpt = None,
    data: DataOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """企业全景：各部门的审批、许可证及有效期、法定代表人与地址的变化、关联企业。"""
    from dangan.services.graph import enterprise_view

    with archive_from(data) as archive:
        doc = enterprise_view(archive, principal_from(archive, as_user, public=True), uscc)

    def human() -> None:
        ent = doc["enterprise"]
        typer.echo(f"{ent['label']}（{ent['id']}）")
        for flag in ent["flags"]:
            typer.echo(f"  ⚠ {flag['message']}")
        for a in doc["approvals"]:
            typer.echo(f"  {a['date']} {a['department']} {a['matter']} {a['result']}（{a['archival_code']}）")
        for lic in doc["licences"]:
            mark = "（已过期）" if lic["expired"] else "（即将到期）" if lic["expiring"] else ""
            typer.echo(f"  许可证 {lic['number']} 有效期至 {lic['valid_until'] or '未知'}{mark}")
        _history("法定代表人", doc["representatives"])
        _history("地址", doc["addresses"])
        for r in doc["related"]:
            via = "同一法定代表人" if r["via"] == "representative" else "同一地址"
            typer.echo(f"  关联：{r['label']}（{via}：{r['through']['label']}）")

    finish(doc, json_out, human)


def _history(title: str, periods: list[dict[str, Any]]) -> None:
    for p in periods:
        typer.echo(f"  {title}：{p['label']}（{p['from']} 至 {p['to']}）")


@graph_app.command("rebuild")
def rebuild_cmd(data: DataOpt = None, json_out: JsonOpt = False) -> None:
    """从目录数据库重建整个知识图谱（分批进行，可随时重跑）。"""
    from dangan.services.graph import rebuild_graph

    with archive_from(data) as archive, progress_bar("知识图谱") as bar:
        task = bar.add_task("重建", total=None, note="")

        def step(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        report = rebuild_graph(archive, progress=step)

    def human() -> None:
        err.print(f"已重建知识图谱：档案 {report.records} 件，节点 {report.nodes} 个，关系 {report.edges} 条")

    finish(report, json_out, human)


insight_app = typer.Typer(
    help="图谱洞察清单：即将到期的许可证、多家企业登记的地址、担任多家企业法定代表人的人员",
    no_args_is_help=True,
)
graph_app.add_typer(insight_app, name="insight")
DaysOpt = Annotated[int, typer.Option("--days", min=0, max=3650, help="未来多少天内到期（含当天与第 N 天）")]
MinOpt = Annotated[int, typer.Option("--min", min=2, help="至少涉及多少家企业")]
LimitOpt = Annotated[int, typer.Option("--limit", min=1, max=500, help="每页条数")]
PageOpt = Annotated[int, typer.Option("--page", min=1, help="页码")]
OutOpt = Annotated[Path | None, typer.Option("--out", help="把整个清单导出到文件（.csv 或 .xlsx）")]


@insight_app.command("expiring")
def insight_expiring_cmd(
    days: DaysOpt = 90,
    include_expired: Annotated[
        bool, typer.Option("--include-expired", help="同时列出已过期的许可证")
    ] = False,
    as_user: AsOpt = None, limit: LimitOpt = 50, page: PageOpt = 1, out: OutOpt = None,
    data: DataOpt = None, json_out: JsonOpt = False,
) -> None:  # fmt: skip
    """未来 N 天内到期的许可证，按办理部门分组（只含该用户有权查看的档案）。"""
    _insight("expiring", as_user, out, data, json_out, days=days, include_expired=include_expired,
             per_page=limit, page=page)  # fmt: skip


@insight_app.command("addresses")
def insight_addresses_cmd(
    min_count: MinOpt = 3, as_user: AsOpt = None, limit: LimitOpt = 50, page: PageOpt = 1,
    out: OutOpt = None, data: DataOpt = None, json_out: JsonOpt = False,
) -> None:  # fmt: skip
    """登记了多家企业的地址（可供检查人员参考），企业多者在前。"""
    _insight("addresses", as_user, out, data, json_out, min_count=min_count, per_page=limit, page=page)


@insight_app.command("people")
def insight_people_cmd(
    min_count: MinOpt = 3, as_user: AsOpt = None, limit: LimitOpt = 50, page: PageOpt = 1,
    out: OutOpt = None, data: DataOpt = None, json_out: JsonOpt = False,
) -> None:  # fmt: skip
    """担任多家企业法定代表人的人员，企业多者在前（按查看者的权限脱敏）。"""
    _insight("people", as_user, out, data, json_out, min_count=min_count, per_page=limit, page=page)


def _insight(
    which: str, as_user: str | None, out: Path | None, data: Path | None, json_out: bool, **params: Any
) -> None:
    """One list: a page on stdout (`{"rows": [...]}` and its paging with --json), the whole list to --out."""
    from dangan.services.graph import InsightQuery, export_insight, graph_insight, insight_table

    fmt = out.suffix.lower().lstrip(".") if out else None
    if out is not None and fmt not in ("csv", "xlsx"):
        err.print("[red]错误：[/red]--out 的文件名须以 .csv 或 .xlsx 结尾")
        raise typer.Exit(2)
    query = InsightQuery(**params)
    with archive_from(data) as archive:
        user = principal_from(archive, as_user, public=True)
        doc = graph_insight(archive, user, which, query)
        exported = export_insight(archive, user, which, query, fmt)[0] if out and fmt else None
    if out is not None and exported is not None:
        write_file_atomically(out, exported)
        err.print(f"已导出到 {out}")

    def human() -> None:
        err.print(f"{doc['title']}：共 {doc['total']} 条，第 {doc['page']}/{doc['pages']} 页")
        for group in doc.get("groups", []):
            err.print(f"  {group['department']}：{group['count']} 张")
        for line in insight_table(which, doc["rows"])[1:]:
            typer.echo("\t".join(line))

    finish(doc, json_out, human)
