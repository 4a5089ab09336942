"""`dangan share rule list|set|retire|history`: the sharing catalogue (共享目录), kept by the archive
department; every change is a new version and a ledger event. A rule is named by its category: the
department, and optionally `--matter` and `--level`."""

from __future__ import annotations

from typing import Annotated

import typer

from .._common import AsOpt, DataOpt, JsonOpt, archive_from, err, finish, principal_from, run_as

share_app = typer.Typer(help="共享目录：各部门档案的共享类型与共享范围", no_args_is_help=True)
rule_app = typer.Typer(help="共享规则：查看、设置、停用及版本历史", no_args_is_help=True)
share_app.add_typer(rule_app, name="rule")

DeptArg = Annotated[str, typer.Argument(help="形成部门（与案卷中的部门名称一致）")]
MatterOpt = Annotated[str, typer.Option("--matter", help="审批事项名称；不填表示该部门全部事项")]
LevelOpt = Annotated[str, typer.Option("--level", help="密级（公开/内部/秘密/机密）；不填表示全部密级")]
ReasonOpt = Annotated[str, typer.Option("--reason", help="变更理由（记入版本历史和账本）")]
KINDS = {"free": "无条件共享", "conditional": "有条件共享", "none": "不予共享"}


def _kind(value: str) -> str:
    kind = KINDS.get(value.strip().lower(), value.strip())
    if kind not in KINDS.values():
        err.print(f"[red]错误：[/red]共享类型只能是 {'、'.join(KINDS.values())}（或 free/conditional/none）")
        raise typer.Exit(2)
    return kind


def _line(doc: dict[str, object]) -> str:
    scope = "全部部门" if doc["to_all"] else "、".join(map(str, doc["departments"])) or "—"  # type: ignore[call-overload]
    flags = ("（可下载）" if doc["download"] else "") + ("（已停用）" if doc["retired"] else "")
    return (
        f"{doc['department']} / {doc['matter'] or '全部事项'} / {doc['security_level'] or '全部密级'}  "
        f"{doc['kind']} → {scope}{flags}  第 {doc['version']} 版"
    )


@rule_app.command("list")
def rule_list(
    include_retired: Annotated[bool, typer.Option("--all", help="包括已停用的规则")] = False,
    limit: Annotated[int, typer.Option("--limit", min=1, max=500, help="最多列出条数")] = 200,
    offset: Annotated[int, typer.Option("--offset", min=0, help="跳过前若干条")] = 0,
    as_user: AsOpt = None,
    data: DataOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """列出共享目录中的规则（按部门、事项、密级排序）。"""
    from dangan.services.share import catalogue_revision, list_rules, rule_json

    with archive_from(data) as archive:
        user = principal_from(archive, as_user)
        found, total = list_rules(archive, user, include_retired=include_retired, offset=offset, limit=limit)
        rules, revision = [rule_json(r) for r in found], catalogue_revision(archive)
        doc = {"revision": revision, "total": total, "rules": rules}

    def human() -> None:
        for rule in rules:
            typer.echo(_line(rule))
        err.print(f"共 {total} 条规则（目录版本 {revision}）")

    finish(doc, json_out, human)


@rule_app.command("set")
def rule_set(
    department: DeptArg,
    kind: Annotated[str, typer.Option("--type", help="共享类型：无条件共享/有条件共享/不予共享")],
    reason: ReasonOpt = "",
    matter: MatterOpt = "",
    level: LevelOpt = "",
    to: Annotated[list[str] | None, typer.Option("--to", help="共享给该部门（可多次）")] = None,
    to_all: Annotated[bool, typer.Option("--to-all", help="共享给全部部门")] = False,
    download: Annotated[
        bool, typer.Option("--download", help="无条件共享时允许下载原件（默认仅查看）")
    ] = False,
    conditions: Annotated[str, typer.Option("--conditions", help="共享条件说明（有条件共享）")] = "",
    as_user: AsOpt = None,
    data: DataOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """新增或修改一个类别的共享规则（生成新版本）。"""
    from dangan.services.share import RuleForm, rule_json, set_rule

    form = RuleForm(
        department, _kind(kind), reason, matter, level, tuple(to or ()), to_all, download, conditions
    )
    doc = run_as(data, as_user, lambda archive, user: rule_json(set_rule(archive, user, form)))
    finish(doc, json_out, lambda: typer.echo(_line(doc)))


@rule_app.command("retire")
def rule_retire(
    department: DeptArg,
    reason: ReasonOpt = "",
    matter: MatterOpt = "",
    level: LevelOpt = "",
    as_user: AsOpt = None,
    data: DataOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """停用一个类别的共享规则（生成新版本；该类别改按更宽的规则或不予共享）。"""
    from dangan.services.share import find_rule, retire_rule, rule_json

    with archive_from(data) as archive:
        user = principal_from(archive, as_user)
        rule = find_rule(archive, user, department, matter, level)
        doc = rule_json(retire_rule(archive, user, rule.id, reason))
    finish(doc, json_out, lambda: typer.echo(_line(doc)))


@rule_app.command("history")
def rule_history_cmd(
    department: DeptArg,
    matter: MatterOpt = "",
    level: LevelOpt = "",
    as_user: AsOpt = None,
    data: DataOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """一个类别的共享规则的全部版本（新的在前）。"""
    from dangan.services.share import find_rule, rule_history, rule_json, version_json

    with archive_from(data) as archive:
        user = principal_from(archive, as_user)
        rule, versions = rule_history(archive, user, find_rule(archive, user, department, matter, level).id)
        rows = [version_json(v) for v in versions]
        doc = {"rule": rule_json(rule), "versions": rows}

    def human() -> None:
        for v in rows:
            state = "停用" if v["retired"] else v["kind"]
            typer.echo(
                f"第 {v['version']} 版  {v['changed_at']}  {v['changed_by']}  {state}  理由：{v['reason']}"
            )

    finish(doc, json_out, human)
