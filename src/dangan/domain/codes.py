"""Check characters of the two identifiers every approval case carries.

統一社会信用代码 (GB 32100-2015) and the resident identity number (GB 11643-1999). Written here rather
than taken from python-stdnum because stdnum upper-cases input before validating, and an archive must
record exactly what the department sent: `91...l` is not the same code as `91...L`.
"""

from __future__ import annotations

import re
from datetime import date

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = [pow(3, i, 31) for i in range(17)]
_USCC_RE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$")

_ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
_ID_CHECK = "10X98765432"
_ID_RE = re.compile(r"^[0-9]{17}[0-9X]$")


def uscc_check_char(first17: str) -> str:
    """The 18th character for the first 17 of a USCC."""
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def uscc_problem(code: str) -> str | None:
    """None when `code` is a valid USCC, else the reason in Chinese."""
    if not isinstance(code, str) or len(code) != 18:
        return "统一社会信用代码应为18位"
    if not _USCC_RE.match(code):
        return (
            "统一社会信用代码含有不允许的字符（仅数字和大写字母，不含 I、O、S、V、Z；第3至8位为行政区划代码）"
        )
    if uscc_check_char(code[:17]) != code[17]:
        return f"统一社会信用代码校验位错误（应为 {uscc_check_char(code[:17])}）"
    return None


def is_valid_uscc(code: str) -> bool:
    return uscc_problem(code) is None


def id_check_char(first17: str) -> str:
    total = sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def id_number_problem(number: str) -> str | None:
    """None when `number` is a valid 18-digit resident identity number, else the reason in Chinese."""
    if not isinstance(number, str) or not _ID_RE.match(number):
        return "身份证号码应为17位数字加1位校验码（数字或大写X）"
    try:
        date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return "身份证号码中的出生日期无效"
    if id_check_char(number[:17]) != number[17]:
        return f"身份证号码校验码错误（应为 {id_check_char(number[:17])}）"
    return None


def is_valid_id_number(number: str) -> bool:
    return id_number_problem(number) is None
