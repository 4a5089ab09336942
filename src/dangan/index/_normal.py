"""What a query is before anything reads it: one form of every character.

Traditional characters (食品經營許可) become simplified (OpenCC's t2s tables ship in its wheel),
full-width forms half-width (NFKC), and Chinese numerals in dates (二〇二三年, 三月, 第三季度) digits,
so that the parser's patterns are written once, in one alphabet.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from typing import Any

_DIGITS = {"〇": 0, "零": 0, "○": 0, "Ｏ": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6,
           "七": 7, "八": 8, "九": 9}  # fmt: skip
_YEAR_WORDS = re.compile(r"[〇零○一二三四五六七八九]{4}(?=年)")
_SMALL = re.compile(r"(?<![〇零○一二两三四五六七八九十])([一二两三四五六七八九]?十[一二三四五六七八九]?|[一二两三四五六七八九])(?=个?月|季度|年(?!度)|个?季度|日|号)")  # fmt: skip
_DASHES = str.maketrans({"—": "-", "–": "-", "－": "-", "~": "-", "～": "-", "―": "-"})


@cache
def _converter() -> Any:
    import opencc  # the t2s tables load in ≈ 5 ms, on the first query only

    return opencc.OpenCC("t2s")


def _small_number(text: str) -> int:
    if "十" not in text:
        return _DIGITS[text]
    tens, _, ones = text.partition("十")
    return (_DIGITS[tens] if tens else 1) * 10 + (_DIGITS[ones] if ones else 0)


def normalise_query(text: str) -> str:
    """Simplified, half-width, dashes unified, Chinese numerals of dates as digits; case kept."""
    text = unicodedata.normalize("NFKC", text.encode("utf-8", "ignore").decode("utf-8"))  # no lone surrogates
    text = _converter().convert(text)
    text = _YEAR_WORDS.sub(lambda m: "".join(str(_DIGITS[c]) for c in m.group(0)), text)
    text = _SMALL.sub(lambda m: str(_small_number(m.group(1))), text)
    return text.translate(_DASHES)
