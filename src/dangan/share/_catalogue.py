"""The sharing catalogue's rules (共享目录), as pure data: which category of a department's records is
shared with which departments, and how.

A category is a department, optionally narrowed to one approval matter and/or one security level. The
records of a department follow the **most specific** current rule that covers them:

1. department × matter × security level,
2. department × matter,
3. department × security level,
4. the whole department;

no rule means 不予共享. A matter is the finer category (it is what a department's work is filed by),
so a matter rule beats a level rule where both cover a record. A rule names the departments it shares
with (or all); for every other department the category is 不予共享 — and still hides the wider rules
below it, so narrowing a rule never leaks through a broader one.

`view_for` turns the catalogue into what one viewing department may do, with the precedence applied as
`unless` lists (the more specific categories that decide for themselves), so the access policy only
matches plain terms and never re-implements the precedence.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from dangan.core import ValidationFailed
from dangan.domain import SecurityLevel

FREE = "无条件共享"
CONDITIONAL = "有条件共享"
NOT_SHARED = "不予共享"
SHARING_KINDS = (FREE, CONDITIONAL, NOT_SHARED)
MAX_NAME = 200
MAX_DEPARTMENTS = 200
MAX_CONDITIONS = 1000


@dataclass(frozen=True)
class Category:
    """A department's records, narrowed by matter and/or security level ('' = every one)."""

    department: str
    matter: str = ""
    security_level: str = ""

    @property
    def specificity(self) -> int:
        return (2 if self.matter else 0) + (1 if self.security_level else 0)

    def covers(self, department: str, matter: str, security_level: str) -> bool:
        return (
            self.department == department
            and self.matter in ("", matter)
            and self.security_level in ("", security_level)
        )

    def narrower(self, other: Category) -> bool:
        """`other` is a more specific category of the same department that overlaps this one."""
        return (
            other.department == self.department
            and other.specificity > self.specificity
            and self.matter in ("", other.matter)
            and self.security_level in ("", other.security_level)
        )

    def label(self) -> str:
        parts = [self.department, self.matter or "全部事项", self.security_level or "全部密级"]
        return " / ".join(parts)


@dataclass(frozen=True)
class SharingRule:
    """One current rule: the category, its sharing type, with whom, and whether files may be downloaded."""

    category: Category
    kind: str
    departments: tuple[str, ...] = ()
    to_all: bool = False
    download: bool = False
    conditions: str = ""

    def shared_with(self, department: str | None) -> bool:
        if self.kind == NOT_SHARED or not department or department == self.category.department:
            return False
        return self.to_all or department in self.departments

    def kind_for(self, department: str | None) -> str:
        return self.kind if self.shared_with(department) else NOT_SHARED


@dataclass(frozen=True)
class SharedCategory:
    """What the catalogue opens to one viewing department: a category, its type for that department,
    the download flag, and the narrower categories (matter, level) whose own rules decide instead."""

    category: Category
    kind: str
    download: bool
    unless: tuple[tuple[str, str], ...] = ()


def _clean(text: str | None, limit: int) -> str:
    return " ".join(str(text or "").split())[:limit]


def checked_rule(
    department: str,
    matter: str = "",
    security_level: str = "",
    *,
    kind: str,
    departments: Iterable[str] = (),
    to_all: bool = False,
    download: bool = False,
    conditions: str = "",
) -> SharingRule:
    """A rule from what a person typed, or a ValidationFailed saying in Chinese what is wrong."""
    dept = _clean(department, MAX_NAME + 1)
    if not dept or len(dept) > MAX_NAME:
        raise ValidationFailed(f"请填写形成部门（1–{MAX_NAME} 个字）", code="department_required")
    level = _clean(security_level, 20)
    if level:
        try:
            level = SecurityLevel.parse(level).label
        except ValueError:
            raise ValidationFailed(
                f"未知密级：{level}（可选 公开、内部、秘密、机密，或留空表示全部密级）", code="invalid_level"
            ) from None
    if kind not in SHARING_KINDS:
        raise ValidationFailed(f"共享类型只能是 {'、'.join(SHARING_KINDS)}", code="invalid_sharing_kind")
    names = tuple(dict.fromkeys(n for n in (_clean(d, MAX_NAME) for d in departments) if n))
    if len(names) > MAX_DEPARTMENTS:
        raise ValidationFailed(f"共享部门最多 {MAX_DEPARTMENTS} 个", code="too_many_departments")
    if kind == NOT_SHARED:
        names, to_all, download = (), False, False
    elif not to_all and not names:
        raise ValidationFailed("请填写共享给哪些部门，或选择“全部部门”", code="departments_required")
    if to_all:
        names = ()
    if dept in names:
        raise ValidationFailed("共享部门不必包含形成部门本身", code="self_shared")
    if kind == CONDITIONAL and download:
        download = False  # a conditional rule lends nothing itself: the approved request says 下载 or not
    text = _clean(conditions, MAX_CONDITIONS + 1)
    if len(text) > MAX_CONDITIONS:
        raise ValidationFailed(f"共享条件最多 {MAX_CONDITIONS} 个字", code="conditions_too_long")
    return SharingRule(Category(dept, _clean(matter, MAX_NAME), level), kind, names, to_all, download, text)


def rule_for(
    rules: Iterable[SharingRule], department: str, matter: str, security_level: str
) -> SharingRule | None:
    """The rule that decides a record of this department, matter and level: the most specific one."""
    found = [r for r in rules if r.category.covers(department, matter, security_level)]
    return max(found, key=lambda r: r.category.specificity, default=None)


def sharing_kind(
    rules: Iterable[SharingRule], viewer: str | None, department: str, matter: str, security_level: str
) -> str:
    """How a record of (department, matter, level) is shared with the viewing department."""
    rule = rule_for(rules, department, matter, security_level)
    return NOT_SHARED if rule is None else rule.kind_for(viewer)


def view_for(rules: Iterable[SharingRule], viewer: str | None) -> list[SharedCategory]:
    """The categories shared with `viewer` (无条件 or 有条件), each with the narrower categories that
    decide for themselves; every record is covered by at most one of them."""
    current = list(rules)
    out = []
    for rule in current:
        kind = rule.kind_for(viewer)
        if kind == NOT_SHARED:
            continue
        unless = tuple(
            sorted(
                {
                    (o.category.matter, o.category.security_level)
                    for o in current
                    if rule.category.narrower(o.category)
                }
            )
        )
        out.append(SharedCategory(rule.category, kind, rule.download and kind == FREE, unless))
    return out
