"""真实性 (authenticity), DA/T 70-2018 items 1-1 … 1-5."""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from pathlib import Path
from typing import Any

from dangan.domain import district_by_code, id_number_problem, industry_by_code, uscc_problem

from .context import CheckContext
from .model import Outcome, Property, Verdict
from .ofd import OfdError
from .registry import item
from .signatures import ofd_trust_roots, verify_ofd_signatures, verify_pdf_signatures

A = Property.AUTHENTICITY
_DOC_NUMBER = re.compile(r"^\S+〔\d{4}〕\d+号$")
_BRACKETS = str.maketrans({c: "〔" for c in "〔【［[（(﹝"} | {c: "〕" for c in "〕】］]）)﹞"})
_SPACE = re.compile(r"\s+")
_SUFFIX_KINDS = {".pdf": "pdf", ".ofd": "ofd", ".jpg": "image", ".jpeg": "image", ".png": "image",
                 ".tif": "image", ".tiff": "image", ".gif": "image", ".jp2": "image"}  # fmt: skip


def _verdict(fail: bool, warn: bool) -> Verdict:
    return Verdict.FAIL if fail else Verdict.WARN if warn else Verdict.PASS


@item("1-1", A, "固化信息有效性（数字签名、电子签章）")
def signatures(ctx: CheckContext) -> Outcome:
    """PDF signatures are validated with pyHanko; OFD signatures (SES electronic seals, GB/T 35275 and
    bare SM2 signatures) are verified with SM2/SM3 after the digests of the parts they cover."""
    found: dict[str, list[dict[str, Any]]] = {}
    broken: list[str] = []
    unverified: list[str] = []
    untrusted: list[str] = []
    reasons: dict[str, str] = {}
    roots = ctx.config.trust_roots
    ofd_roots: tuple[list[Any], str | None] | None = None
    for f in ctx.files:
        kind = ctx.kind(f) if ctx.exists(f) else "missing"
        if kind == "pdf" and ctx.opened(f).signatures:
            try:
                sigs = verify_pdf_signatures(f.source, roots)
            except Exception as exc:  # pyHanko refuses some PDFs pdfium reads
                found[f.path] = [{"error": str(exc)}]
                unverified.append(f.path)
                continue
            found[f.path] = [s.as_json() for s in sigs]
            if any(not s.intact or not s.valid for s in sigs):
                broken.append(f.path)
            elif not all(s.trusted for s in sigs):
                untrusted.append(f.path)
        elif kind == "ofd":
            doc = ctx.ofd(f)
            if isinstance(doc, OfdError) or not (doc.signatures or doc.integrity_entries):
                continue
            if ofd_roots is None:
                ofd_roots = ofd_trust_roots(roots)
            entries = found[f.path] = verify_ofd_signatures(doc, ofd_roots[0])
            worst = next((e for v in ("不通过", "警告") for e in entries if e["verdict"] == v), None)
            if worst is not None:
                reasons[f.path] = worst["message"]
                if worst["verdict"] == "不通过":
                    broken.append(f.path)
                elif worst["status"] == "有效" and not worst["trusted"]:
                    untrusted.append(f.path)
                else:
                    unverified.append(f.path)
    if not found:
        return Outcome(Verdict.NOT_APPLICABLE, "文件未含数字签名或电子签章", {})
    evidence = {"signatures": found, "broken": broken, "unverified": unverified, "untrusted": untrusted,
                "reasons": reasons}  # fmt: skip
    if ofd_roots is not None and ofd_roots[1]:
        evidence["trust_roots_problem"] = ofd_roots[1]

    def named(paths: list[str]) -> str:
        return "、".join(f"{p}（{reasons[p]}）" if p in reasons else p for p in paths)

    if broken:
        return Outcome(Verdict.FAIL, f"签名后内容被改动或签名无效：{named(broken)}", evidence)
    if unverified or untrusted:
        parts = []
        if untrusted:
            parts.append(f"签名有效但证书不受信任：{'、'.join(untrusted)}")
        if unverified:
            parts.append(f"签名未能验证：{named(unverified)}")
        return Outcome(Verdict.WARN, "；".join(parts), evidence)
    return Outcome(Verdict.PASS, f"{len(found)} 个文件的数字签名有效且可信", evidence)


def _controls(value: Any) -> bool:
    return isinstance(value, str) and any(unicodedata.category(c) == "Cc" and c not in "\n\t" for c in value)


@item("1-2", A, "元数据准确性（格式、值域、合理性）")
def metadata_accuracy(ctx: CheckContext) -> Outcome:
    """Dates, USCC and ID check characters, GB/T 2260 district and GB/T 4754 industry codes, 文号 form,
    no control characters."""
    meta = ctx.meta
    if meta is None:
        return Outcome(Verdict.FAIL, "case.json 未通过校验，元数据不准确", {})
    errors: list[dict[str, str]] = []
    warnings: list[dict[str, str]] = []
    a = meta.applicant
    if a.uscc and (reason := uscc_problem(a.uscc)):
        errors.append({"field": "applicant.uscc", "message": reason})
    if a.id_number and (reason := id_number_problem(a.id_number)):
        errors.append({"field": "applicant.id_number", "message": reason})
    if meta.district and district_by_code(meta.district) is None:
        errors.append({"field": "district", "message": f"行政区划代码 {meta.district} 不在 GB/T 2260 中"})
    if meta.industry and industry_by_code(meta.industry) is None:
        errors.append({"field": "industry", "message": f"行业代码 {meta.industry} 不在 GB/T 4754 中"})
    if meta.decided_at < meta.accepted_at:
        errors.append({"field": "decided_at", "message": "办结日期早于受理日期"})
    if meta.decided_at > date.today():
        errors.append({"field": "decided_at", "message": f"办结日期 {meta.decided_at} 晚于今天"})
    if meta.accepted_at.year < 1949:
        errors.append({"field": "accepted_at", "message": f"受理日期 {meta.accepted_at} 不合理"})
    if meta.doc_number and not _DOC_NUMBER.match(meta.doc_number):
        warnings.append(
            {"field": "doc_number", "message": f"文号“{meta.doc_number}”不符合“机关代字〔年份〕序号号”格式"}
        )
    texts = [
        ("title", meta.title), ("department", meta.department), ("matter.name", meta.matter_name),
        ("matter.code", meta.matter_code), ("doc_number", meta.doc_number), ("result", meta.result),
        ("applicant.name", a.name), ("applicant.type", a.type),
        ("applicant.legal_representative", a.legal_representative), ("applicant.phone", a.phone),
        ("applicant.address", a.address),
        *((f"files[{i}].role", f.role) for i, f in enumerate(meta.files)),
    ]  # fmt: skip
    for key, value in texts:
        if _controls(value):
            errors.append({"field": key, "message": f"{key} 含有控制字符"})
    evidence = {"errors": errors, "warnings": warnings}
    if errors:
        return Outcome(Verdict.FAIL, "；".join(e["message"] for e in errors), evidence)
    if warnings:
        return Outcome(Verdict.WARN, "；".join(w["message"] for w in warnings), evidence)
    return Outcome(Verdict.PASS, "元数据格式、代码和日期均有效", evidence)


@item("1-3", A, "电子属性一致性（哈希值、大小、格式）")
def electronic_attributes(ctx: CheckContext) -> Outcome:
    """The SHA-256 and size given in case.json match the bytes; the file extension matches the content."""
    mismatched, size_wrong, kind_wrong, unhashed = [], [], [], []
    checked = 0
    for f in ctx.files:
        if not ctx.exists(f):
            continue
        if f.declared_sha256:
            checked += 1
            if ctx.sha256(f) != f.declared_sha256.lower():
                mismatched.append(f.path)
        else:
            unhashed.append(f.path)
        if f.declared_size is not None and f.declared_size != ctx.size(f):
            size_wrong.append(f.path)
        expected = _SUFFIX_KINDS.get(Path(f.path).suffix.lower())
        if expected and ctx.kind(f) != expected:
            kind_wrong.append(f.path)
    evidence = {"verified": checked, "hash_mismatch": mismatched, "size_mismatch": size_wrong,
                "extension_mismatch": kind_wrong, "no_hash": unhashed}  # fmt: skip
    problems = []
    if mismatched:
        problems.append(f"哈希值与文件内容不符：{'、'.join(mismatched)}")
    if size_wrong:
        problems.append(f"文件大小与登记不符：{'、'.join(size_wrong)}")
    if kind_wrong:
        problems.append(f"扩展名与文件实际格式不符：{'、'.join(kind_wrong)}")
    if problems:
        return Outcome(Verdict.FAIL, "；".join(problems), evidence)
    if unhashed:
        return Outcome(Verdict.WARN, f"未提供哈希值，无法核验来源内容：{'、'.join(unhashed)}", evidence)
    return Outcome(Verdict.PASS, f"{checked} 个文件的 SHA-256 与登记一致", evidence)


def _norm(text: str) -> str:
    return _SPACE.sub("", unicodedata.normalize("NFKC", text)).translate(_BRACKETS)


@item("1-4", A, "元数据与内容关联一致性（文号、申请人）")
def metadata_matches_content(ctx: CheckContext) -> Outcome:
    """The 文号 and applicant name of case.json occur in the text of the decision document (决定书)."""
    meta = ctx.meta
    if meta is None:
        return Outcome(Verdict.NOT_APPLICABLE, "元数据未通过校验，无法比对", {})
    decisions = [
        f for f in ctx.files if ctx.exists(f) and (f.role == "决定书" or "决定书" in Path(f.path).stem)
    ]
    if not decisions:
        return Outcome(Verdict.WARN, "案卷中没有决定书（role 为“决定书”的文件），无法比对元数据与内容", {})
    text = "".join(ctx.text(f) for f in decisions)
    paths = [f.path for f in decisions]
    if not text.strip():
        return Outcome(
            Verdict.WARN, "决定书没有文本层（可能为扫描件），暂无法比对文号和申请人", {"files": paths}
        )
    body = _norm(text)
    wanted = {"applicant.name": meta.applicant.name}
    if meta.doc_number:
        wanted["doc_number"] = meta.doc_number
    missing = {k: v for k, v in wanted.items() if _norm(v) not in body}
    evidence = {"files": paths, "compared": wanted, "missing": missing, "text_chars": len(text)}
    labels = {"applicant.name": "申请人", "doc_number": "文号"}
    if missing:
        what = "、".join(f"{labels[k]}“{v}”" for k, v in missing.items())
        return Outcome(Verdict.FAIL, f"决定书正文中未找到{what}", evidence)
    return Outcome(
        Verdict.PASS, "决定书正文与元数据中的" + "、".join(labels[k] for k in wanted) + "一致", evidence
    )


@item("1-5", A, "信息包真实性（结构规范）")
def package_structure(ctx: CheckContext) -> Outcome:
    """The package is a folder with case.json at its root and only regular files: no links, no devices."""
    links = [e.path for e in ctx.listing if e.symlink]
    special = [e.path for e in ctx.listing if not e.regular and not e.symlink]
    evidence = {"entries": len(ctx.listing), "symlinks": links, "special": special}
    if links or special:
        names = "、".join(links + special)
        return Outcome(Verdict.FAIL, f"案卷包中含有符号链接或特殊文件：{names}", evidence)
    return Outcome(Verdict.PASS, "案卷包结构规范：根目录有 case.json，其余均为普通文件", evidence)
