"""The masking rule and the maskers: who sees personal data in clear, and what everyone else sees."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from dangan.access import (
    Principal,
    Role,
    mask_address,
    mask_id_number,
    mask_phone,
    mask_record_view,
    mask_text,
    should_mask,
)
from dangan.domain import SecurityLevel

ID = "130322197001010038"
PHONE = "13312349905"
ADDRESS = "河北省秦皇岛市海港区红旗路73号2单元"


def _record(**overrides: Any) -> Any:
    fields: dict[str, Any] = {
        "id": "01TESTRECORD",
        "title": f"关于张三（{ID}）申请的审批",
        "department": SimpleNamespace(name="甲局"),
        "security_rank": SecurityLevel.INTERNAL.rank,
        "open_to_public": False,
        "id_number": ID,
        "phone": PHONE,
        "address": ADDRESS,
        "legal_representative": "张三",
        "extra": {"联系人电话": PHONE, "层级": {"备用": f"证件 {ID}"}},
    }
    fields.update(overrides)
    return SimpleNamespace(**fields)


def _user(
    role: Role, clearance: SecurityLevel = SecurityLevel.SECRET, dept: str | None = "甲局"
) -> Principal:
    return Principal(f"u-{role.code}", role, dept, clearance)


def test_maskers() -> None:
    assert mask_id_number(ID) == "130322********0038"
    assert mask_id_number("13032270010100X") == "130322*****100X"
    assert mask_phone(PHONE) == "133****9905"
    assert mask_phone("0335-3051234") == "0335-***1234"
    assert mask_phone("03353051234") == "0335***1234"
    assert mask_address(ADDRESS) == "河北省秦皇岛市海港区****"
    assert mask_address("秦皇岛市北戴河区海宁路177号6号楼") == "秦皇岛市北戴河区****"
    assert mask_address("山海关区第一关镇东罗城村8号") == "山海关区第一关镇****"
    assert "73" not in mask_address(ADDRESS)


def test_free_text_masks_numbers_but_not_credit_codes() -> None:
    text = f"申请人身份证 {ID}，手机{PHONE}，座机 0335-3051234，信用代码 92130304MA3Q8Q9WXM"
    masked = mask_text(text)
    assert ID not in masked and PHONE not in masked and "3051234" not in masked
    assert "130322********0038" in masked and "133****9905" in masked
    assert "92130304MA3Q8Q9WXM" in masked


@pytest.mark.parametrize(
    ("user", "masked"),
    [
        (_user(Role.ARCHIVIST, SecurityLevel.SECRET), False),
        (_user(Role.ARCHIVIST, SecurityLevel.CONFIDENTIAL), False),
        (_user(Role.ARCHIVIST, SecurityLevel.INTERNAL), True),
        (_user(Role.DEPT_HEAD, SecurityLevel.INTERNAL), False),
        (_user(Role.DEPT_HEAD, SecurityLevel.SECRET, dept="乙局"), True),
        (_user(Role.CLERK, SecurityLevel.CONFIDENTIAL), True),
        (_user(Role.READER), True),
        (_user(Role.PUBLIC), True),
        (_user(Role.SYSADMIN, dept=None), True),
        (_user(Role.SECADMIN, dept=None), True),
        (_user(Role.AUDITOR, dept=None), True),
    ],
)
def test_who_sees_personal_data_in_clear(user: Principal, masked: bool) -> None:
    assert should_mask(user, _record()) is masked


def test_view_masks_every_place_personal_data_can_hide() -> None:
    view = mask_record_view(_user(Role.CLERK), _record())
    assert view.masked and view.revealed == []
    assert view.id_number == "130322********0038"
    assert view.phone == "133****9905"
    assert view.address == "河北省秦皇岛市海港区****"
    assert ID not in view.title and "130322********0038" in view.title
    assert view.extra == {"联系人电话": "133****9905", "层级": {"备用": "证件 130322********0038"}}
    assert view.department.name == "甲局"  # everything else passes through


def test_clear_view_names_the_fields_it_reveals() -> None:
    view = mask_record_view(_user(Role.ARCHIVIST), _record(phone=None))
    assert not view.masked
    assert view.id_number == ID and view.revealed == ["id_number", "address"]
    assert (
        mask_record_view(_user(Role.ARCHIVIST), _record(id_number=None, phone=None, address=None)).revealed
        == []
    )
