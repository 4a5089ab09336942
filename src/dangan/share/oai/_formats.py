"""Metadata formats: `oai_dc` (required by the protocol) and `dat46`, the record described with the
element names of DA/T 46《文书类电子文件元数据方案》 in the schema shipped as `xsd/dat46.xsd`.

Both are written from a `Description` — the record's public values, free text already cleaned by the
caller — so no format can publish a field the other would hide. Personal data (ID numbers, phones,
addresses, natural persons' names) is not part of either format at all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from lxml import etree

from dangan.domain import district_by_code
from dangan.store.catalog import Record

OAI_DC_NS = "http://www.openarchives.org/OAI/2.0/oai_dc/"
DC_NS = "http://purl.org/dc/elements/1.1/"
DAT46_NS = "urn:x-dangan:dat46:1.0"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
OAI_DC_SCHEMA = "http://www.openarchives.org/OAI/2.0/oai_dc.xsd"
DAT46_SCHEMA_FILE = "dat46.xsd"  # served next to the endpoint: <baseURL>/dat46.xsd
RECORD_TYPE = "行政审批档案"


@dataclass(frozen=True)
class Description:
    """What the formats may publish about one record."""

    record_id: str
    archival_code: str
    title: str
    doc_number: str | None
    fonds_code: str
    fonds_name: str
    year: int
    retention: str
    item_no: int
    department: str
    org_code: str
    matter: str
    matter_code: str | None
    accepted_at: date
    decided_at: date
    result: str
    security_level: str
    district: str | None


def describe(record: Record, clean: Callable[[str, Record], str], fonds_name: str) -> Description:
    district = None
    if record.district:
        found = district_by_code(record.district)
        district = f"{record.district} {found.full_name}" if found is not None else record.district
    return Description(
        record_id=record.id,
        archival_code=record.archival_code,
        title=clean(record.title, record),
        doc_number=record.doc_number,
        fonds_code=record.fonds_code,
        fonds_name=fonds_name,
        year=record.year,
        retention=record.retention,
        item_no=record.item_no,
        department=record.department.name,
        org_code=record.department.org_code,
        matter=record.matter.name,
        matter_code=record.matter.code,
        accepted_at=record.accepted_at,
        decided_at=record.decided_at,
        result=clean(record.result, record),
        security_level=record.security_level,
        district=district,
    )


def _add(parent: etree._Element, ns: str, name: str, text: object | None) -> etree._Element | None:
    if text is None or text == "":
        return None
    child = etree.SubElement(parent, f"{{{ns}}}{name}")
    child.text = str(text)
    return child


def write_oai_dc(parent: etree._Element, d: Description, schema_base: str) -> None:
    root = etree.SubElement(
        parent, f"{{{OAI_DC_NS}}}dc", nsmap={"oai_dc": OAI_DC_NS, "dc": DC_NS, "xsi": XSI_NS}
    )
    root.set(f"{{{XSI_NS}}}schemaLocation", f"{OAI_DC_NS} {OAI_DC_SCHEMA}")
    _add(root, DC_NS, "title", d.title)
    _add(root, DC_NS, "creator", d.department)
    _add(root, DC_NS, "subject", d.matter)
    _add(root, DC_NS, "description", f"办理结果：{d.result}")
    _add(root, DC_NS, "publisher", d.fonds_name)
    _add(root, DC_NS, "date", d.decided_at.isoformat())
    _add(root, DC_NS, "type", RECORD_TYPE)
    _add(root, DC_NS, "identifier", d.record_id)
    _add(root, DC_NS, "identifier", d.archival_code)
    _add(root, DC_NS, "language", "zh-CN")
    _add(root, DC_NS, "coverage", d.district)
    _add(root, DC_NS, "rights", d.security_level)


def write_dat46(parent: etree._Element, d: Description, schema_base: str) -> None:
    """Elements in DA/T 46 order: 聚合层次, 来源, 电子文件号, 档号, 内容描述, 权限管理, 业务."""
    n = DAT46_NS
    root = etree.SubElement(parent, f"{{{n}}}电子文件", nsmap={"dat46": n, "xsi": XSI_NS})
    root.set(f"{{{XSI_NS}}}schemaLocation", f"{n} {schema_base}/{DAT46_SCHEMA_FILE}")
    _add(root, n, "聚合层次", "件")
    source = etree.SubElement(root, f"{{{n}}}来源")
    _add(source, n, "档案馆名称", d.fonds_name)
    _add(source, n, "全宗名称", d.fonds_name)
    _add(source, n, "立档单位名称", d.department)
    _add(root, n, "电子文件号", d.record_id)
    code = etree.SubElement(root, f"{{{n}}}档号")
    code.set("代码", d.archival_code)
    _add(code, n, "全宗号", d.fonds_code)
    _add(code, n, "年度", d.year)
    _add(code, n, "保管期限", d.retention)
    _add(code, n, "机构或问题", d.org_code)
    _add(code, n, "件号", d.item_no)
    content = etree.SubElement(root, f"{{{n}}}内容描述")
    _add(content, n, "题名", d.title)
    _add(content, n, "主题词", d.matter)
    _add(content, n, "文件编号", d.doc_number)
    _add(content, n, "责任者", d.department)
    _add(content, n, "日期", d.decided_at.isoformat())
    _add(content, n, "密级", d.security_level)
    _add(content, n, "摘要", f"办理结果：{d.result}")
    rights = etree.SubElement(root, f"{{{n}}}权限管理")
    _add(rights, n, "控制标识", "开放")
    business = etree.SubElement(root, f"{{{n}}}业务")
    _add(business, n, "业务状态", "办结")
    _add(business, n, "业务行为", d.matter)
    _add(business, n, "事项代码", d.matter_code)
    _add(business, n, "受理日期", d.accepted_at.isoformat())
    _add(business, n, "行为时间", d.decided_at.isoformat())
    _add(business, n, "行为描述", d.result)
    _add(business, n, "行政区划", d.district)


@dataclass(frozen=True)
class MetadataFormat:
    prefix: str
    namespace: str
    write: Callable[[etree._Element, Description, str], None]

    def schema(self, schema_base: str) -> str:
        return OAI_DC_SCHEMA if self.prefix == "oai_dc" else f"{schema_base}/{DAT46_SCHEMA_FILE}"


FORMATS: dict[str, MetadataFormat] = {
    "oai_dc": MetadataFormat("oai_dc", OAI_DC_NS, write_oai_dc),
    "dat46": MetadataFormat("dat46", DAT46_NS, write_dat46),
}
