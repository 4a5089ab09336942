"""Decision results in three kinds (准予 / 不予 / 不予受理), whatever words a business system used.

Systems write 准予许可, 准予变更, 准予延续, 不予许可, 不予受理决定 …: statistics of outcomes count kinds,
not spellings. Anything that refuses is 不予; anything else that was decided is 准予.
"""

from __future__ import annotations

GRANTED = "准予"
REFUSED = "不予"
NOT_ACCEPTED = "不予受理"
RESULT_KINDS = (GRANTED, REFUSED, NOT_ACCEPTED)
_REFUSING = ("不予", "不准予", "不同意", "不批准", "驳回", "否决")


def result_kind(result: str | None) -> str:
    text = (result or "").strip()
    if "不予受理" in text or "不受理" in text:
        return NOT_ACCEPTED
    if any(word in text for word in _REFUSING):
        return REFUSED
    return GRANTED
