"""完整性 (integrity), DA/T 70-2018 items 2-1 … 2-4."""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Any

from dangan.domain import USCC_REQUIRED_TYPES

from .context import CheckContext
from .model import Outcome, Property, Verdict
from .registry import item

INTEG = Property.INTEGRITY
_RECOMMENDED = {
    "doc_number": "文号",
    "district": "行政区划",
    "industry": "行业",
    "retention": "保管期限",
    "security_level": "密级",
}


def _declared_totals(ctx: CheckContext) -> dict[str, int]:
    """Totals announced for the package: the caller's (a handover form), else case.json's own."""
    if ctx.config.expected:
        return dict(ctx.config.expected)
    doc = ctx.package.document
    sources = [doc, doc.get("extra") if isinstance(doc.get("extra"), dict) else {}]
    out: dict[str, int] = {}
    for key, name in (("file_count", "files"), ("total_bytes", "bytes")):
        for src in sources:
            value = src.get(key) if isinstance(src, dict) else None
            if isinstance(value, int) and not isinstance(value, bool):
                out[name] = value
                break
    return out


@item("2-1", INTEG, "数据总量（件数、字节数）")
def totals(ctx: CheckContext) -> Outcome:
    """Counts and byte totals of the package match those announced (handover form or case.json)."""
    present = [f for f in ctx.files if ctx.exists(f)]
    actual = {"files": len(present), "bytes": sum(ctx.size(f) for f in present)}
    declared = _declared_totals(ctx)
    evidence: dict[str, Any] = {"actual": actual, "declared": declared}
    if not present:
        return Outcome(Verdict.FAIL, "案卷包中没有任何电子文件", evidence)
    wrong = [k for k, v in declared.items() if actual.get(k) != v]
    if wrong:
        labels = {"files": "件数", "bytes": "字节数"}
        detail = "；".join(f"{labels[k]}登记 {declared[k]}，实际 {actual[k]}" for k in wrong)
        return Outcome(Verdict.FAIL, f"数据总量与登记不符：{detail}", evidence)
    basis = "与登记一致" if declared else "（未登记总量，已记录本次统计）"
    return Outcome(Verdict.PASS, f"共 {actual['files']} 个文件、{actual['bytes']} 字节{basis}", evidence)


@item("2-2", INTEG, "元数据完整性（必填与推荐项）")
def metadata_complete(ctx: CheckContext) -> Outcome:
    """The required elements of case package v1 are present; missing recommended elements are warned."""
    meta = ctx.meta
    if meta is None:
        return Outcome(Verdict.FAIL, "case.json 缺少必填元数据或未通过校验", {})
    doc = ctx.package.document
    missing = [label for key, label in _RECOMMENDED.items() if doc.get(key) in (None, "")]
    matter = doc.get("matter")
    if not isinstance(matter, dict) or not matter.get("code"):
        missing.append("审批事项编码")
    a = meta.applicant
    if a.type in USCC_REQUIRED_TYPES and not a.uscc:
        missing.append("统一社会信用代码")
    evidence = {"missing_recommended": missing}
    if missing:
        return Outcome(Verdict.WARN, f"必填元数据齐全；缺少推荐元数据：{'、'.join(missing)}", evidence)
    return Outcome(Verdict.PASS, "必填和推荐元数据均齐全", evidence)


def _has_material(ctx: CheckContext, material: str) -> bool:
    for f in ctx.files:
        if not ctx.exists(f):
            continue
        if f.role == material or Path(f.path).stem == material:
            return True
    return False


@item("2-3", INTEG, "内容完整性（必备材料、空文件）")
def content_complete(ctx: CheckContext) -> Outcome:
    """No empty file, and every material the approval matter's rule requires is in the package."""
    empty = [f.path for f in ctx.files if ctx.exists(f) and ctx.size(f) == 0]
    meta = ctx.meta
    matter = meta.matter_name if meta else None
    rule = ctx.config.required_materials.get(matter) if matter else None
    evidence: dict[str, Any] = {"matter": matter, "required": list(rule or []), "empty": empty}
    if empty:
        return Outcome(Verdict.FAIL, f"文件内容为空：{'、'.join(empty)}", evidence)
    if rule is None:
        return Outcome(Verdict.NOT_APPLICABLE, f"审批事项“{matter or '未知'}”尚未配置必备材料规则", evidence)
    missing = [m for m in rule if not _has_material(ctx, m)]
    evidence["missing"] = missing
    if missing:
        return Outcome(Verdict.FAIL, f"缺少审批事项“{matter}”的必备材料：{'、'.join(missing)}", evidence)
    return Outcome(Verdict.PASS, f"审批事项“{matter}”的 {len(rule)} 项必备材料齐全", evidence)


@item("2-4", INTEG, "信息包完整性（清单与实物一致）")
def listing_complete(ctx: CheckContext) -> Outcome:
    """Every file listed in case.json is in the package, and nothing is in the package that is not listed."""
    listed = {f.path for f in ctx.files}
    missing = sorted(f.path for f in ctx.files if not ctx.exists(f))
    ignored = ctx.config.ignored_names
    unlisted, skipped = [], []
    for entry in ctx.listing:
        if entry.path in listed:
            continue
        if PurePosixPath(entry.path).name in ignored or entry.path.startswith("__MACOSX/"):
            skipped.append(entry.path)
        else:
            unlisted.append(entry.path)
    evidence = {"listed": len(listed), "missing": missing, "unlisted": unlisted, "ignored": skipped}
    problems = []
    if missing:
        problems.append(f"清单列出但缺失的文件：{'、'.join(missing)}")
    if unlisted:
        problems.append(f"案卷包中有清单未列出的文件：{'、'.join(unlisted[:20])}")
    if problems:
        return Outcome(Verdict.FAIL, "；".join(problems), evidence)
    return Outcome(Verdict.PASS, f"清单所列 {len(listed)} 个文件齐全，无清单外文件", evidence)
