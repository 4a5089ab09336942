"""Roles of DESIGN.md §4, with 三员分立: the three administrators see no record content."""

from __future__ import annotations

from enum import Enum


class Role(Enum):
    SYSADMIN = ("sysadmin", "系统管理员")
    SECADMIN = ("secadmin", "安全保密管理员")
    AUDITOR = ("auditor", "安全审计员")
    ARCHIVIST = ("archivist", "档案管理员")
    CLERK = ("clerk", "部门经办人")
    DEPT_HEAD = ("dept_head", "部门负责人")
    READER = ("reader", "查阅用户")
    PUBLIC = ("public", "公众")

    def __init__(self, code: str, label: str):
        self.code = code
        self.label = label

    @classmethod
    def parse(cls, value: str) -> Role:
        for role in cls:
            if value in (role.code, role.label):
                return role
        raise ValueError(value)


THREE_ADMINS = frozenset({Role.SYSADMIN, Role.SECADMIN, Role.AUDITOR})
DEPARTMENT_SCOPED = frozenset({Role.CLERK, Role.DEPT_HEAD})
ROLE_CODES = [r.code for r in Role]
