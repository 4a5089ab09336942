"""Read models for browsing: lists, facets, counts and one record — always through the policy."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select

from dangan.access import Principal, RecordView, can_download, can_read, mask_record_view, record_filter
from dangan.core import NotFound, PermissionDenied
from dangan.domain import region_prefix
from dangan.lifecycle import refuse_if_destroyed
from dangan.services.accounts import note_grant_use
from dangan.services.archive import Archive, log_access, log_denied, record_view
from dangan.store.catalog import Department, Matter, Record, RecordFile, get_record
from dangan.store.objects import ObjectStore

PAGE_SIZE = 20


SORTS = {"date_desc": "办结日期（新→旧）", "date_asc": "办结日期（旧→新）", "code": "档号"}


@dataclass(frozen=True)
class BrowseFilter:
    department: str | None = None
    matter: str | None = None
    year: int | None = None
    category: str | None = None
    district: str | None = None  # a GB/T 2260 code: a county, or a city's prefix ('1303')
    result: str | None = None
    keyword: str | None = None  # in 题名, 申请人, 文号 or 档号
    sort: str = "date_desc"


@dataclass
class Page:
    items: list[RecordView]  # masked as this user may read them: no door shows a raw title
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _where(user: Principal, f: BrowseFilter) -> ColumnElement[bool]:
    clauses = [record_filter(user)]
    if f.department:
        clauses.append(Record.department.has(Department.name == f.department))
    if f.matter:
        clauses.append(Record.matter.has(Matter.name == f.matter))
    if f.year:
        clauses.append(Record.year == f.year)
    if f.category:
        clauses.append(Record.category == f.category)
    if f.district:
        clauses.append(Record.district.startswith(region_prefix(f.district), autoescape=True))
    if f.result:
        clauses.append(Record.result == f.result)
    if f.keyword:
        k = f.keyword.strip()
        columns = (Record.title, Record.applicant_name, Record.doc_number, Record.archival_code)
        clauses.append(or_(*(c.contains(k, autoescape=True) for c in columns)))
    return and_(*clauses)


def _order(f: BrowseFilter) -> tuple[Any, ...]:
    if f.sort == "date_asc":
        return (Record.decided_at.asc(), Record.seq.asc())
    if f.sort == "code":
        return (Record.archival_code.asc(),)
    return (Record.decided_at.desc(), Record.seq.desc())


def browse(
    archive: Archive, user: Principal, f: BrowseFilter, page: int = 1, per_page: int = PAGE_SIZE
) -> Page:
    page = max(1, page)
    per_page = max(1, min(per_page, 200))
    where = _where(user, f)
    with archive.db.read() as s:
        total = s.scalar(select(func.count()).select_from(Record).where(where)) or 0
        rows = s.scalars(
            select(Record).where(where).order_by(*_order(f))
            .offset((page - 1) * per_page).limit(per_page)
        ).all()  # fmt: skip
    return Page([mask_record_view(user, r) for r in rows], total, page, per_page)


def facets(archive: Archive, user: Principal, f: BrowseFilter) -> dict[str, list[tuple[str, int]]]:
    """Counts per category, department, matter, year, district and result among the records the user may
    see. Each facet counts under every *other* active filter (its own is left out, so its other values
    stay offered), the usual faceted-search rule: the numbers are what choosing that value would give."""

    def without(name: str) -> ColumnElement[bool]:
        changes: dict[str, Any] = {name: None}
        return _where(user, replace(f, **changes))

    with archive.db.read() as s:
        dept = s.execute(
            select(Department.name, func.count()).select_from(Record).join(Department)
            .where(without("department")).group_by(Department.name).order_by(func.count().desc())
        ).all()  # fmt: skip
        matter = s.execute(
            select(Matter.name, func.count()).select_from(Record).join(Matter)
            .where(without("matter")).group_by(Matter.name).order_by(func.count().desc())
        ).all()  # fmt: skip
        year = s.execute(
            select(Record.year, func.count()).where(without("year")).group_by(Record.year)
            .order_by(Record.year.desc())
        ).all()  # fmt: skip
        category = s.execute(
            select(Record.category, func.count()).where(without("category")).group_by(Record.category)
            .order_by(func.count().desc())
        ).all()  # fmt: skip
        district = s.execute(
            select(Record.district, func.count()).where(without("district"), Record.district.is_not(None))
            .group_by(Record.district).order_by(func.count().desc())
        ).all()  # fmt: skip
        result = s.execute(
            select(Record.result, func.count()).where(without("result")).group_by(Record.result)
            .order_by(func.count().desc())
        ).all()  # fmt: skip
    return {
        "category": [(str(n or ""), int(c)) for n, c in category],
        "department": [(str(n), int(c)) for n, c in dept],
        "matter": [(str(n), int(c)) for n, c in matter],
        "year": [(str(y), int(c)) for y, c in year],
        "district": [(str(d), int(c)) for d, c in district],
        "result": [(str(r), int(c)) for r, c in result],
    }


def overview(archive: Archive, user: Principal) -> dict[str, int]:
    where = record_filter(user)
    with archive.db.read() as s:
        records = s.scalar(select(func.count()).select_from(Record).where(where)) or 0
        files, size = s.execute(
            select(func.count(RecordFile.id), func.coalesce(func.sum(RecordFile.size), 0))
            .join(Record, Record.seq == RecordFile.record_seq).where(where)
        ).one()  # fmt: skip
        depts = s.scalar(select(func.count(func.distinct(Record.department_id))).where(where)) or 0
        matters = s.scalar(select(func.count(func.distinct(Record.matter_id))).where(where)) or 0
    return {
        "records": records,
        "files": int(files),
        "bytes": int(size),
        "departments": depts,
        "matters": matters,
    }


@dataclass(frozen=True)
class RecordRead:
    """One record read through a door: what the user may see, and the row the policy judged."""

    view: RecordView
    record: Record


def read_record(archive: Archive, user: Principal, record_id: str, via: str) -> RecordRead:
    """Every door that shows one record (web page, API, …) reads it here: the policy decides, the view is
    masked, and the trail gets the view (and any unmasking) with the door it went through."""
    record = record_for(archive, user, record_id)
    view = record_view(archive, user, record, via)
    log_access(archive, user.username, "view", record.id, {"via": via})
    return RecordRead(view, record)


def record_for(archive: Archive, user: Principal, record_id: str) -> Record:
    """The record if this user may read it; otherwise NotFound, exactly as for a missing one."""
    with archive.db.read() as s:
        record = get_record(s, record_id)
        readable = record is not None and can_read(user, record)
        if record is not None and readable:
            _ = record.files  # load while the session is open
    if record is not None and readable:
        note_grant_use(archive, user, record, "view")  # an event when read only through a grant
        return record
    if record is not None:  # the user is told "not found"; the audit trail is told the truth
        log_denied(archive, user.username, record_id, {"action": "read"})
    raise NotFound("档案不存在或您无权查看")


@dataclass(frozen=True)
class FileContent:
    """The bytes of one record file, decrypted on the way out when they are stored encrypted."""

    objects: ObjectStore
    sha256: str
    encrypted: bool

    def available(self) -> bool:
        return self.objects.exists(self.sha256, self.encrypted)

    def path(self) -> AbstractContextManager[Path]:
        """A plaintext file for libraries that need a path (removed afterwards when it was decrypted)."""
        return self.objects.plain_path(self.sha256, self.encrypted)

    def chunks(self) -> Iterator[bytes]:
        return self.objects.iter_plain(self.sha256, self.encrypted)


def file_for(
    archive: Archive, user: Principal, record_id: str, position: int, *, download: bool = False
) -> tuple[Record, RecordFile, FileContent]:
    """One file of a record the user may read; NotFound otherwise, exactly as for a missing one."""
    record = record_for(archive, user, record_id)
    refuse_if_destroyed(record.lifecycle_status, record.archival_code)  # 410: content gone, metadata kept
    if download:
        if not can_download(user, record):
            raise PermissionDenied("您的利用授权仅限查看，不含下载", code="download_not_granted")
        note_grant_use(archive, user, record, "download")
    for f in record.files:
        if f.position == position:
            return record, f, FileContent(archive.objects, f.sha256, f.encrypted)
    raise NotFound("文件不存在或您无权查看")
