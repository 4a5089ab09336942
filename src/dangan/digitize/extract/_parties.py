"""The parties: applicant (name and type), legal representative, address, phone."""

from __future__ import annotations

import re

from dangan.domain import APPLICANT_TYPES, LANDLINE, MOBILE

from ._text import CJK, LABEL_CUT, Found, cell, labelled

_ORG = re.compile(
    r"(?:公司|厂|店|部|所|中心|社|院|馆|行|站|场|队|园|会|室|处|局|坊|铺|庄|楼|吧|厅|屋|院|校)$"
)
DEPT = re.compile(rf"[{CJK}]{{2,30}}?(?:局|委员会|厅|办公室|人民政府|管理委员会|中心)")
_PERSON = re.compile(rf"[{CJK}]{{2,4}}|[{CJK}]{{1,6}}·[{CJK}]{{1,8}}")
_NOT_NAME = ("身份", "证明", "签字", "签章", "盖章", "姓名", "职务", "性别", "本人", "同志")


def names(found: Found) -> None:
    text = found.view.text
    labels = (
        "申请人名称|申请人姓名|企业名称|单位名称|申请单位|申请人\\(签章\\)|申请人\\(签字\\)|(?<![{0}])名称"
        "|(?<![本该经向])申请人(?=[ \t:\n])"
    )
    for start, label in labelled(found.view, labels.format(CJK)):
        end, value = cell(text, start)
        value = value.rstrip("(")
        if len(value) < 2 or LABEL_CUT.fullmatch(value) or value in APPLICANT_TYPES:
            continue
        org = bool(_ORG.search(value)) or bool(_PERSON.fullmatch(value))
        conf = (0.9 if label.startswith(("申请人", "企业", "单位")) else 0.7) + (0.05 if org else -0.2)
        found.add("applicant", value, conf, start, start + len(value))
    # The addressee of a decision: "XX有限公司：" after the 文号 (or on its own line).
    addressee = re.compile(rf"(?:号|^)[ \t]*([{CJK}A-Za-z0-9()·]{{2,40}}?):", re.M)
    for m in addressee.finditer(text):
        name = m.group(1)
        if DEPT.fullmatch(name) or not (_ORG.search(name) or _PERSON.fullmatch(name)):
            continue
        if not re.search(r"决定书|通知书|告知书|号$", text[: m.start(1)][-40:]):
            continue
        found.add("applicant", name, 0.85, m.start(1), m.end(1))
    for start, _label in labelled(found.view, "申请人类型|主体类型"):
        end, value = cell(text, start)
        if value in APPLICANT_TYPES:
            found.add("applicant_type", value, 0.9, start, end)


def people(found: Found) -> None:
    text = found.view.text
    # Short labels only with a cell separator after them: 技术负责人资历不符 is a sentence, not a cell.
    labels = r"法定代表人\(负责人\)|法定代表人|主要负责人(?=[ \t:\n])|(?:负责人|经营者|投资人)(?=[ \t:\n])"
    for start, label in labelled(found.view, labels):
        _end, value = cell(text, start)
        m = _PERSON.match(value)
        if not m or any(w in m.group(0) for w in _NOT_NAME):
            continue
        exact = m.group(0) == value
        conf = (0.9 if label.startswith("法定") else 0.8) - (0.0 if exact else 0.25)
        found.add("legal_representative", m.group(0), conf, start, start + len(m.group(0)))


def addresses(found: Found) -> None:
    text = found.view.text
    labels = r"住所\(经营场所\)|经营场所|注册地址|经营地址|通讯地址|联系地址|住所|住址|地址"
    for start, label in labelled(found.view, labels):
        end, value = cell(text, start)
        if len(value) < 4 or not re.search(r"[省市区县镇乡村路街道巷号弄园楼座室]", value):
            continue
        conf = 0.9 if re.search(r"[路街道巷村]\S*?号|号院|号楼", value) else 0.7
        found.add("address", value, conf - (0.05 if len(label) == 2 else 0.0), start, end)


def phones(found: Found) -> None:
    text = found.view.text
    for start, _label in labelled(found.view, "联系电话|移动电话|手机号码|电话"):
        m = MOBILE.match(text, start) or LANDLINE.match(text, start)
        if m:
            found.add("phone", m.group(0), 0.9, m.start(), m.end())
