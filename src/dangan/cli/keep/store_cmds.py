"""Preservation commands: fixity audit, backup, restore, master-key rotation, the signing certificate."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from .._common import DataOpt, JsonOpt, archive_from, err, finish, progress_bar

keys_app = typer.Typer(
    help="密钥管理：主密钥轮换；出证签名证书（本地 CA 或导入外部证书）；OFD 证明的电子印章；证书吊销",
    no_args_is_help=True,
)


def verify(
    repair: Annotated[bool, typer.Option("--repair", help="用完好的副本修复损坏或缺失的副本")] = False,
    mb_per_s: Annotated[
        float | None, typer.Option("--rate", help="限速（MB/s），与日常业务并行时使用")
    ] = None,
    limit: Annotated[
        int | None, typer.Option("--limit", help="本次最多检查的对象数（最久未检查的优先）")
    ] = None,
    data: DataOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """检查所有对象在每个存储位置的完整性（SHA-256），可选修复；并校验防篡改日志。"""
    from dangan.services.preservation import audit_fixity, ledger_summary, raise_alerts

    with archive_from(data) as archive, progress_bar("校验") as bar:
        task = bar.add_task("校验对象", total=None, note="")
        report = audit_fixity(archive, repair=repair, mb_per_s=mb_per_s, limit=limit,
                              on_object=lambda n, total: bar.update(task, completed=n, total=total))  # fmt: skip
        raise_alerts(archive, report, actor="cli")  # an object bad in every copy alerts the security officer
        ledger = ledger_summary(archive)
    doc = {**report.as_json(), "ledger": ledger}
    bad = (
        bool(report.unrecoverable)
        or (not repair and bool(report.damaged or report.missing))
        or not ledger["ok"]
    )

    def human() -> None:
        err.print(
            f"检查对象 {report.objects_checked} 个：损坏 {len(report.damaged)}，缺失 {len(report.missing)}，"
            f"已修复 {len(report.repaired)}，无法修复 {len(report.unrecoverable)}；日志 {'正常' if ledger['ok'] else '异常'}"
        )

    finish(doc, json_out, human)
    if bad:
        raise typer.Exit(1)


def backup_cmd(
    dest: Annotated[Path, typer.Argument(help="备份目录（须为空或不存在）")],
    keys_dest: Annotated[
        Path | None, typer.Option("--keys", help="主密钥备份目录（默认 DEST.keys，请与备份分开保管）")
    ] = None,
    data: DataOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """备份目录库、全部对象与日志（主密钥另存）。"""
    from dangan.core import DanganError
    from dangan.services.preservation import backup

    with archive_from(data) as archive, progress_bar("备份") as bar:
        task = bar.add_task("复制对象", total=None, note="")
        try:
            info = backup(archive, dest, keys_dest=keys_dest,
                          on_file=lambda n, total: bar.update(task, completed=n, total=total))  # fmt: skip
        except DanganError as exc:
            err.print(f"[red]错误：[/red]{exc.message}")
            raise typer.Exit(1) from None

    def human() -> None:
        err.print(
            f"已备份 {info.records} 件档案、{info.files} 个对象到 {dest}；主密钥备份在 {info.keys_dest}（请单独保管）"
        )

    finish(info, json_out, human)


def restore_cmd(
    src: Annotated[Path, typer.Argument(help="备份目录")],
    keys_src: Annotated[Path | None, typer.Option("--keys", help="主密钥备份目录（默认 SRC.keys）")] = None,
    data: DataOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """从备份恢复一个完整的数据目录（目标须为空）。"""
    from dangan.core import DanganError, load_settings
    from dangan.services.preservation import audit_fixity, restore

    settings = load_settings(data)
    try:
        doc = restore(
            settings.home,
            src,
            keys_src=keys_src,
            keys_dest=settings.master_key_path.parent,
            settings=settings,
        )
    except DanganError as exc:
        err.print(f"[red]错误：[/red]{exc.message}")
        raise typer.Exit(1) from None
    with archive_from(data) as archive:
        report = audit_fixity(archive)
    doc["verified_objects"] = report.objects_checked
    doc["ok"] = not (report.damaged or report.missing)

    def human() -> None:
        err.print(
            f"已恢复 {doc['records']} 件档案、{doc['objects']} 个对象，校验{'通过' if doc['ok'] else '未通过'}"
        )

    finish(doc, json_out, human)
    if not doc["ok"]:
        raise typer.Exit(1)


@keys_app.command("rotate")
def keys_rotate(data: DataOpt = None, json_out: JsonOpt = False) -> None:
    """轮换主密钥：重新包装所有数据密钥，不重写文件内容。旧密钥保留在 retired/ 中。"""
    from dangan.services.preservation import rotate_master_key

    with archive_from(data) as archive:
        doc = rotate_master_key(archive)

    def human() -> None:
        err.print(
            f"主密钥已由 {doc['old_key_id']} 轮换为 {doc['new_key_id']}，重新包装 {doc['rewrapped']} 个数据密钥。请立即备份新主密钥。"
        )

    finish(doc, json_out, human)


def _print_certificate(doc: dict[str, object], verb: str) -> None:
    cert = doc["certificate"]
    assert isinstance(cert, dict)
    err.print(f"[green]{verb}[/green] {cert['subject']}")
    typer.echo(f"颁发者 {cert['issuer']}\n有效期 {cert['not_before'][:10]} 至 {cert['not_after'][:10]}"
               f"（剩余 {cert['days_left']} 天）\nSHA-256 {cert['sha256']}\n密钥目录 {doc['keys_dir']}")  # fmt: skip
    if doc.get("previous"):
        typer.echo(f"原签名证书 {doc['previous']} 已保留，此前出具的证明仍可验证")


@keys_app.command("ca")
def keys_ca(
    algorithm: Annotated[
        str, typer.Option("--algorithm", help="签名算法：ecdsa-p256（默认）；sm2 暂不支持 PDF 签名")
    ] = "ecdsa-p256",
    days: Annotated[int, typer.Option("--days", help="签名证书有效期（天）")] = 730,
    new_root: Annotated[bool, typer.Option("--new-root", help="同时生成新的本地根证书")] = False,
    data: DataOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """由本地 CA 签发本馆的出证签名证书（主体为全宗名称与全宗号）；已有证书时即为轮换，旧证书保留。"""
    from dangan.services.certify import make_signing_ca

    with archive_from(data) as archive:
        doc = make_signing_ca(archive, algorithm=algorithm, days=days, new_root=new_root)
    finish(doc, json_out, lambda: _print_certificate(doc, "已生成签名证书"))


@keys_app.command("import-cert")
def keys_import_cert(
    cert: Annotated[Path, typer.Argument(help="外部 CA 签发的签名证书（PEM）")],
    key: Annotated[Path, typer.Option("--key", help="该证书的私钥（未加密的 PEM），将复制到 DATA/keys")],
    chain: Annotated[Path | None, typer.Option("--chain", help="中间证书与根证书（PEM）")] = None,
    data: DataOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """导入外部 CA 签发的签名证书：核对私钥与证书匹配、证书在有效期内且可用于签名。"""
    from dangan.services.certify import import_signing_certificate

    with archive_from(data) as archive:
        doc = import_signing_certificate(archive, cert, key, chain)
    finish(doc, json_out, lambda: _print_certificate(doc, "已导入签名证书"))


@keys_app.command("seal")
def keys_seal(
    days: Annotated[int, typer.Option("--days", help="电子印章与签章者证书的有效期（天）")] = 730,
    new_root: Annotated[bool, typer.Option("--new-root", help="同时生成新的电子印章根证书")] = False,
    data: DataOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """生成本馆的电子印章（SM2，GB/T 38540），用于 OFD 格式的档案证明；已有印章时即为轮换，旧印章保留。"""
    from dangan.services.certify import make_seal

    with archive_from(data) as archive:
        doc = make_seal(archive, days=days, new_root=new_root)

    def human() -> None:
        seal = doc["seal"]
        err.print(f"[green]已生成电子印章[/green] {seal['name']}（编码 {seal['es_id']}）")
        typer.echo(f"有效期 {seal['not_before'][:10]} 至 {seal['not_after'][:10]}\n"
                   f"签章者证书 SHA-256 {seal['certificate_sha256']}\n密钥目录 {doc['keys_dir']}")  # fmt: skip
        if doc.get("previous"):
            typer.echo(f"原电子印章 {doc['previous']} 已保留，此前出具的 OFD 证明仍可验证")

    finish(doc, json_out, human)


@keys_app.command("certs")
def keys_certs(data: DataOpt = None, json_out: JsonOpt = False) -> None:
    """列出本馆持有过的全部签名证书及其有效期（当前使用的标 *）。"""
    from dangan.services.certify import signing_certificates

    with archive_from(data) as archive:
        doc = signing_certificates(archive)

    def human() -> None:
        if not doc["certificates"]:
            err.print("尚无签名证书：首次出证时自动生成，或运行 dangan keys ca")
        for c in doc["certificates"]:
            mark = "*" if c["id"] == doc["current"] else " "
            typer.echo(
                f"{mark} {c['id']}  {c['not_after'][:10]} 到期（剩余 {c['days_left']} 天）  {c['subject']}"
                + _revoked_note(c)
            )
        for c in doc["seals"]:
            mark = "*" if c["id"] == doc["current_seal"] else " "
            typer.echo(
                f"{mark} {c['id']}  {c['not_after'][:10]} 到期  电子印章 {c['name']}" + _revoked_note(c)
            )

    finish(doc, json_out, human)


def _revoked_note(entry: dict[str, Any]) -> str:
    rev = entry.get("revoked")
    return f"  [已于 {rev['revoked_at'][:10]} 吊销：{rev['reason_label']}]" if rev else ""


@keys_app.command("revoke")
def keys_revoke(
    cert_id: Annotated[str, typer.Argument(help="证书编号或电子印章编号（见 dangan keys certs）")],
    reason: Annotated[
        str,
        typer.Option(
            "--reason",
            help="吊销原因：keyCompromise、superseded、cessationOfOperation、"
            "affiliationChanged、cACompromise、privilegeWithdrawn、unspecified（默认）",
        ),
    ] = "unspecified",
    data: DataOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """吊销签名证书或电子印章的签章者证书：写入本地根证书签发的吊销列表（CRL）并记入账本；此后核验该证书签署的证明时报告“已吊销”。"""
    from dangan.services.certify import revoke_certificate

    with archive_from(data) as archive:
        doc = revoke_certificate(archive, cert_id, reason)

    def human() -> None:
        rev = doc["revocation"]
        what = "电子印章" if doc["kind"] == "seal" else "签名证书"
        err.print(
            f"[green]已吊销{what}[/green] {doc['id']}（原因：{rev['reason_label']}，{rev['revoked_at']}）"
        )
        if doc["next_step"]:
            typer.echo(f"它是当前使用的{what}：运行 {doc['next_step']} 生成新的之前，不能再出具该格式的证明")

    finish(doc, json_out, human)


@keys_app.command("import-crl")
def keys_import_crl(
    file: Annotated[Path, typer.Argument(help="外部 CA 发布的吊销列表（CRL，PEM 或 DER）")],
    data: DataOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """导入外部 CA 的吊销列表：须由本馆已导入的证书链中的 CA 签署，否则拒绝且不写入任何文件。"""
    from dangan.services.certify import import_revocation_list

    with archive_from(data) as archive:
        doc = import_revocation_list(archive, file)

    def human() -> None:
        err.print(f"[green]已导入吊销列表[/green] 签发者 {doc['issuer']}，共 {doc['revoked']} 张被吊销的证书")
        for ident in doc["identities_revoked"]:
            typer.echo(f"本馆签名证书 {ident} 在其中：该证书签署的证明将被报告为已吊销")

    finish(doc, json_out, human)
