"""The required-materials rules of approval matters, as the archivist's page lists them.

Matters come from three places: the catalogue (every matter a record was filed under), dangan.toml's
`[matters."…"]` tables and rules saved in the UI (`set_matter_rule`); the UI's rule wins, as at check time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from dangan.access import Principal, Role
from dangan.core import PermissionDenied
from dangan.services.archive import Archive
from dangan.store.catalog import Department, Matter, MatterRule

SOURCE_UI = "界面设置"
SOURCE_TOML = "配置文件"
SOURCE_NONE = "未设置"


@dataclass
class MatterRuleView:
    matter: str
    codes: list[str] = field(default_factory=list)
    departments: list[str] = field(default_factory=list)
    required: list[str] = field(default_factory=list)
    source: str = SOURCE_NONE
    updated_by: str | None = None
    updated_at: datetime | None = None


def _require_archivist(user: Principal) -> None:
    if user.role is not Role.ARCHIVIST:
        raise PermissionDenied("只有档案管理员可以查看和设置审批事项的必备材料", code="matter_rule_forbidden")


def list_matter_rules(archive: Archive, user: Principal) -> list[MatterRuleView]:
    """Every known matter with its effective rule, sorted by name (matters with a rule first)."""
    _require_archivist(user)
    views: dict[str, MatterRuleView] = {}
    with archive.db.read() as session:
        for name, code, dept in session.execute(
            select(Matter.name, Matter.code, Department.name).join(
                Department, Department.id == Matter.department_id
            )
        ):
            view = views.setdefault(name, MatterRuleView(name))
            if code and code not in view.codes:
                view.codes.append(code)
            if dept not in view.departments:
                view.departments.append(dept)
        rows = list(session.scalars(select(MatterRule)))
    for name, entry in archive.settings.matters.items():
        view = views.setdefault(name, MatterRuleView(name))
        required = entry.get("required") if isinstance(entry, dict) else None
        if isinstance(required, list):
            view.required, view.source = [str(r) for r in required], SOURCE_TOML
    for row in rows:
        view = views.setdefault(row.matter, MatterRuleView(row.matter))
        view.required, view.source = list(row.required), SOURCE_UI
        view.updated_by, view.updated_at = row.updated_by, row.updated_at
    return sorted(views.values(), key=lambda v: (v.source == SOURCE_NONE, v.matter))


def matter_rule_view(archive: Archive, user: Principal, matter: str) -> MatterRuleView:
    """One matter's view (a matter not known anywhere yet is offered with an empty rule)."""
    for view in list_matter_rules(archive, user):
        if view.matter == matter.strip():
            return view
    return MatterRuleView(matter.strip())
