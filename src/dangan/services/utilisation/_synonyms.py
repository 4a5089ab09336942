"""The search synonyms an archivist keeps: what staff type (老工商, 开工证, 没批) and what the archive calls it.

The shipped table (`dangan/index/data/synonyms.toml`) is written for any city; each archive knows its own
nicknames and reorganisations. Its entries live in the catalogue (`search_synonym`) and win over the
shipped ones at the very next query: the parser's key cache is signed with their count and latest change,
so nothing here has to invalidate anything. A shipped entry cannot be deleted (it is not the archive's),
only overridden by an entry of the same words.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dangan.access import Principal, Role
from dangan.core import NotFound, PermissionDenied, ValidationFailed, utcnow
from dangan.domain import industry_by_code
from dangan.index import SYNONYM_KINDS, normalise_query, shipped_synonyms
from dangan.services.accounts import aware
from dangan.services.archive import Archive, record_event
from dangan.store.catalog import Department, Matter, Record, SearchSynonym

SYNONYM_KIND_LABELS = {
    "departments": "部门别称",
    "matters": "事项简称",
    "industries": "行业用语",
    "results": "结果用语",
}
SOURCE_SHIPPED = "系统默认"
SOURCE_ARCHIVE = "本馆添加"
ALIAS_MIN, ALIAS_MAX, TARGET_MAX = 2, 30, 100  # the parser ignores keys shorter than two characters
_TARGET_HELP = {
    "departments": "部门现用全称的结尾部分，如“市场监督管理局”",
    "matters": "审批事项名称中的一段文字，如“施工许可”",
    "industries": "国民经济行业分类（GB/T 4754）代码，门类字母加数字，如 H62（餐饮业）",
    "results": "档案中记录的办理结果，如“不予许可”",
}


@dataclass(frozen=True)
class SynonymEntry:
    kind: str  # one of SYNONYM_KINDS
    alias: str  # what staff type, normalised as queries are
    target: str  # what the archive calls it (see _TARGET_HELP)
    source: str  # SOURCE_SHIPPED or SOURCE_ARCHIVE
    default_target: str | None = None  # the shipped target an archive entry overrides
    updated_by: str | None = None
    updated_at: datetime | None = None
    note: str | None = None  # a warning: the target names nothing in the catalogue yet

    @property
    def kind_label(self) -> str:
        return SYNONYM_KIND_LABELS[self.kind]

    @property
    def own(self) -> bool:
        """The archive's entry (editable, removable) rather than a shipped default."""
        return self.source == SOURCE_ARCHIVE

    @property
    def overrides(self) -> bool:
        return self.default_target is not None

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "kind_label": self.kind_label,
            "alias": self.alias,
            "target": self.target,
            "source": self.source,
            "overrides": self.overrides,
            "default_target": self.default_target,
            "updated_by": self.updated_by,
            "updated_at": self.updated_at.isoformat() if self.updated_at else None,
            "note": self.note,
        }


def require_synonym_editor(user: Principal) -> None:
    if user.role is not Role.ARCHIVIST:
        raise PermissionDenied("只有档案管理员可以维护检索同义词", code="synonym_forbidden")


def synonym_kind(text: str) -> str:
    """The kind named by its code or its Chinese label (the CLI and forms accept either)."""
    value = text.strip()
    if value in SYNONYM_KINDS:
        return value
    for kind, label in SYNONYM_KIND_LABELS.items():
        if value in (label, label[:2]):  # 部门别称 or just 部门
            return kind
    choices = "、".join(f"{label}（{kind}）" for kind, label in SYNONYM_KIND_LABELS.items())
    raise ValidationFailed(f"同义词类别“{value}”无效，可选：{choices}", code="invalid_synonym_kind")


def _alias(text: str) -> str:
    alias = normalise_query(text).strip()
    if not ALIAS_MIN <= len(alias) <= ALIAS_MAX:
        raise ValidationFailed(
            f"检索用语应为 {ALIAS_MIN}–{ALIAS_MAX} 个字（现为 {len(alias)} 个字）",
            code="invalid_synonym_alias",
        )
    return alias


def _target(kind: str, text: str) -> str:
    target = text.strip()
    if not target or len(target) > TARGET_MAX:
        raise ValidationFailed(
            f"{SYNONYM_KIND_LABELS[kind]}的对应名称不能为空且不超过 {TARGET_MAX} 个字：{_TARGET_HELP[kind]}",
            code="invalid_synonym_target",
        )
    if kind == "industries":
        found = industry_by_code(target)
        if found is None:
            raise ValidationFailed(
                f"“{target}”不是有效的行业代码：应填{_TARGET_HELP[kind]}", code="invalid_industry_code"
            )
        return found.qualified_code  # stored records carry H6210: a bare 6210 would match none of them
    return target


def _note(s: Session, kind: str, target: str) -> str | None:
    """Why this entry may not filter anything yet; entries are allowed ahead of the records they name."""
    if kind == "departments":
        names = [n for n in s.scalars(select(Department.name)) if target in n]
        if not names:
            return f"目录中暂无名称含“{target}”的部门：该部门的档案归档后，此同义词才起作用"
        if len(names) > 1:
            return f"“{target}”对应目录中的 {len(names)} 个部门（{'、'.join(sorted(names))}），检索时按其中任一部门筛选"
    elif kind == "matters":
        if not any(target in n for n in s.scalars(select(Matter.name))):
            return f"目录中暂无名称含“{target}”的审批事项：该事项的档案归档后，此同义词才起作用"
    elif kind == "results" and s.scalar(select(Record.seq).where(Record.result == target).limit(1)) is None:
        return f"目录中暂无办理结果为“{target}”的档案"
    return None


def _entry(row: SearchSynonym, note: str | None = None) -> SynonymEntry:
    return SynonymEntry(
        row.kind,
        row.alias,
        row.target,
        SOURCE_ARCHIVE,
        shipped_synonyms().get(row.kind, {}).get(row.alias),
        row.updated_by,
        aware(row.updated_at) if row.updated_at else None,
        note,
    )


def list_synonyms(
    archive: Archive, user: Principal | None, *, kind: str | None = None, text: str = ""
) -> list[SynonymEntry]:
    """The table search reads: the archive's entries (over the shipped ones of the same words) and the
    shipped defaults, by kind, the archive's first. `user` None is the operator at the server's shell;
    `text` keeps entries whose words or target contain it."""
    if user is not None:
        require_synonym_editor(user)
    kinds = (synonym_kind(kind),) if kind else SYNONYM_KINDS
    needle = normalise_query(text).strip()
    with archive.db.read() as s:
        rows = s.scalars(select(SearchSynonym).where(SearchSynonym.kind.in_(kinds))).all()
        own = {(r.kind, r.alias): _entry(r, _note(s, r.kind, r.target)) for r in rows}
    entries = list(own.values())
    for k in kinds:
        for alias, target in shipped_synonyms().get(k, {}).items():
            if (k, alias) not in own:
                entries.append(SynonymEntry(k, alias, target, SOURCE_SHIPPED))
    if needle:
        entries = [e for e in entries if needle in e.alias or needle in e.target]
    return sorted(entries, key=lambda e: (SYNONYM_KINDS.index(e.kind), e.source != SOURCE_ARCHIVE, e.alias))


def set_synonym(archive: Archive, user: Principal, kind: str, alias: str, target: str) -> SynonymEntry:
    """Add or change one of the archive's entries; search understands it from the next query on."""
    require_synonym_editor(user)
    kind = synonym_kind(kind)
    alias, target = _alias(alias), _target(kind, target)
    with archive.db.write() as s:
        row = s.scalar(select(SearchSynonym).where(SearchSynonym.kind == kind, SearchSynonym.alias == alias))
        previous = row.target if row is not None else None
        if row is None:
            row = SearchSynonym(kind=kind, alias=alias, target=target, updated_by=user.username)
            s.add(row)
        else:
            row.target, row.updated_by = target, user.username
        row.updated_at = utcnow()  # a change must move the parser's signature even when the count does not
        detail = {"action": "set", "kind": kind, "alias": alias, "target": target, "previous": previous}
        record_event(s, "search_synonym", user.username, None, detail)
        return _entry(row, _note(s, kind, target))


def remove_synonym(archive: Archive, user: Principal, kind: str, alias: str) -> SynonymEntry:
    """Delete one of the archive's entries and return it; its `default_target`, when set, is the shipped
    meaning that applies again from the next query on."""
    require_synonym_editor(user)
    kind = synonym_kind(kind)
    alias = normalise_query(alias).strip()
    label = SYNONYM_KIND_LABELS[kind]
    with archive.db.write() as s:
        row = s.scalar(select(SearchSynonym).where(SearchSynonym.kind == kind, SearchSynonym.alias == alias))
        if row is None:
            if alias in shipped_synonyms().get(kind, {}):
                raise ValidationFailed(
                    f"“{alias}”是系统默认的{label}，不能删除；如需改变其含义，请以相同用语添加本馆条目覆盖它",
                    code="synonym_shipped",
                )
            raise NotFound(f"本馆没有“{alias}”这一{label}", code="synonym_not_found")
        removed = _entry(row)
        detail = {"action": "remove", "kind": kind, "alias": alias, "target": None, "previous": row.target}
        s.delete(row)
        record_event(s, "search_synonym", user.username, None, detail)
    return removed
