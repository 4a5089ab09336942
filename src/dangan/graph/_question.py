"""Questions the search box answers from the graph rather than from words.

Three shapes, each asked in several ways by the people who use the box:

* who a person represents — "张伟担任法定代表人的企业", "法定代表人是张伟的公司", "张伟名下的企业";
* who shares an enterprise's representative — "与海港食品有限公司同一法定代表人的企业",
  "和<企业>法定代表人相同的公司";
* who is registered at a place — "建设路88号的企业", "注册在<地址>的企业", "位于<地址>的公司".

Only the whole query is read as a question (a question inside other words is left to the parser), and
an address question needs words that make an address (路, 街, 号, 大厦 …): "海港区的企业" stays a
district filter and "食品经营许可的企业" stays words. The reading is only a candidate: the service
answers it only when the graph holds the person, enterprise or address the viewer may see; otherwise
the query is searched as words, as before.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

REPRESENTED_BY = "represented_by"
SAME_REPRESENTATIVE = "same_representative"
AT_ADDRESS = "at_address"
QUESTIONS = (REPRESENTED_BY, SAME_REPRESENTATIVE, AT_ADDRESS)

_WHO = r"(?:企业|公司|单位|市场主体|商户)"
_REP = r"(?:法定代表人|法人代表|法人)"
_TAIL = r"(?:有哪些|有什么|是哪些|列表|名单)?"
_SUBJECT = r"(?P<s>[^\s，,。？?！!]{2,60}?)"

_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (SAME_REPRESENTATIVE, re.compile(
        rf"^(?:与|和|跟|同)\s*{_SUBJECT}\s*(?:的)?(?:同一|同一个|相同的?|一样的?)\s*{_REP}的?{_WHO}{_TAIL}$")),
    (SAME_REPRESENTATIVE, re.compile(
        rf"^(?:与|和|跟|同)\s*{_SUBJECT}\s*(?:的)?{_REP}(?:相同|一样|同一人|是同一人)的?{_WHO}{_TAIL}$")),
    (REPRESENTED_BY, re.compile(
        rf"^{_SUBJECT}\s*(?:担任|出任|任|作为|是|为)\s*{_REP}的?{_WHO}{_TAIL}$")),
    (REPRESENTED_BY, re.compile(rf"^{_REP}\s*(?:是|为)\s*{_SUBJECT}\s*的{_WHO}{_TAIL}$")),
    (REPRESENTED_BY, re.compile(rf"^{_SUBJECT}\s*名下的?{_WHO}{_TAIL}$")),
    (AT_ADDRESS, re.compile(
        rf"^(?:注册在|注册于|登记在|位于|地址在|地址为|地址是|住所在|住所为|在)?\s*{_SUBJECT}\s*"
        rf"(?:注册|登记)?的{_WHO}{_TAIL}$")),
)  # fmt: skip

# What makes a place an address rather than a district or a matter: a road, a number, a building.
_ADDRESS_WORDS = re.compile(
    r"(?:\d+\s*(?:号|栋|幢|座|楼|层|室|单元|弄)|[路街道巷弄胡同]|大道|大街|大厦|广场|园区|产业园|工业园|"
    r"小区|花园|中心|村|社区|组|号院)"
)


@dataclass(frozen=True)
class GraphQuestion:
    kind: str  # one of QUESTIONS
    subject: str  # the person's name, the enterprise's name or USCC, or the address as typed

    def as_json(self) -> dict[str, str]:
        return {"question": self.kind, "subject": self.subject}


def read_question(query: str) -> GraphQuestion | None:
    """The graph question the whole query asks, if it asks one (see the module docstring)."""
    text = unicodedata.normalize("NFKC", query or "").strip().rstrip("?？。！! ")
    if not 4 <= len(text) <= 80:
        return None
    for kind, pattern in _PATTERNS:
        match = pattern.match(text)
        if match is None:
            continue
        subject = match["s"].strip()
        if kind == AT_ADDRESS and not _ADDRESS_WORDS.search(subject):
            continue
        if kind == REPRESENTED_BY and len(subject) > 20:  # a name, not a sentence
            continue
        return GraphQuestion(kind, subject)
    return None
