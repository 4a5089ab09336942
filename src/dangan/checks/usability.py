"""可用性 (usability), DA/T 70-2018 items 3-1 … 3-4."""

from __future__ import annotations

import zipfile
from typing import Any

from .context import CheckContext
from .formats import OFD_PUID, ZIP_PUID, signature_release
from .model import Outcome, Property, Verdict
from .registry import item

U = Property.USABILITY
_ARCHIVE_MAGIC = {
    b"Rar!": "RAR",
    b"7z\xbc\xaf": "7z",
    b"\x1f\x8b": "gzip",
    b"BZh": "bzip2",
    b"\xfd7zXZ": "xz",
}
_STANDARD_ZIP_METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED}


@item("3-1", U, "元数据可用性（可被正常解析）")
def metadata_usable(ctx: CheckContext) -> Outcome:
    """case.json is UTF-8 JSON that validates against case package v1."""
    if ctx.meta is None:
        return Outcome(Verdict.FAIL, "case.json 无法按案卷包规范解析", {})
    return Outcome(
        Verdict.PASS, "case.json 可正常解析，符合案卷包 v1 规范", {"fields": len(ctx.package.document)}
    )


@item("3-2", U, "内容可读性（文件可正常打开）")
def content_opens(ctx: CheckContext) -> Outcome:
    """PDFs parse (pypdfium2), images decode (Pillow), OFDs open as zip + XML with every page."""
    broken: dict[str, str] = {}
    opened: dict[str, Any] = {}
    for f in ctx.files:
        if not ctx.exists(f):
            continue
        result = ctx.opened(f)
        if result.ok:
            opened[f.path] = {"kind": ctx.kind(f), "pages": result.pages}
        else:
            broken[f.path] = result.error or "无法打开"
    evidence = {"opened": opened, "broken": broken}
    if broken:
        detail = "；".join(f"{p}：{e}" for p, e in broken.items())
        return Outcome(Verdict.FAIL, f"文件无法正常打开：{detail}", evidence)
    return Outcome(Verdict.PASS, f"{len(opened)} 个文件均可正常打开", evidence)


@item("3-3", U, "格式合规性（PRONOM 识别、归档格式）")
def formats_accepted(ctx: CheckContext) -> Outcome:
    """Each file is identified with a PRONOM id (opf-fido signatures) and the format is on the accepted list."""
    accepted = ctx.config.accepted_formats
    ids: dict[str, Any] = {}
    refused, by_extension = [], []
    for f in ctx.files:
        if not ctx.exists(f):
            continue
        fmt = ctx.format(f)
        puid = fmt.puid
        entry = fmt.as_json()
        if puid == ZIP_PUID and ctx.kind(f) == "ofd" and ctx.opened(f).ok:
            puid = OFD_PUID
            entry.update(puid=OFD_PUID, name="OFD 版式文档（GB/T 33190）", pronom=ZIP_PUID)
        ids[f.path] = entry
        if puid is None or puid not in accepted:
            refused.append(f"{f.path}（{fmt.name or '未能识别'}{'，' + puid if puid else ''}）")
        elif fmt.method == "extension":
            by_extension.append(f.path)
    evidence = {"formats": ids, "signature_release": signature_release()}
    if refused:
        return Outcome(Verdict.FAIL, f"文件格式不在归档格式范围内：{'、'.join(refused)}", evidence)
    if by_extension:
        return Outcome(Verdict.WARN, f"仅能按扩展名识别格式：{'、'.join(by_extension)}", evidence)
    return Outcome(Verdict.PASS, f"{len(ids)} 个文件均已识别 PRONOM 格式并属于归档格式", evidence)


def _zip_problem(path: Any) -> str | None:
    try:
        with zipfile.ZipFile(path) as zf:
            for info in zf.infolist():
                if info.flag_bits & 0x1:
                    return "ZIP 容器内的条目已加密"
                if info.compress_type not in _STANDARD_ZIP_METHODS:
                    return f"ZIP 容器使用了非标准压缩方法（{info.compress_type}）"
    except (zipfile.BadZipFile, OSError) as exc:
        return f"ZIP 容器损坏：{exc}"
    return None


@item("3-4", U, "无加密与非标压缩")
def not_encrypted(ctx: CheckContext) -> Outcome:
    """No encrypted PDF, no password-protected or non-standard-compressed container, no archive inside."""
    found: dict[str, str] = {}
    for f in ctx.files:
        if not ctx.exists(f):
            continue
        kind = ctx.kind(f)
        head = ctx.head(f)
        if kind == "pdf" and ctx.opened(f).encrypted:
            found[f.path] = "PDF 已加密"
        elif kind in ("ofd", "zip"):
            problem = _zip_problem(f.source)
            if problem:
                found[f.path] = problem
            elif kind == "zip":
                found[f.path] = "案卷包内嵌压缩包，应解压后逐个归档"
        else:
            for magic, name in _ARCHIVE_MAGIC.items():
                if head.startswith(magic):
                    found[f.path] = f"{name} 压缩文件，应解压后逐个归档"
    evidence = {"problems": found}
    if found:
        return Outcome(Verdict.FAIL, "；".join(f"{p}：{why}" for p, why in found.items()), evidence)
    return Outcome(Verdict.PASS, "文件均未加密，无非标压缩", evidence)
