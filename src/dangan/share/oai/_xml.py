"""The OAI-PMH response envelope (protocol §3.2) and record headers, written with lxml."""

from __future__ import annotations

from datetime import UTC, datetime

from lxml import etree

OAI_NS = "http://www.openarchives.org/OAI/2.0/"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
OAI_SCHEMA = "http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd"


def stamp(value: datetime) -> str:
    """UTC at second granularity: YYYY-MM-DDThh:mm:ssZ."""
    aware = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return aware.strftime("%Y-%m-%dT%H:%M:%SZ")


def el(parent: etree._Element, name: str, text: str | None = None, **attrs: str) -> etree._Element:
    child = etree.SubElement(parent, f"{{{OAI_NS}}}{name}", attrs)
    if text is not None:
        child.text = text
    return child


def envelope(now: datetime, base_url: str, echo: dict[str, str]) -> etree._Element:
    root = etree.Element(f"{{{OAI_NS}}}OAI-PMH", nsmap={None: OAI_NS, "xsi": XSI_NS})
    root.set(f"{{{XSI_NS}}}schemaLocation", f"{OAI_NS} {OAI_SCHEMA}")
    el(root, "responseDate", stamp(now))
    el(root, "request", base_url, **echo)
    return root


def header(
    parent: etree._Element, identifier: str, datestamp: datetime, sets: list[str], deleted: bool
) -> etree._Element:
    head = el(parent, "header", status="deleted") if deleted else el(parent, "header")
    el(head, "identifier", identifier)
    el(head, "datestamp", stamp(datestamp))
    for spec in sets:
        el(head, "setSpec", spec)
    return head


def serialise(root: etree._Element) -> bytes:
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
