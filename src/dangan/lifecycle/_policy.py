"""The lifecycle settings as a value object: where periods start (per matter) and the approval chain.

Read from the `[lifecycle]` table of dangan.toml (or DANGAN_LIFECYCLE as JSON):

    [lifecycle]
    retention_start = "next_year"              # or "decision"
    approval_chain = [["archivist", "dept_head"], ["archivist", "dept_head"]]
    [lifecycle.matters."食品经营许可"]
    retention_start = "decision"

Each step of the chain lists the roles that may give that approval; every approver must differ from
the proposer and from the earlier approvers. The default (DESIGN §4) is two approvals by archivists or
department heads. Bad values stop the command with a Chinese message rather than being guessed at.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from dangan.core import ConfigurationError

from ._retention import START_NEXT_YEAR, START_RULES

ROLE_CODES = ("sysadmin", "secadmin", "auditor", "archivist", "clerk", "dept_head", "reader", "public")
DEFAULT_CHAIN: tuple[tuple[str, ...], ...] = (("archivist", "dept_head"), ("archivist", "dept_head"))


@dataclass(frozen=True)
class LifecyclePolicy:
    retention_start: str = START_NEXT_YEAR
    matter_starts: Mapping[str, str] = field(default_factory=dict)
    approval_chain: tuple[tuple[str, ...], ...] = DEFAULT_CHAIN

    def start_rule(self, matter: str | None) -> str:
        return self.matter_starts.get(matter or "", self.retention_start)

    @classmethod
    def from_settings(cls, table: Mapping[str, Any] | None) -> LifecyclePolicy:
        table = table or {}
        start = _start(table.get("retention_start", START_NEXT_YEAR), "retention_start")
        matters: dict[str, str] = {}
        for name, value in (table.get("matters") or {}).items():
            rule = value.get("retention_start") if isinstance(value, Mapping) else value
            matters[str(name)] = _start(rule, f"matters.{name}")
        chain = table.get("approval_chain", DEFAULT_CHAIN)
        return cls(start, matters, _chain(chain))


def _start(value: Any, where: str) -> str:
    if value not in START_RULES:
        raise ConfigurationError(
            f"[lifecycle] {where} 取值“{value}”无效，可选 next_year（次年1月1日起算）或 decision（自办结日起算）"
        )
    return str(value)


def _chain(value: Any) -> tuple[tuple[str, ...], ...]:
    if not isinstance(value, list | tuple) or not value:
        raise ConfigurationError("[lifecycle] approval_chain 须为非空列表，每一步列出可审批的角色")
    steps = []
    for step in value:
        roles = (step,) if isinstance(step, str) else tuple(step) if isinstance(step, list | tuple) else ()
        if not roles or any(r not in ROLE_CODES for r in roles):
            raise ConfigurationError(
                f"[lifecycle] approval_chain 中的“{step}”无效，角色可选 {'、'.join(ROLE_CODES)}"
            )
        steps.append(tuple(str(r) for r in roles))
    return tuple(steps)
