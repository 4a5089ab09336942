from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dangan.domain import (
    id_check_char,
    id_number_problem,
    is_valid_id_number,
    is_valid_uscc,
    uscc_check_char,
    uscc_problem,
)
from dangan.domain.codes import USCC_ALPHABET
from tests.conftest import VECTORS

USCC = json.loads((VECTORS / "refdata" / "uscc_gb32100.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("code", USCC["valid_examples"])
def test_every_valid_uscc_of_the_vectors_is_accepted(code: str) -> None:
    assert uscc_problem(code) is None


@pytest.mark.parametrize("case", USCC["invalid_examples"], ids=lambda c: c["code"])
def test_every_invalid_uscc_of_the_vectors_is_rejected(case: dict[str, str]) -> None:
    assert uscc_problem(case["code"]) is not None


def test_uscc_check_char_names_the_right_character() -> None:
    assert uscc_check_char("91110000600037341") == "L"
    assert "应为 L" in (uscc_problem("91110000600037341N") or "")


@given(st.text(alphabet=USCC_ALPHABET, min_size=2, max_size=2), st.text(alphabet="0123456789", min_size=6, max_size=6),
       st.text(alphabet=USCC_ALPHABET, min_size=9, max_size=9))  # fmt: skip
def test_generated_uscc_validates_and_any_other_check_char_fails(head: str, region: str, body: str) -> None:
    first17 = head + region + body
    good = first17 + uscc_check_char(first17)
    assert is_valid_uscc(good)
    for c in USCC_ALPHABET:
        if c != good[-1]:
            assert not is_valid_uscc(first17 + c)


def test_id_number_check() -> None:
    assert id_check_char("11010519491231002") == "X"
    assert is_valid_id_number("11010519491231002X")
    assert not is_valid_id_number("110105194912310021")
    assert not is_valid_id_number("11010519491231002x")
    assert "出生日期" in (id_number_problem("110105194913310025") or "")
