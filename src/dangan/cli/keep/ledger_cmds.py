"""`dangan ledger …`: signed checkpoints, inclusion proofs, full verification, public keys."""

from __future__ import annotations

from typing import Annotated

import typer

from .._common import DataOpt, JsonOpt, archive_from, err, finish

ledger_app = typer.Typer(help="防篡改账本：检查点、包含证明、全面校验", no_args_is_help=True)


@ledger_app.command("checkpoint")
def checkpoint_cmd(data: DataOpt = None, json_out: JsonOpt = False) -> None:
    """签署当前树头（检查点），并导出到见证目录（如已设置 DANGAN_WITNESS_DIR）。"""
    from dangan.services.archive import make_checkpoint

    with archive_from(data) as archive:
        cp = make_checkpoint(archive)
        witness = archive.settings.witness_dir

    def human() -> None:
        err.print(
            f"检查点：大小 {cp.tree_size}，树根 {cp.root.hex()}，{cp.algorithm} 签名，时间 {cp.issued_at}"
        )
        if witness:
            err.print(f"已导出到见证目录：{witness}")

    finish(cp.as_json() | {"witness_dir": str(witness) if witness else None}, json_out, human)


@ledger_app.command("proof")
def proof_cmd(
    record_id: Annotated[str, typer.Argument(help="档案编号（record_id）")],
    data: DataOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """给出档案最新账本条目在最新检查点下的包含证明（RFC 9162）。"""
    from dangan.services.archive import ledger_proof

    with archive_from(data) as archive:
        proof = ledger_proof(archive, record_id)

    def human() -> None:
        err.print(f"档案 {record_id}：第 {proof['leaf_index']} 条，树大小 {proof['tree_size']}")
        typer.echo(f"leaf_hash {proof['leaf_hash']}\nroot      {proof['root']}")
        for h in proof["proof"]:
            typer.echo(f"  {h}")

    finish(proof, json_out, human)


@ledger_app.command("verify")
def verify_cmd(
    data: DataOpt = None,
    json_out: JsonOpt = False,
    no_objects: Annotated[
        bool, typer.Option("--no-objects", help="不重读存储对象的内容（只核对目录、事件与账本）")
    ] = False,
) -> None:
    """全面校验账本：条目、树、检查点签名与一致性、见证副本，以及目录、事件和文件与账本是否相符。"""
    from dangan.services.preservation import verify_ledger

    with archive_from(data) as archive:
        report = verify_ledger(archive, objects=not no_objects)
    doc = {
        "size": report.size,
        "root": report.root.hex(),
        "ok": report.ok,
        "problems": [p.as_json() for p in report.problems],
    }

    def human() -> None:
        err.print(f"账本 {report.size} 条，树根 {report.root.hex()}，检查点 {report.checkpoints} 个")
        for p in report.problems:
            err.print(f"[red]{p.kind}[/red] {p.where}：{p.message}")
        err.print(
            "[green]校验通过[/green]" if report.ok else f"[red]发现 {len(report.problems)} 个问题[/red]"
        )

    finish(doc, json_out, human)
    if not report.ok:
        raise typer.Exit(1)


@ledger_app.command("key")
def key_cmd(data: DataOpt = None, json_out: JsonOpt = False) -> None:
    """导出检查点签名公钥（供见证方与公众核验检查点）。"""
    from dangan.services.archive import ledger_public_keys

    with archive_from(data) as archive:
        keys = ledger_public_keys(archive)

    def human() -> None:
        for k in keys:
            typer.echo(f"{k['algorithm']}\t{k['key_id']}\t{k['public_key']}")

    finish({"keys": keys}, json_out, human)
