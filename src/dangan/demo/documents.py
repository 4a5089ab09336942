"""The files of a demo case: 申请书, 决定书 and supporting materials as PDFs or scanned pages.

Texts are read from the case.json fields (so a factory override of, say, the applicant's name shows
in the documents too), with `CaseFacts` for what case.json does not carry.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from dangan.demo._calendar import cn_date
from dangan.demo._industries import INDUSTRIES
from dangan.demo.model import CaseFacts
from dangan.demo.pdfs import Sheet
from dangan.demo.scans import render_scan

SCANNABLE = ("营业执照", "法定代表人身份证明", "身份证明")

_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_UNITS = {0: "", 1: "拾", 2: "佰", 3: "仟"}
_TITLES = {
    "准予许可": "准予行政许可决定书",
    "准予变更": "准予变更行政许可决定书",
    "准予延续": "准予延续行政许可决定书",
    "不予许可": "不予行政许可决定书",
}
_ARTICLES = {
    "准予许可": "第三十八条第一款",
    "准予变更": "第四十九条",
    "准予延续": "第五十条",
    "不予许可": "第三十八条第二款",
}
_KIND_OF_REQUEST = {"准予变更": "变更", "准予延续": "延续"}
_MATERIAL_NOTES = {
    "场所证明": "经营场所产权清晰，用途与申请事项相符，租赁期限覆盖许可有效期。",
    "食品安全管理制度": "包括从业人员健康管理、进货查验记录、食品安全自查、食品召回等制度。",
    "设备布局图": "加工操作区、清洗消毒区、库房布局合理，生进熟出，符合单向流程要求。",
    "质量管理文件": "包括质量管理职责、采购验收、储存养护、销售及售后服务等质量管理制度。",
    "安全生产管理制度": "包括安全生产责任制、驾驶员和车辆安全管理、隐患排查治理及应急救援预案。",
    "卫生检测报告": "经检测，空气质量、微小气候、公共用品用具各项指标均符合国家卫生标准。",
    "环境影响报告表": "项目在落实报告表提出的各项污染防治措施后，污染物能够达标排放，从环境保护角度可行。",
    "驾驶员从业资格证": "驾驶员均持有有效的道路运输从业资格证，近三年内无重大以上交通责任事故。",
}


def capital_text(wan: int | None) -> str:
    """注册资本 in financial numerals: 500 -> 伍佰万元整."""
    if not wan:
        return ""
    digits = str(wan).rstrip("0")
    zeros = len(str(wan)) - len(digits)
    if len(digits) == 1 and zeros in _UNITS:
        return f"{_DIGITS[int(digits)]}{_UNITS[zeros]}万元整"
    return f"{wan}万元"


def _applicant(case: dict[str, Any], facts: CaseFacts) -> dict[str, Any]:
    a = case.get("applicant")
    return a if isinstance(a, dict) else facts.applicant.as_case_dict()


def _when(case: dict[str, Any], key: str) -> date:
    try:
        return date.fromisoformat(str(case.get(key)))
    except ValueError:
        return date(2019, 1, 2)


def _matter_name(case: dict[str, Any], facts: CaseFacts) -> str:
    m = case.get("matter")
    return str(m.get("name")) if isinstance(m, dict) and m.get("name") else facts.matter.name


def _company_type(name: str, kind: str) -> str:
    if kind == "个体工商户":
        return "个体工商户"
    if "股份" in name:
        return "股份有限公司（非上市、自然人投资或控股）"
    return "有限责任公司（自然人投资或控股）"


def licence_rows(case: dict[str, Any], facts: CaseFacts) -> list[tuple[str, str]]:
    a, ap = _applicant(case, facts), facts.applicant
    rep = "经营者" if a.get("type") == "个体工商户" else "法定代表人"
    rows = [
        ("统一社会信用代码", str(a.get("uscc", ""))),
        ("名称", str(a.get("name", ""))),
        ("类型", _company_type(str(a.get("name", "")), str(a.get("type", "")))),
        (rep, str(a.get("legal_representative", ap.person.name))),
        ("经营范围", INDUSTRIES[ap.industry].scope if ap.industry in INDUSTRIES else ""),
    ]
    if ap.capital:
        rows.append(("注册资本", capital_text(ap.capital)))
    if ap.established:
        rows.append(("成立日期", f"{ap.established:%Y年%m月%d日}"))
    rows.append(("住所" if rep == "法定代表人" else "经营场所", str(a.get("address", ""))))
    return rows


def render_application(case: dict[str, Any], facts: CaseFacts) -> bytes:
    a, matter, dept = _applicant(case, facts), _matter_name(case, facts), facts.department
    accepted = _when(case, "accepted_at")
    sheet = Sheet(f"{matter}申请书", str(a.get("name", "")), matter, when=accepted)
    sheet.centred(f"{matter}申请书", 20, after=18)
    sheet.line(f"{dept.name}：", 12, after=10)
    person = a.get("type") == "个人"
    industry = INDUSTRIES.get(str(case.get("industry", "")))
    rows = [
        ("申请人名称" if not person else "申请人姓名", str(a.get("name", ""))),
        ("申请人类型", str(a.get("type", ""))),
    ]
    if not person:
        rows += [
            ("统一社会信用代码", str(a.get("uscc", ""))),
            ("法定代表人（负责人）", str(a.get("legal_representative", ""))),
        ]
    rows += [
        ("身份证件号码", str(a.get("id_number", ""))),
        ("联系电话", str(a.get("phone", ""))),
        ("住所（经营场所）" if not person else "住址", str(a.get("address", ""))),
        ("所属行业", f"{industry.name}（{industry.code}）" if industry else ""),
        ("申请事项", matter),
        ("申请类型", _KIND_OF_REQUEST.get(str(case.get("result")), "新办")),
        (
            "申请内容",
            facts.change if case.get("result") == "准予变更" else (industry.scope if industry else matter),
        ),
    ]
    sheet.rows(rows)
    sheet.para(
        f"本申请人依据{facts.matter.basis}的规定，向你单位提出{matter}申请，并对所提交材料的真实性、合法性、"
        "有效性负责。如有不实，愿承担相应的法律责任。"
    )
    sheet.gap(24)
    sheet.right(f"申请人（签章）：{a.get('name', '')}")
    sheet.right(f"申请日期：{cn_date(accepted)}")
    return sheet.finish()


def render_decision(case: dict[str, Any], facts: CaseFacts) -> bytes:
    a, matter, dept = _applicant(case, facts), _matter_name(case, facts), facts.department
    result = str(case.get("result", "准予许可"))
    accepted, decided = _when(case, "accepted_at"), _when(case, "decided_at")
    doc_number = str(case.get("doc_number", ""))
    title = _TITLES.get(result, "行政许可决定书")
    sheet = Sheet(f"{title} {doc_number}", dept.name, str(case.get("title", matter)), when=decided)
    sheet.centred(dept.name, 22, red=True, after=10)
    sheet.centred(title, 18, after=10)
    sheet.centred(doc_number, 12, after=18)
    you = "你" if a.get("type") == "个人" else "你单位"
    sheet.line(f"{a.get('name', '')}：", 12, after=8)
    opening = (
        f"{you}于{cn_date(accepted)}提出的{matter}申请（受理编号：{facts.accept_no}），本机关已依法受理。"
    )
    law = f"根据《中华人民共和国行政许可法》{_ARTICLES.get(result, '第三十八条')}的规定，"
    if result == "不予许可":
        body = f"经审查，{facts.refusal}，不符合{facts.matter.basis}的有关规定。{law}{facts.matter.result_text(result)}"
    elif result == "准予变更":
        body = f"{you}申请变更{facts.change}，经审查，符合{facts.matter.basis}的有关规定。{law}{facts.matter.result_text(result)}"
    elif result == "准予延续":
        body = f"{you}在有效期届满前提出延续申请，经审查，符合{facts.matter.basis}的有关规定。{law}{facts.matter.result_text(result)}"
    else:
        body = (
            f"经审查，{you}提交的申请材料齐全、符合法定形式，符合{facts.matter.basis}规定的条件。"
            f"{law}{facts.matter.result_text(result)}"
        )
    sheet.para(opening + body)
    if result == "不予许可":
        sheet.para(
            "如不服本决定，可以自收到本决定书之日起六十日内向秦皇岛市人民政府申请行政复议，"
            "或者自收到本决定书之日起六个月内依法向人民法院提起行政诉讼。"
        )
    rows = [("申请人", str(a.get("name", "")))]
    if a.get("uscc"):
        rows.append(("统一社会信用代码", str(a["uscc"])))
    rows += [("审批事项", matter), ("审批结果", result)]
    if facts.licence_no and result != "不予许可":
        until = date(decided.year + 5, decided.month, min(decided.day, 28)) - timedelta(days=1)
        rows += [("许可证编号", facts.licence_no), ("有效期至", cn_date(until))]
    rows += list(facts.notes.items())
    rows.append(("决定日期", cn_date(decided)))
    sheet.gap(4)
    sheet.rows(rows, 11, label_width=110)
    sheet.gap(30)
    sheet.right(dept.name, 12)
    sheet.right(cn_date(decided), 12)
    sheet.seal(dept.name)
    return sheet.finish()


def _material_content(
    role: str, case: dict[str, Any], facts: CaseFacts, rng: random.Random
) -> tuple[str, list[tuple[str, str]], list[str]]:
    """Title, grid rows and paragraphs of a supporting material."""
    a, ap, matter = _applicant(case, facts), facts.applicant, _matter_name(case, facts)
    name = str(a.get("name", ""))
    if role == "营业执照":
        return "营业执照（副本）", licence_rows(case, facts), ["（复印件，与原件核对一致）"]
    if role == "法定代表人身份证明":
        p = ap.person
        post = rng.choice(("执行董事兼总经理", "董事长", "执行董事", "总经理"))
        if a.get("type") == "个体工商户":
            post = "经营者"
        text = (
            f"兹证明{a.get('legal_representative', p.name)}（性别：{p.sex}，身份证件号码：{a.get('id_number', p.id_number)}）"
            f"在我单位任{post}职务，系{name}的法定代表人（负责人）。特此证明。"
        )
        rows = [
            ("单位名称", name),
            ("统一社会信用代码", str(a.get("uscc", ""))),
            ("联系电话", str(a.get("phone", ""))),
        ]
        return "法定代表人身份证明书", rows, [text]
    if role == "身份证明":
        p = ap.person
        rows = [
            ("姓名", str(a.get("name", p.name))),
            ("性别", p.sex),
            ("出生", f"{p.birth.year}年{p.birth.month}月{p.birth.day}日"),
            ("住址", str(a.get("address", ""))),
            ("公民身份号码", str(a.get("id_number", p.id_number))),
        ]
        return "居民身份证复印件", rows, ["本复印件仅供办理" + matter + "使用，再复印无效。"]
    if role == "场所证明":
        months = rng.choice((36, 60, 60, 120))
        rows = [
            (
                "出租方",
                rng.choice(("秦皇岛市", ""))
                + rng.choice(("张", "李", "王", "刘", "赵"))
                + rng.choice(("淑芬", "建国", "国庆", "玉兰", "志刚")),
            ),
            ("承租方", name),
            ("房屋坐落", str(a.get("address", ""))),
            ("建筑面积", f"{rng.randint(40, 1200)}平方米"),
            ("租赁期限", f"{months // 12}年"),
            ("用途", "经营" if a.get("type") != "个人" else "诊疗"),
        ]
        return "房屋租赁合同（摘要）", rows, [_MATERIAL_NOTES["场所证明"]]
    rows = [("申请人", name)]
    if a.get("uscc"):
        rows.append(("统一社会信用代码", str(a["uscc"])))
    rows += [("审批事项", matter), ("材料名称", role), ("页数", f"{rng.randint(1, 12)}页")]
    note = _MATERIAL_NOTES.get(role, f"本材料为{name}申请{matter}时提交的{role}，已与原件核对一致。")
    return role, rows, [note]


def render_material(role: str, case: dict[str, Any], facts: CaseFacts, rng: random.Random) -> bytes:
    title, rows, paragraphs = _material_content(role, case, facts, rng)
    a = _applicant(case, facts)
    accepted = _when(case, "accepted_at")
    sheet = Sheet(title, str(a.get("name", "")), role, when=accepted)
    sheet.centred(title, 18, after=16)
    sheet.rows(rows)
    for text in paragraphs:
        sheet.para(text)
    sheet.gap(20)
    sheet.right(f"提交单位（人）：{a.get('name', '')}")
    sheet.right(cn_date(accepted))
    return sheet.finish()


def render_scanned_material(
    role: str, case: dict[str, Any], facts: CaseFacts, rng: random.Random, fmt: str
) -> bytes:
    title, rows, paragraphs = _material_content(role, case, facts, rng)
    a = _applicant(case, facts)
    if role == "营业执照":
        issuer, day = facts.applicant.registrar or "秦皇岛市市场监督管理局", facts.applicant.established
        title = "营业执照"
    elif role == "身份证明":
        issuer, day = "", None
    else:
        issuer, day = str(a.get("name", "")), _when(case, "accepted_at")
    return render_scan(
        title, rows, paragraphs, issuer=issuer, date_line=cn_date(day or _when(case, "accepted_at")),
        rng=rng, fmt=fmt, frame=role == "营业执照",
    )  # fmt: skip
