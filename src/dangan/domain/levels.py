"""Retention periods and security levels: the two labels every record carries."""

from __future__ import annotations

from enum import Enum


class Retention(Enum):
    """保管期限. `code` is the DA/T 22 abbreviation used inside the 档号."""

    PERMANENT = ("永久", "Y", None)
    Y30 = ("30年", "D30", 30)
    Y10 = ("10年", "D10", 10)

    def __init__(self, label: str, code: str, years: int | None):
        self.label = label
        self.code = code
        self.years = years

    @classmethod
    def parse(cls, value: str) -> Retention:
        text = str(value).strip()
        for member in cls:
            if text in (member.label, member.code, member.name):
                return member
        aliases = {"长期": cls.Y30, "短期": cls.Y10, "定期30年": cls.Y30, "定期10年": cls.Y10}
        if text in aliases:
            return aliases[text]
        raise ValueError(text)


class SecurityLevel(Enum):
    """密级, ordered: 公开 < 内部 < 秘密 < 机密."""

    PUBLIC = ("公开", 0)
    INTERNAL = ("内部", 1)
    SECRET = ("秘密", 2)
    CONFIDENTIAL = ("机密", 3)

    def __init__(self, label: str, rank: int):
        self.label = label
        self.rank = rank

    @classmethod
    def parse(cls, value: str) -> SecurityLevel:
        text = str(value).strip()
        for member in cls:
            if text in (member.label, member.name, member.name.lower()):
                return member
        raise ValueError(text)

    def __le__(self, other: SecurityLevel) -> bool:
        return self.rank <= other.rank

    def __lt__(self, other: SecurityLevel) -> bool:
        return self.rank < other.rank

    def __ge__(self, other: SecurityLevel) -> bool:
        return self.rank >= other.rank

    def __gt__(self, other: SecurityLevel) -> bool:
        return self.rank > other.rank


RETENTION_LABELS = [r.label for r in Retention]
SECURITY_LABELS = [s.label for s in SecurityLevel]
