"""`dangan certify`: issue a certified copy (出证) as PDF or sealed OFD, or check one offline with
`dangan certify verify FILE` (the format is told from the file itself).

One command with two forms rather than a group, so that ``dangan certify RECORD_ID`` reads as the
brief asks; record ids are 26-character ULIDs and can never be the word ``verify``.
"""

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
    write_file_atomically,
)


def certify(
    target: Annotated[str, typer.Argument(help="档案编号（record_id）；或写 verify 表示核验证明文件")],
    file: Annotated[Path | None, typer.Argument(help="（verify 时）要核验的档案证明 PDF 或 OFD")] = None,
    as_user: AsOpt = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="证明文件的保存路径（以 .ofd 结尾时出具 OFD）")
    ] = None,
    fmt: Annotated[
        str | None, typer.Option("--format", help="证明格式：pdf（默认，PAdES 签名）或 ofd（电子印章）")
    ] = None,
    purpose: Annotated[str, typer.Option("--purpose", help="用途，印在水印“仅供…使用”中")] = "核验",
    data: DataOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """出具档案证明：dangan certify RECORD_ID --as 用户 --out 文件.pdf（或 .ofd）；离线核验：dangan certify verify 文件。

    离线核验只需证明文件和数据目录 keys/ 中的公钥，不读目录数据库。
    """
    if target == "verify":
        _verify(file, data, json_out)
        return
    if file is not None:
        err.print("[red]错误：[/red]出证时只接受一个档案编号")
        raise typer.Exit(2)
    if not as_user or out is None:
        err.print("[red]错误：[/red]出证须指定 --as 用户 和 --out 文件")
        raise typer.Exit(2)
    kind = (fmt or ("ofd" if out.suffix.lower() == ".ofd" else "pdf")).lower()
    if kind not in ("pdf", "ofd"):
        err.print(f"[red]错误：[/red]未知的证明格式“{fmt}”，可选 pdf 或 ofd")
        raise typer.Exit(2)
    from dangan.services.certify import issue_certificate, issue_ofd_certificate

    issue = issue_ofd_certificate if kind == "ofd" else issue_certificate
    with archive_from(data) as archive:
        cert = issue(archive, principal_from(archive, as_user), target, purpose)
        if not archive.settings.public_url:
            err.print(f"[yellow]提示：[/yellow]未设置 DANGAN_PUBLIC_URL，核验网址为 {cert.verify_url}")
    write_file_atomically(out, cert.pdf)
    doc = {
        "certificate_id": cert.id,
        "record_id": cert.record_id,
        "pdf_sha256": cert.pdf_sha256,
        "leaf_index": cert.leaf_index,
        "verify_url": cert.verify_url,
        "out": str(out),
        "format": kind,
    }

    def human() -> None:
        err.print(f"[green]已出具档案证明[/green] {cert.id} → {out}")
        typer.echo(f"SHA-256 {cert.pdf_sha256}\n核验网址 {cert.verify_url}")

    finish(doc, json_out, human)


def _verify(file: Path | None, data: Path | None, json_out: bool) -> None:
    from dangan.core import DanganError, load_settings
    from dangan.services.certify import (
        archive_keys,
        is_ofd,
        ofd_roots,
        signing_crls,
        signing_roots,
        verify_certificate_file,
        verify_ofd_file,
    )

    if file is None:
        err.print("[red]错误：[/red]请给出要核验的证明文件：dangan certify verify 文件.pdf")
        raise typer.Exit(2)
    try:
        pdf = file.read_bytes()
    except OSError as exc:
        err.print(f"[red]错误：[/red]无法读取 {file}：{exc.strerror}")
        raise typer.Exit(2) from None
    settings = load_settings(data)
    try:  # a damaged revocation list is refused, never skipped: say so instead of judging without it
        if is_ofd(pdf):
            report = verify_ofd_file(pdf, archive_keys(settings.home), ofd_roots(settings))
        else:
            report = verify_certificate_file(pdf, archive_keys(settings.home), signing_roots(settings),
                                             signing_crls(settings))  # fmt: skip
    except DanganError as exc:
        err.print(f"[red]错误：[/red]{exc.message}")
        raise typer.Exit(1) from None
    if is_ofd(pdf):
        finish(report, json_out, lambda: _human_ofd(report))
        if not report["valid"]:
            raise typer.Exit(1)
        return

    def human() -> None:
        err.print(f"证明编号：{report.get('certificate_id', '—')}  SHA-256：{report['pdf_sha256']}")
        pades = report["pades"]
        if pades.get("present"):
            err.print(
                f"PDF 签名：{pades.get('signer_name') or pades['signer']}，签名时间 {pades['signing_time']}（{pades['level']}）"
            )
        for note in pades.get("notes", []):
            err.print(f"[yellow]注意[/yellow] {note}")
        for p in report["problems"]:
            err.print(f"[red]✗[/red] {p}")
        err.print(
            "[green]有效：证明未被改动，PDF 签名有效可信，且已登记在签名检查点下[/green]"
            if report["valid"]
            else "[red]无效[/red]"
        )

    finish(report, json_out, human)
    if not report["valid"]:
        raise typer.Exit(1)


def _human_ofd(report: dict[str, Any]) -> None:
    err.print(f"证明编号：{report.get('certificate_id', '—')}  SHA-256：{report['sha256']}（OFD）")
    seal = report["seal"]
    if seal.get("present"):
        trusted = "可信" if seal["trusted"] else "不可信"
        err.print(f"电子签章：{seal['status']}，{trusted}；印章 {seal['seal_name']}，签章者 {seal['signer']}，"
                  f"签章时间 {seal['signed_at']}")  # fmt: skip
    if report["proof_valid"]:
        err.print(f"账本证明：成立（第 {report['leaf_index']} 条，树大小 {report['tree_size']}）")
    for p in report["problems"]:
        err.print(f"[red]✗[/red] {p}")
    err.print(
        "[green]有效：证明未被改动，电子签章有效可信，且已登记在签名检查点下[/green]"
        if report["valid"]
        else "[red]无效[/red]"
    )
