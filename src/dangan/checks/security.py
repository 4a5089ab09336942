"""安全性 (security), DA/T 70-2018 items 4-1 … 4-3."""

from __future__ import annotations

import re

from dangan.domain import SecurityLevel

from .context import CheckContext
from .model import Outcome, Property, Verdict
from .registry import item
from .virus import scan_tree, scan_tree_clamd

S = Property.SECURITY
_EXECUTABLE = {b"MZ": "Windows 可执行文件", b"\x7fELF": "ELF 可执行文件", b"\xcf\xfa\xed\xfe": "Mach-O 可执行文件",
               b"#!": "脚本文件"}  # fmt: skip
_PDF_ACTIVE = re.compile(rb"/(JavaScript|JS|Launch|EmbeddedFile)\b")
MAX_ACTIVE_SCAN = 64 * 1024 * 1024


@item("4-1", S, "病毒检测（ClamAV）")
def virus_scan(ctx: CheckContext) -> Outcome:
    """Every file of the package is scanned by ClamAV: clamd (DANGAN_CLAMD_SOCKET) or clamscan
    (database from DANGAN_CLAMAV_DB)."""
    cfg = ctx.config
    if cfg.clamd_socket:
        result = scan_tree_clamd(ctx.package.root, cfg.clamd_socket)
        evidence = {**result.as_json(), "clamd": cfg.clamd_socket}
    else:
        result = scan_tree(ctx.package.root, cfg.clamav_db, cfg.clamscan)
        evidence = {**result.as_json(), "database": cfg.clamav_db or "clamscan 默认特征库"}
    if result.status == "infected":
        return Outcome(Verdict.FAIL, result.message, evidence)
    if result.status == "clean":
        return Outcome(Verdict.PASS, "ClamAV 扫描未发现病毒", evidence)
    # Whoever reads the report (a clerk, a reader) is told what it means for the package; the setting
    # to fix (a path, DANGAN_CLAMAV_DB) is for the administrator and stays in the evidence.
    return Outcome(
        Verdict.WARN, "未能完成病毒扫描：扫描程序或病毒特征库暂不可用，请联系系统管理员",
        {**evidence, "reason": result.message},
    )  # fmt: skip


@item("4-2", S, "可执行内容检测（程序、脚本、宏、PDF 动作）")
def active_content(ctx: CheckContext) -> Outcome:
    """No executable, script or macro container among the files; PDF JavaScript or launch actions warned."""
    executables: dict[str, str] = {}
    active: list[str] = []
    for f in ctx.files:
        if not ctx.exists(f):
            continue
        head = ctx.head(f)
        for magic, name in _EXECUTABLE.items():
            if head.startswith(magic):
                executables[f.path] = name
        if (
            ctx.kind(f) == "pdf"
            and ctx.size(f) <= MAX_ACTIVE_SCAN
            and _PDF_ACTIVE.search(f.source.read_bytes())
        ):
            active.append(f.path)
    evidence = {"executables": executables, "pdf_active_content": active}
    if executables:
        detail = "、".join(f"{p}（{n}）" for p, n in executables.items())
        return Outcome(Verdict.FAIL, f"案卷包中含有可执行内容：{detail}", evidence)
    if active:
        return Outcome(Verdict.WARN, f"PDF 含有脚本、启动动作或内嵌文件：{'、'.join(active)}", evidence)
    return Outcome(Verdict.PASS, "未发现可执行程序、脚本、宏或 PDF 动作", evidence)


@item("4-3", S, "密级与开放标识合规")
def markings(ctx: CheckContext) -> Outcome:
    """Only 公开 records may be open to the public; personal data in an open record is warned."""
    meta = ctx.meta
    if meta is None:
        return Outcome(Verdict.NOT_APPLICABLE, "元数据未通过校验，无法判断密级与开放标识", {})
    evidence = {"security_level": meta.security_level.label, "open_to_public": meta.open_to_public}
    if meta.open_to_public and meta.security_level is not SecurityLevel.PUBLIC:
        return Outcome(Verdict.FAIL, f"密级为“{meta.security_level.label}”的档案不能向社会开放", evidence)
    if meta.open_to_public and (meta.applicant.id_number or meta.applicant.phone):
        return Outcome(Verdict.WARN, "开放档案含有身份证号码或电话号码，开放利用时须脱敏", evidence)
    return Outcome(Verdict.PASS, f"密级“{meta.security_level.label}”与开放标识一致", evidence)
