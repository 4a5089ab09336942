"""Masking of personal data (ID-card numbers, phone numbers, personal addresses) for who may not see it.

The rule lives here once: `should_mask` decides, `mask_record_view` applies. Pages, the API, search hits
and exports all show a record through `mask_record_view`, so no route can show a raw value the rule
hides. Who sees raw values:

* an archivist (档案管理员) whose clearance is 秘密 or higher, and
* the department head (部门负责人) of the record's own department, and
* a user holding an active utilization grant (利用授权) for the record that allows 个人信息 in clear;

everyone else (clerks, readers, the public — and the three administrators, who see no records at all)
sees masked values. Logging that raw values were shown is the caller's (the services') job.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from dangan.domain import ID_15, ID_18, LANDLINE, MOBILE, PersonalTerms, SecurityLevel
from dangan.store.catalog import Record

from .policy import Principal, can_read, grant_for
from .roles import Role

MASKED_FIELDS = ("id_number", "phone", "address")
UNMASK_CLEARANCE = SecurityLevel.SECRET
_ID_18, _ID_15, _MOBILE, _LANDLINE = ID_18, ID_15, MOBILE, LANDLINE
# The last administrative unit of an address: what stays readable ("…市北戴河区").
_ADMIN_UNIT = re.compile(r"^.*(?:省|自治区|市|自治州|地区|盟|区|县|旗|镇|乡|街道)(?![路街道巷弄场])")


def should_mask(user: Principal, record: Record) -> bool:
    """True unless this user may see the record's personal data in clear (see the module docstring)."""
    if not can_read(user, record):
        return True
    grant = grant_for(user, record)
    if grant is not None and grant.unmask:
        return False
    if user.role is Role.ARCHIVIST:
        return user.clearance.rank < UNMASK_CLEARANCE.rank
    if user.role is Role.DEPT_HEAD:
        return record.department is None or record.department.name != user.department
    return True


def mask_id_number(value: str) -> str:
    """'130322197001010038' -> '130322********0038' (15-digit old numbers: 6 + ***** + 4)."""
    text = value.strip()
    if len(text) == 18:
        return text[:6] + "*" * 8 + text[-4:]
    if len(text) == 15:
        return text[:6] + "*" * 5 + text[-4:]
    return _mask_middle(text)


def mask_phone(value: str) -> str:
    """Mobile '13312349905' -> '133****9905'; landline '0335-3051234' -> '0335-***1234'."""
    text = value.strip()
    masked = _MOBILE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)
    masked = _LANDLINE.sub(lambda m: f"{m.group(1)}{m.group(2)}{'*' * len(m.group(3))}{m.group(4)}", masked)
    return masked if masked != text else _mask_middle(text)


def mask_address(value: str) -> str:
    """Keep the address down to the district or town, hide the street and number: '…海港区****'."""
    text = value.strip()
    before_numbers = re.split(r"[0-9０-９]", text, maxsplit=1)[0]
    match = _ADMIN_UNIT.match(before_numbers[:-1] if before_numbers == text else before_numbers)
    keep = match.group(0) if match else text[: min(len(text) // 3, 6)]
    return keep + "****"


def mask_text(text: str, record: Any = None) -> str:
    """Free text (titles, extra fields, snippets): ID and phone numbers anywhere, and the record's own
    personal values wherever they occur verbatim."""
    if record is not None:
        for field, masker in _MASKERS.items():
            raw = getattr(record, field, None)
            if raw and raw in text:
                text = text.replace(raw, masker(raw))
    text = _ID_18.sub(lambda m: f"{m.group(1)}{'*' * 8}{m.group(2)[-4:]}", text)
    text = _ID_15.sub(lambda m: f"{m.group(1)}{'*' * 5}{m.group(2)}", text)
    text = _MOBILE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)
    return _LANDLINE.sub(lambda m: f"{m.group(1)}{m.group(2)}{'*' * len(m.group(3))}{m.group(4)}", text)


def _mask_middle(text: str) -> str:
    if len(text) <= 2:
        return "*" * len(text)
    keep = max(1, len(text) // 4)
    return text[:keep] + "*" * (len(text) - 2 * keep) + text[-keep:]


_MASKERS = {"id_number": mask_id_number, "phone": mask_phone, "address": mask_address}


def _mask_value(value: Any, record: Record) -> Any:
    if isinstance(value, str):
        return mask_text(value, record)
    if isinstance(value, Mapping):
        return {k: _mask_value(v, record) for k, v in value.items()}
    if isinstance(value, list):
        return [_mask_value(v, record) for v in value]
    return value


class RecordView:
    """A record as one user may see it: every attribute of the record, personal values masked."""

    def __init__(self, record: Record, overrides: Mapping[str, Any], masked: bool):
        self._record = record
        self._overrides = dict(overrides)
        self.masked = masked

    def __getattr__(self, name: str) -> Any:
        overrides = self.__dict__.get("_overrides", {})
        if name in overrides:
            return overrides[name]
        return getattr(self.__dict__["_record"], name)

    @property
    def revealed(self) -> list[str]:
        """The personal fields shown in clear (what an 'unmask' event must name)."""
        if self.masked:
            return []
        return [f for f in MASKED_FIELDS if getattr(self._record, f, None)]


def mask_record_view(user: Principal, record: Record) -> RecordView:
    """The record as `user` may see it (raw when `should_mask` says no)."""
    if not should_mask(user, record):
        return RecordView(record, {}, masked=False)
    overrides: dict[str, Any] = {}
    for field, masker in _MASKERS.items():
        raw = getattr(record, field, None)
        overrides[field] = masker(raw) if raw else raw
    overrides["title"] = mask_text(record.title, record)
    overrides["extra"] = _mask_value(record.extra or {}, record)
    if record.legal_representative:
        overrides["legal_representative"] = mask_text(record.legal_representative, record)
    return RecordView(record, overrides, masked=True)


def redaction_terms(user: Principal, record: Record) -> PersonalTerms | None:
    """What must be hidden in the pixels and text of this record's files for `user`; None when he may
    see them as stored. The record's own ID and phone numbers, and the street part of its address (what
    `mask_address` hides), are hidden wherever they occur, besides every number of the same kinds."""
    if not should_mask(user, record):
        return None
    address = (record.address or "").strip()
    street = address[len(mask_address(address)) - 4 :] if address else ""
    return PersonalTerms.of((record.id_number, record.phone, street))
