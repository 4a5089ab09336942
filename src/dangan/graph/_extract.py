"""What one record asserts: the nodes it names and the edges between them, as plain values.

Pure: the same record (and confirmed description) gives the same nodes and edges, so a graph built record
by record at ingest equals one rebuilt from the catalogue. Confirmed values (the archivist's confirmed
description) win over the values as ingested, field by field.

Who is who (the matching rule):

* An enterprise (any applicant that is not a 个人: company, 个体工商户, 社会组织, 事业单位, 机关) is keyed by
  its USCC when the code is valid (check character included). Its names are the names the records give
  it: a later 变更登记 changes the name, and a different name without one flags the node
  (``uscc_name_conflict``) for the archivist — the USCC stays the key and both names show in the name
  history. An invalid or missing USCC keys the enterprise by its normalised name *within the record's
  department* and flags it (``invalid_uscc`` / ``missing_uscc``): a code whose 17-character body matches
  a valid one but whose check character is wrong is therefore a different, flagged node, never merged.
* A person is the same person exactly when the valid ID number is the same. Without a valid one, a legal
  representative is the same person only under the same name *and* the same enterprise; an individual
  applicant only under the same name *and* the same normalised address (else only within the record).
  Two people are never merged on their name alone. An invalid ID number flags the person
  (``invalid_id_number``). Keys of people and addresses are keyed hashes (HMAC-SHA-256 under the
  archive's graph secret): a public id never carries an ID number or an address.
"""

from __future__ import annotations

import hmac
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from hashlib import sha256
from typing import Any

from dangan.domain import district_by_code, id_number_problem, industry_by_code, uscc_problem

from ._normal import is_change, normalise_address, normalise_name

# Nodes that many records share: shown, never walked through (they would relate everything).
HUBS = frozenset({"matter", "department", "district", "industry"})
# Edges whose target takes its label (and flags) from what the asserting records call it.
LABELLED = frozenset({"applicant", "representative", "address", "licence"})
NODE_KINDS = ("enterprise", "person", "address", "matter", "licence", "department", "district", "industry",
              "record")  # fmt: skip
_LICENCE_NUMBER_KEYS = ("licence_number", "许可证编号", "许可证号", "证书编号", "证照编号")
_VALID_FROM_KEYS = ("licence_valid_from", "有效期起", "有效期自")
_VALID_UNTIL_KEYS = ("licence_valid_until", "有效期至", "有效期止", "有效截止日期")
_CN_DATE = re.compile(r"^(\d{4})\s*[年./-]\s*(\d{1,2})\s*[月./-]\s*(\d{1,2})\s*日?$")


@dataclass(frozen=True)
class NodeSpec:
    kind: str
    key: str
    label: str


@dataclass(frozen=True)
class EdgeSpec:
    kind: str
    source: tuple[str, str]  # (kind, key)
    target: tuple[str, str]
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass
class RecordGraph:
    record_id: str
    asserted_on: date | None
    nodes: dict[tuple[str, str], NodeSpec] = field(default_factory=dict)
    edges: list[EdgeSpec] = field(default_factory=list)

    def node(self, kind: str, key: str, label: str) -> tuple[str, str]:
        self.nodes.setdefault((kind, key), NodeSpec(kind, key, label[:500]))
        return kind, key

    def edge(self, kind: str, source: tuple[str, str], target: tuple[str, str], **attributes: Any) -> None:
        self.edges.append(EdgeSpec(kind, source, target, {k: v for k, v in attributes.items() if v}))


def keyed(secret: bytes, text: str) -> str:
    return hmac.new(secret, text.encode("utf-8"), sha256).hexdigest()[:24]


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = unicodedata.normalize("NFKC", str(value)).strip()
    return text or None


def _iso(value: Any) -> str | None:
    """A date as ISO text from a date, an ISO string or 2024年3月15日; None for anything else."""
    if isinstance(value, date):
        return value.isoformat()
    text = _text(value)
    if not text:
        return None
    match = _CN_DATE.match(text)
    if match is None:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3])).isoformat()
    except ValueError:
        return None


def _first(sources: list[Mapping[str, Any]], keys: tuple[str, ...]) -> Any:
    for source in sources:
        for key in keys:
            if source.get(key) not in (None, ""):
                return source[key]
    return None


def facts_of(record: Any, confirmed: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The record's graph-relevant fields, confirmed values winning (keys as the confirmation names them)."""
    extra = record.extra if isinstance(record.extra, Mapping) else {}
    facts: dict[str, Any] = {
        "record_id": record.id,
        "title": record.title,
        "applicant": record.applicant_name,
        "applicant_type": record.applicant_type,
        "uscc": record.applicant_uscc,
        "legal_representative": record.legal_representative,
        "id_number": record.id_number,
        "address": record.address,
        "district": record.district,
        "industry": record.industry,
        "department": record.department.name if record.department is not None else None,
        "matter": record.matter.name if record.matter is not None else None,
        "result": record.result,
        "decided_at": record.decided_at,
        "licence_number": _first([extra], _LICENCE_NUMBER_KEYS),
        "licence_valid_from": _first([extra], _VALID_FROM_KEYS),
        "licence_valid_until": _first([extra], _VALID_UNTIL_KEYS),
    }
    for key, value in (confirmed or {}).items():
        if key in facts and value not in (None, ""):
            facts[key] = value
    return facts


def extract(facts: Mapping[str, Any], secret: bytes) -> RecordGraph:
    """The nodes and edges one record asserts (see the module docstring for who is who)."""
    record_id = str(facts["record_id"])
    decided = _iso(facts.get("decided_at"))
    g = RecordGraph(record_id, date.fromisoformat(decided) if decided else None)
    change = is_change(_text(facts.get("matter")), _text(facts.get("result")))
    record = g.node("record", record_id, _text(facts.get("title")) or record_id)
    department = _text(facts.get("department"))
    if department:
        g.edge("department", record, g.node("department", department, department))
    if matter := _text(facts.get("matter")):
        g.edge("matter", record, g.node("matter", matter, matter))
    name = _text(facts.get("applicant"))
    if not name:
        return g
    district = _text(facts.get("district"))
    address = _text(facts.get("address"))
    id_number = (_text(facts.get("id_number")) or "").upper() or None
    id_valid = id_number is not None and id_number_problem(id_number) is None
    id_flags = ["invalid_id_number"] if id_number and not id_valid else []
    if _text(facts.get("applicant_type")) == "个人":
        if id_valid:
            person_key = keyed(secret, f"id:{id_number}")
        else:
            place = normalise_address(address, district) if address else f"record:{record_id}"
            person_key = keyed(secret, f"na:{normalise_name(name)}|{place}")
        subject = g.node("person", person_key, name)
        g.edge("applicant", record, subject, label=name, flags=id_flags, change=change)
    else:
        uscc = (_text(facts.get("uscc")) or "").upper() or None
        if uscc and uscc_problem(uscc) is None:
            subject = g.node("enterprise", uscc, name)
            flags: list[str] = []
        else:
            subject = g.node("enterprise", f"~{department or ''}|{normalise_name(name)}", name)
            flags = ["invalid_uscc" if uscc else "missing_uscc"]
        g.edge("applicant", record, subject, label=name, flags=flags, change=change)
        if representative := _text(facts.get("legal_representative")):
            if id_valid:
                person_key = keyed(secret, f"id:{id_number}")
            else:
                person_key = keyed(secret, f"ne:{subject[1]}|{normalise_name(representative)}")
            person = g.node("person", person_key, representative)
            g.edge("representative", subject, person, label=representative, flags=id_flags, change=change)
    if address:
        normal = normalise_address(address, district)
        g.edge("address", subject, g.node("address", keyed(secret, f"addr:{normal}"), normal),
               label=normal, change=change)  # fmt: skip
    if district and (found := district_by_code(district)) is not None:
        g.edge("district", subject, g.node("district", district, found.full_name))
    if (industry := _text(facts.get("industry"))) and (known := industry_by_code(industry)) is not None:
        g.edge("industry", subject, g.node("industry", industry.upper(), known.name))
    if number := _text(facts.get("licence_number")):
        number = re.sub(r"\s+", "", number).upper()
        licence = g.node("licence", number, number)
        g.edge("licence", subject, licence, label=number, valid_from=_iso(facts.get("licence_valid_from")),
               valid_until=_iso(facts.get("licence_valid_until")))  # fmt: skip
    return g
