"""Identifier repairs: only ever into the one valid value a misreading allows, never into another code."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dangan.domain import (
    USCC_ALPHABET,
    id_check_char,
    is_valid_uscc,
    lookalike_digits,
    read_id_number,
    repair_id_number,
    repair_uscc,
    uscc_check_char,
)

BODY = "91130302MA0D1B2K0"  # 17 characters: region 130302, a B in the body
USCC = BODY + uscc_check_char(BODY)
ID_BODY = "13030219800101001"
ID = ID_BODY + id_check_char(ID_BODY)


def _uscc(first17: str) -> str:
    return first17 + uscc_check_char(first17)


def test_lookalike_letters_read_as_digits() -> None:
    assert lookalike_digits("2O1l年IZ月S日 B8 GT") == "2011年12月5日 88 67"
    assert lookalike_digits("元") == "元"


def test_a_valid_code_comes_back_as_it_is() -> None:
    assert repair_uscc(USCC) == USCC
    assert repair_uscc(USCC, swap_b8=False) == USCC


@pytest.mark.parametrize(
    "misread",
    [
        USCC.replace("0", "O"),  # O for 0, in the district code and the body
        USCC[:2] + "l" + USCC[3:],  # lower-case l for the 1 of the district code
        USCC[:4] + "D" + USCC[5:],  # D for 0 where only a digit may stand
        USCC.lower(),
    ],
)
def test_forced_readings_repair_without_guessing(misread: str) -> None:
    assert misread != USCC
    assert repair_uscc(misread, swap_b8=False) == USCC
    assert repair_uscc(misread) == USCC


def test_letters_the_code_never_uses_are_read_back() -> None:
    code = _uscc("91130302MA0D1B2K5")
    assert repair_uscc(code.replace("0", "O").replace("1", "I").replace("2", "Z").replace("5", "S")) == code


@pytest.mark.parametrize("letter", ["U", "Y"])
def test_v_is_read_as_u_or_y_as_the_check_character_decides(letter: str) -> None:
    code = _uscc(f"91130302MA0{letter}1B2K0")
    assert repair_uscc(code.replace(letter, "V"), swap_b8=False) == code


def test_b_and_8_are_swapped_once_and_only_when_asked() -> None:
    misread = USCC.replace("B", "8")
    assert not is_valid_uscc(misread)
    assert repair_uscc(misread) == USCC
    assert repair_uscc(misread, swap_b8=False) is None  # typed text: a B typed as 8 is the sender's


def test_two_b8_misreads_are_not_repaired() -> None:
    """Allowing two swaps once turned an invalid code into another valid one; one swap at most."""
    for tail in range(10_000):  # a code with B twice in the body whose single swaps never validate
        code = _uscc(f"9113030{tail % 10}MA0B{tail // 10:03d}B0")
        misread = code[:11] + "8" + code[12:16] + "8" + code[17:]
        singles = [misread[:i] + "B" + misread[i + 1 :] for i in (11, 16)]
        if not any(is_valid_uscc(s) for s in singles) and not is_valid_uscc(misread):
            break
    assert repair_uscc(misread) is None


def test_an_ambiguous_swap_is_refused() -> None:
    token = "9B1303020000006088"  # B→8 at the 2nd character and 8→B at the 17th both validate
    both = {token[:1] + "8" + token[2:], token[:16] + "B" + token[17:]}
    assert all(is_valid_uscc(c) for c in both) and not is_valid_uscc(token)
    assert repair_uscc(token) is None


@given(
    st.text(alphabet=USCC_ALPHABET, min_size=2, max_size=2),
    st.text(alphabet="0123456789", min_size=6, max_size=6),
    st.text(alphabet=USCC_ALPHABET, min_size=9, max_size=9),
    st.integers(min_value=0, max_value=17),
    st.sampled_from(USCC_ALPHABET),
)
def test_a_typed_typo_is_never_repaired_into_another_code(
    head: str, region: str, body: str, at: int, typed: str
) -> None:
    code = _uscc(head + region + body)
    if 2 <= at < 8 and not typed.isdigit():
        typed = "0"
    wrong = code[:at] + typed + code[at + 1 :]
    if wrong != code:
        assert repair_uscc(wrong, swap_b8=False) is None


@given(
    st.text(alphabet=USCC_ALPHABET, min_size=2, max_size=2),
    st.text(alphabet="0123456789", min_size=6, max_size=6),
    st.text(alphabet=USCC_ALPHABET, min_size=9, max_size=9),
    st.integers(min_value=0, max_value=17),
)
def test_one_b8_misread_comes_back_right_or_not_at_all(head: str, region: str, body: str, at: int) -> None:
    code = _uscc(head + region + body)
    if code[at] in "B8" and not 2 <= at < 8:
        misread = code[:at] + ("8" if code[at] == "B" else "B") + code[at + 1 :]
        assert repair_uscc(misread) in (code, None)


def test_id_number_letters_for_digits_and_a_lower_x() -> None:
    misread = ID[:6] + "l98O" + ID[10:17] + ID[17].lower()
    assert read_id_number(misread) == ID
    assert repair_id_number(misread) == ID
    assert repair_id_number(ID[:17] + "×") in (ID, None)
    assert repair_id_number(ID) == ID


def test_an_id_number_is_only_repaired_into_a_valid_one() -> None:
    wrong = ID[:17] + ("0" if ID[17] != "0" else "1")
    assert repair_id_number(wrong) is None
    assert repair_id_number(ID[:15]) is None  # 15 digits: nothing to check a repair against
    assert read_id_number(ID[:14] + "O") == ID[:14] + "0"
    assert read_id_number("") == ""
