"""The XSDs shipped with the endpoint (see xsd/SOURCES.md), for whoever validates its answers offline:
the official schemas import each other by their web addresses, which `SCHEMA_URLS` maps to the copies
here, so nothing is ever fetched from the network."""

from __future__ import annotations

from pathlib import Path

from ._formats import DAT46_NS, OAI_DC_NS
from ._xml import OAI_NS

XSD_DIR = Path(__file__).resolve().parent / "xsd"
SCHEMA_URLS: dict[str, Path] = {
    "http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd": XSD_DIR / "OAI-PMH.xsd",
    "http://www.openarchives.org/OAI/2.0/oai_dc.xsd": XSD_DIR / "oai_dc.xsd",
    "http://dublincore.org/schemas/xmls/simpledc20021212.xsd": XSD_DIR / "simpledc20021212.xsd",
    "http://www.w3.org/2001/03/xml.xsd": XSD_DIR / "xml.xsd",
    "http://www.w3.org/2001/xml.xsd": XSD_DIR / "xml.xsd",
}
# namespace -> shipped schema: what `any processContents="strict"` inside <metadata> is checked against
NAMESPACE_SCHEMAS: dict[str, Path] = {
    OAI_NS: XSD_DIR / "OAI-PMH.xsd",
    OAI_DC_NS: XSD_DIR / "oai_dc.xsd",
    DAT46_NS: XSD_DIR / "dat46.xsd",
}


def dat46_schema() -> bytes:
    return (XSD_DIR / "dat46.xsd").read_bytes()
