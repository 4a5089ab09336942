"""Identifiers the generator makes must pass the same checks an importer applies."""

from __future__ import annotations

import random
import re
from datetime import date

import pytest

from dangan.demo import people
from dangan.domain.codes import is_valid_id_number, is_valid_uscc

_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def _org_code_ok(code: str) -> bool:
    """GB 11714 check, written independently of people.org_code."""
    values = [int(c) if c.isdigit() else ord(c) - ord("A") + 10 for c in code[:8]]
    c9 = 11 - sum(v * w for v, w in zip(values, _ORG_WEIGHTS, strict=True)) % 11
    return code[8] == {10: "X", 11: "0"}.get(c9, str(c9))


@pytest.mark.parametrize("kind", ["企业", "个体工商户"])
def test_uscc_valid_with_district_and_org_code(kind: str) -> None:
    rng = random.Random(7)
    for _ in range(500):
        code = people.uscc(rng, "130322", kind)
        assert is_valid_uscc(code), code
        assert code[:2] == ("92" if kind == "个体工商户" else "91")
        assert code[2:8] == "130322"
        assert _org_code_ok(code[8:17]), code


def test_uscc_check_catches_a_changed_character() -> None:
    code = people.uscc(random.Random(1), "130302")
    wrong = code[:17] + ("0" if code[17] != "0" else "1")
    assert not is_valid_uscc(wrong)


def test_id_numbers_valid_with_sex_and_birth() -> None:
    rng = random.Random(11)
    for _ in range(500):
        p = people.person(rng, "130304")
        assert is_valid_id_number(p.id_number), p.id_number
        assert p.id_number[6:14] == f"{p.birth:%Y%m%d}"
        assert (int(p.id_number[16]) % 2 == 1) == (p.sex == "男")
        assert date(1958, 1, 1) <= p.birth <= date(2000, 12, 31)
        assert p.id_number[:2] == "13"
        assert re.fullmatch(r"1[3-9]\d{9}", p.phone), p.phone
        assert 2 <= len(p.name) <= 3


def test_business_names_and_addresses_look_local() -> None:
    rng = random.Random(3)
    owner = people.person(rng, "130302")
    firm = people.business(rng, "H6210", "130302", "企业", owner, date(2020, 5, 1))
    assert firm.name.endswith("公司") and ("秦皇岛" in firm.name)
    assert firm.address.startswith("秦皇岛市海港区")
    assert firm.established is not None and firm.established < date(2020, 5, 1)
    shop = people.business(rng, "H6291", "130322", "个体工商户", owner, date(2020, 5, 1))
    assert (
        shop.name.startswith("昌黎县") and shop.type == "个体工商户" and shop.uscc and shop.uscc[:2] == "92"
    )
    assert shop.address.startswith("秦皇岛市昌黎县")
