"""A record's catalogue metadata as XML with the element names of DA/T 46-2009 (文书类电子文件元数据方案).

Another archive's system reads the standard's names, not ours: 聚合层次, 来源, 电子文件号, 档号 (全宗号,
年度, 保管期限, 机构或问题, 件号), 内容描述 (题名, 文件编号, 责任者, 日期, 密级 …), 形式特征,
权限管理, the 文件实体 of each file (计算机文件名, 计算机文件大小, 格式信息, 数字摘要), the 机构人员实体
of the applicant and the 业务实体 of the approval. What the standard has no element for (the approval's
source system and number, district and industry codes, personal data, `extra`) is kept under 扩展信息, so
nothing the JSON holds is missing from the XML. The JSON beside it stays what an import reads.
"""

from __future__ import annotations

import json
from typing import Any
from xml.etree import ElementTree as ET

NAMESPACE_NOTE = "DA/T 46-2009"
# (element, catalogue key) in the order the standard lists them: 内容描述, then what it has no element for
_CONTENT = (("题名", "title"), ("文件编号", "doc_number"), ("责任者", "department"), ("日期", "decided_at"),
            ("分类号", "category"), ("主题词", "matter"), ("密级", "security_level"))  # fmt: skip
_EXTENSION = (("来源系统", "source_system"), ("来源编号", "source_id"), ("行政区划代码", "district"),
              ("行业代码", "industry"), ("身份证件号码", "id_number"), ("联系电话", "phone"),
              ("地址", "address"), ("是否开放", "open_to_public"))  # fmt: skip


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


def _add(parent: ET.Element, name: str, value: Any = None, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, name, attrs)
    if value is not None:
        el.text = _clean(_text(value))
    return el


def _group(
    parent: ET.Element, name: str, cat: dict[str, Any], fields: tuple[tuple[str, str], ...]
) -> ET.Element:
    """One element whose children are catalogue values copied as they are, so the table is the mapping."""
    group = _add(parent, name)
    for element, key in fields:
        _add(group, element, cat[key])
    return group


def _clean(text: str) -> str:
    """XML 1.0 cannot hold most control characters: they are dropped (the JSON keeps the exact value)."""
    return "".join(c for c in text if c in "\t\n\r" or ord(c) >= 0x20)


def record_xml(meta: dict[str, Any]) -> bytes:
    """The XML document of one record from its exchange metadata (`metadata/<record>.json`)."""
    cat = meta["catalogue"]
    root = ET.Element("电子文件元数据", {"标准": NAMESPACE_NOTE, "版本": "1"})
    _add(root, "聚合层次", "件")
    source = _add(root, "来源")
    _add(source, "档案馆名称", meta["archive"]["name"])
    _add(source, "档案馆代码", meta["archive"]["id"])
    _add(source, "全宗名称", meta["archive"]["name"])
    _add(source, "立档单位名称", cat["department"])
    _add(root, "电子文件号", meta["record_id"])
    code = _add(root, "档号")
    _add(code, "完整档号", cat["archival_code"])
    _add(code, "全宗号", cat["fonds_code"])
    _add(code, "年度", cat["year"])
    _add(code, "保管期限", cat["retention"])
    _add(code, "机构或问题", meta.get("org_code"))
    _add(code, "件号", meta.get("item_no"))
    _group(root, "内容描述", cat, _CONTENT)
    form = _add(root, "形式特征")
    files = meta["files"]
    _add(form, "文件组合类型", "组合文件" if len(files) > 1 else "单件")
    _add(form, "件数", len(files))
    _add(form, "语种", "汉语")
    rights = _add(root, "权限管理")
    _add(rights, "控制标识", "开放" if cat["open_to_public"] else "控制")
    for f in files:
        entity = _add(root, "文件实体")
        _add(entity, "计算机文件名", f["path"])
        _add(entity, "计算机文件大小", f["size"], 单位="字节")
        _add(entity, "文件角色", f.get("role"))
        fmt = _add(entity, "格式信息")
        _add(fmt, "格式名称", f.get("format_name") or f.get("media_type"))
        _add(fmt, "格式版本", f.get("format_version"))
        _add(fmt, "格式标识", f.get("format_puid"), 体系="PRONOM")
        _add(entity, "数字摘要", f["sha256"], 算法="SHA-256")
        if f.get("sm3"):
            _add(entity, "数字摘要", f["sm3"], 算法="SM3")
    agent = _add(root, "机构人员实体")
    _add(agent, "机构人员类型", cat["applicant_type"] or "申请人")
    _add(agent, "机构人员名称", cat["applicant_name"])
    _add(agent, "组织机构代码", cat["applicant_uscc"])
    _add(agent, "法定代表人", cat["legal_representative"])
    business = _add(root, "业务实体")
    _add(business, "业务状态", "办结")
    _add(business, "业务行为", cat["matter"])
    _add(business, "行为时间", cat["accepted_at"], 含义="受理")
    _add(business, "行为时间", cat["decided_at"], 含义="办结")
    _add(business, "行为依据", cat["matter_code"])
    _add(business, "行为描述", cat["result"])
    extra = _group(root, "扩展信息", cat, _EXTENSION)
    _add(extra, "其他字段", json.dumps(cat["extra"] or {}, ensure_ascii=False, sort_keys=True), 格式="JSON")
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"
