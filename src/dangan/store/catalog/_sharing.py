"""Tables of the sharing catalogue (migration 0027): the current rule per category and every version.

`SharingRule` holds one row per category (department, matter, security level; '' = all), updated in
place to its newest version; a retired rule keeps its row (``retired``) so the key can be revived and its
history stays attached. `SharingRuleVersion` rows are never updated or deleted: each change — a new rule,
an edit, a retirement — adds one, with who, when and why, in the same transaction as its ledger event.
The version table's id is the catalogue's revision number.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from dangan.core import new_id, utcnow

from ._models import Base


class SharingRule(Base):
    __tablename__ = "sharing_rule"
    __table_args__ = (UniqueConstraint("department", "matter", "security_level", name="uq_sharing_category"),)
    id: Mapped[str] = mapped_column(String(26), primary_key=True, default=new_id)
    department: Mapped[str] = mapped_column(String(200), index=True)
    matter: Mapped[str] = mapped_column(String(200), default="")
    security_level: Mapped[str] = mapped_column(String(8), default="")
    kind: Mapped[str] = mapped_column(String(8))
    departments: Mapped[list[Any]] = mapped_column(JSON, default=list)
    to_all: Mapped[bool] = mapped_column(Boolean, default=False)
    download: Mapped[bool] = mapped_column(Boolean, default=False)
    conditions: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer)
    retired: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    updated_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SharingRuleVersion(Base):
    __tablename__ = "sharing_rule_version"
    __table_args__ = (UniqueConstraint("rule_id", "version", name="uq_sharing_rule_version"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    rule_id: Mapped[str] = mapped_column(ForeignKey("sharing_rule.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    department: Mapped[str] = mapped_column(String(200))
    matter: Mapped[str] = mapped_column(String(200))
    security_level: Mapped[str] = mapped_column(String(8))
    kind: Mapped[str] = mapped_column(String(8))
    departments: Mapped[list[Any]] = mapped_column(JSON, default=list)
    to_all: Mapped[bool] = mapped_column(Boolean, default=False)
    download: Mapped[bool] = mapped_column(Boolean, default=False)
    conditions: Mapped[str] = mapped_column(Text, default="")
    retired: Mapped[bool] = mapped_column(Boolean, default=False)
    changed_by: Mapped[str] = mapped_column(String(64))
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    reason: Mapped[str] = mapped_column(Text)
