"""Repairs of the two identifiers that carry check characters, as a recogniser misreads them.

They live beside the check characters because the check character is what makes a repair safe: a repair
is kept only when the result validates, and only when exactly one result does, so a misread is never
turned into a different, plausible code that belongs to someone else. The OCR's line repairs and the
metadata proposals both use these, so a value is judged the same way wherever it is read.
"""

from __future__ import annotations

import re

from dangan.domain.codes import is_valid_id_number, is_valid_uscc

# An 18-character token standing alone: where a USCC or an ID number, as written or as misread, can be.
CODE_18 = re.compile(r"(?<![0-9A-Za-z])[0-9A-Za-z]{18}(?![0-9A-Za-z])")

# Letters a recogniser prints for digits. Applied only where nothing but a digit may stand.
_LOOKALIKES = str.maketrans("OoDQIliLZzSsBGT", "000011112255867")
# Letters GB 32100 never uses, read as what they are mistaken for. A V may stand for U or for Y, so both
# readings are tried and the check character has to single one out.
_NEVER_IN_USCC = str.maketrans("OIZS", "0125")
_V_READINGS = ("U", "Y")
# B and 8 are both in the alphabet, so a swap between them is a guess, not a correction: tried one at a
# time and kept only when it is the one way to a valid code. Allowing two swaps "fixed" an invalid code
# into another valid one (each extra candidate is a 1-in-31 chance of that).
_B8 = {"8": "B", "B": "8"}
_REGION = range(2, 8)  # characters 3-8 are a district code: digits only


def lookalike_digits(text: str) -> str:
    """`text` with the letters a recogniser prints for digits (O, l, Z, S, B …) read as those digits.

    Only for places where a digit must stand (an ID number, a district code, a year): elsewhere an O is an O.
    """
    return text.translate(_LOOKALIKES)


def repair_uscc(raw: str, *, swap_b8: bool = True) -> str | None:
    """The one valid USCC that `raw` can be read as, else None; `raw` itself (upper-cased) when valid.

    Forced readings come first: lower case raised, a letter in the district code read as its digit, and
    the letters the code never uses (I O S V Z) read as 1 0 5 U/Y 2. Only when none of those validates is
    a single B↔8 swap tried outside the district code. `swap_b8=False` is for typed text (a PDF's text
    layer), where B and 8 are not confused and a difference is the sender's typo, not a misreading.
    """
    code = raw.upper()
    code = (code[:2] + lookalike_digits(code[2:8]) + code[8:]).translate(_NEVER_IN_USCC)
    bases = {code.replace("V", v) for v in _V_READINGS}
    found = {b for b in bases if is_valid_uscc(b)}
    if not found and swap_b8:
        found = {c for b in bases for c in _single_b8_swaps(b) if is_valid_uscc(c)}
    return found.pop() if len(found) == 1 else None


def _single_b8_swaps(code: str) -> list[str]:
    return [code[:i] + _B8[c] + code[i + 1 :] for i, c in enumerate(code) if c in _B8 and i not in _REGION]


def read_id_number(raw: str) -> str:
    """`raw` read as an ID number: look-alike letters as digits, a final x or × as X. Not checked.

    Apart from `repair_id_number` so that a caller can say why a reading fails (`id_number_problem`) and
    can take a 15-digit number, which has no check character to confirm a repair with.
    """
    if not raw:
        return raw
    last = raw[-1]
    return lookalike_digits(raw[:-1]) + ("X" if last in "Xx×" else lookalike_digits(last))


def repair_id_number(raw: str) -> str | None:
    """`raw` as a valid 18-character ID number when only letter-for-digit confusions stand between.

    Every character of an ID number is a digit (the last may be X), so there is one reading only, and the
    check character and the birth date must then hold.
    """
    candidate = read_id_number(raw)
    return candidate if is_valid_id_number(candidate) else None
