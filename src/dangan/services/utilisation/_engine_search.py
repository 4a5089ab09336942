"""The parsed query and the access policy as terms of the embedded engine (dangan.index's tantivy index).

The engine answers only when it holds everything the catalogue holds (its outbox is empty, after a
small catch-up if needed); otherwise the caller searches the catalogue itself, with the same answers.
The policy is translated here, next to `dangan.access.record_filter` whose rows it must equal: a test
runs every search feature as every kind of user on both engines.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import delete, insert, literal, select
from sqlalchemy.orm import Session

from dangan.access import DEPARTMENT_SCOPED, Principal, Role, shared_filter
from dangan.core import utcnow
from dangan.domain import SecurityLevel, region_prefix
from dangan.index import (
    Access,
    Engine,
    Filters,
    ParsedQuery,
    backlog,
    catch_up,
    engine_for,
    engine_root,
    engine_wanted,
    forget_engine,
    keyword_phrases,
    query_phrases,
    start_version,
)
from dangan.services.archive import Archive
from dangan.store.catalog import Department, Matter, Record, SearchOutbox

from ._facets import format_facets
from ._identifiers import near_identifiers
from ._results import TEXT_MATCH, SearchHit, SearchResult, hit_of, mark_hits

log = logging.getLogger(__name__)
SYNC_CATCH_UP = 2000  # a search applies at most this many pending changes itself; more is the worker's


def engine_on(archive: Archive) -> bool:
    return engine_wanted(archive.settings.search_engine, archive.settings.db_url)


def ready_engine(archive: Archive) -> Engine | None:
    """The engine when it is in step with the catalogue, else None (the catalogue answers instead)."""
    if not engine_on(archive):
        return None
    try:
        start_version(archive.db, archive.settings.home)
        with archive.db.read() as s:
            pending = backlog(s)
        if pending and pending <= SYNC_CATCH_UP:
            catch_up(archive.db, archive.settings.home, max_rows=SYNC_CATCH_UP)
            with archive.db.read() as s:
                pending = backlog(s)
        return None if pending else engine_for(archive.settings.home)
    except (
        OSError,
        ValueError,
    ) as exc:  # unreadable index files: the catalogue answers; `dangan reindex --rebuild`
        log.warning("内置检索引擎不可用，改由目录数据库检索：%s", exc)
        return None


def access_of(s: Session, user: Principal) -> Access:
    if not user.sees_records:
        return Access(none=True)
    granted: tuple[int, ...] = ()
    if user.grants:
        ids = sorted({g.record_id for g in user.grants})
        granted = tuple(s.scalars(select(Record.seq).where(Record.id.in_(ids))))
    rank = user.clearance.rank
    if user.role in (Role.PUBLIC, Role.READER):
        return Access(public_only=True, max_rank=rank, granted=granted, public_rank=SecurityLevel.PUBLIC.rank)
    if user.role in DEPARTMENT_SCOPED:
        dept = s.scalars(select(Department.id).where(Department.name == (user.department or ""))).all()
        shared = shared_filter(user)  # records other departments share unconditionally: lent one by one
        if shared is not None:
            granted = tuple(sorted({*granted, *s.scalars(select(Record.seq).where(shared))}))
        return Access(max_rank=rank, departments=tuple(dept), granted=granted)
    if user.role is Role.ARCHIVIST:
        return Access(max_rank=rank, granted=granted)
    return Access(max_rank=SecurityLevel.PUBLIC.rank, departments=(), granted=granted)


def filters_of(s: Session, parsed: ParsedQuery) -> Filters | None:
    """None when a named department or matter is not in the catalogue (the set is empty)."""
    departments: tuple[int, ...] = ()
    matters: tuple[int, ...] = ()
    if parsed.department:
        names = parsed.departments or (parsed.department,)
        departments = tuple(s.scalars(select(Department.id).where(Department.name.in_(names))))
        if not departments:
            return None
    if parsed.matter:
        names = parsed.matters or (parsed.matter,)
        matters = tuple(s.scalars(select(Matter.id).where(Matter.name.in_(names))))
        if not matters:
            return None
    return Filters(
        date_from=parsed.time_from, date_to=parsed.time_to, district=region_prefix(parsed.district) if parsed.district else None,
        departments=departments, matters=matters, industry=parsed.industry, result=parsed.result,
        level=parsed.security_level, enterprise=parsed.enterprise, person=parsed.person,
    )  # fmt: skip


def facet_rows(s: Session, raw: dict[str, list[tuple[Any, int]]]) -> dict[str, list[tuple[str, int]]]:
    """Engine facet keys as the catalogue names them (ids → department and matter names)."""
    dept: dict[Any, str] = {i: n for i, n in s.execute(select(Department.id, Department.name))}
    matter: dict[Any, str] = {i: n for i, n in s.execute(select(Matter.id, Matter.name))}
    out: dict[str, list[tuple[str, int]]] = {}
    for kind, rows in raw.items():
        names: dict[Any, str] = dept if kind == "department" else matter if kind == "matter" else {}
        merged: dict[str, int] = {}
        for key, count in rows:
            name = names.get(key, str(key)) if names else str(key)
            merged[name] = merged.get(name, 0) + count  # matters of the same name in two departments
        out[kind] = sorted(merged.items(), key=lambda kv: (-kv[1], kv[0]))
    return out


def reindex(
    archive: Archive, *, rebuild: bool = False, progress: Any = None, batch: int = 2000
) -> dict[str, Any]:
    """Bring the embedded engine in step with the catalogue: apply what is pending or, with `rebuild`,
    drop the engine's files and index every record again (after damage, or a new engine version).
    The catalogue's own full-text index answers searches meanwhile."""
    import os
    import shutil
    import time

    if not engine_on(archive):
        return {"engine": False, "applied": 0, "documents": 0, "seconds": 0.0}
    start = time.perf_counter()
    home = archive.settings.home
    if rebuild:
        with archive.db.write() as s:
            s.execute(delete(SearchOutbox))
            s.execute(insert(SearchOutbox).from_select(["record_seq", "created_at"],
                                                      select(Record.seq, literal(utcnow())).order_by(Record.seq)))  # fmt: skip
        forget_engine(home)
        root = engine_root(home)
        if root.exists():  # renamed first (atomic), then removed: a kill never leaves half an index in place
            trash = root.with_name(f".{root.name}.old-{os.getpid()}")
            os.replace(root, trash)
            shutil.rmtree(trash, ignore_errors=True)
    applied = catch_up(archive.db, home, progress=progress, batch=batch)
    with archive.db.read() as s:
        left = backlog(s)
    documents = engine_for(home).size() if not left else None
    return {"engine": True, "applied": applied, "pending": left, "documents": documents,
            "seconds": round(time.perf_counter() - start, 1)}  # fmt: skip


def by_engine(
    s: Session, engine: Engine, user: Principal, query: str, parsed: ParsedQuery, page: tuple[int, int],
    sort: str, facets: bool,
) -> SearchResult:  # fmt: skip
    """The same answer as `_statement` over the catalogue, from the embedded engine: count, page, facets."""
    limit, offset = page
    doc = parsed.as_json()
    empty = SearchResult(
        query, doc, 0, facets=format_facets({}) if facets else None, sort=sort, understood=parsed
    )
    filters = filters_of(s, parsed)
    if parsed.keywords:
        phrases = keyword_phrases(parsed.keywords)
    else:
        phrases = [] if parsed.has_filters else query_phrases(query)
    if filters is None or (not phrases and not parsed.has_filters):
        return empty
    found = engine.run(phrases, filters, access_of(s, user), limit=limit, offset=offset,
                       by_date=sort == "date" or not phrases, facets=facets)  # fmt: skip
    pairs = found.hits
    records = {r.seq: r for r in s.scalars(select(Record).where(Record.seq.in_([seq for seq, _ in pairs])))}
    hits = [hit_of(user, records[seq], score) for seq, score in pairs if seq in records]
    counted = format_facets(facet_rows(s, found.facets)) if found.facets is not None else None
    mark_hits(s, user, hits, doc)
    return SearchResult(query, doc, found.total, hits, counted, sort, understood=parsed)


def identifier_by_engine(
    s: Session, engine: Engine, user: Principal, query: str, parsed: ParsedQuery, first: list[SearchHit],
    whole: list[list[str]], page: tuple[int, int], sort: str, facets: bool,
) -> SearchResult:  # fmt: skip
    """An identifier's exact hits first, then the records whose materials hold it whole, from the engine."""
    limit, offset = page
    doc = parsed.as_json()
    hits = first[offset : offset + limit]
    found = engine.run(whole, Filters(exclude=tuple(h.seq for h in first)), access_of(s, user),
                       limit=max(1, limit - len(hits)), offset=max(0, offset - len(first)),
                       by_date=sort == "date", facets=facets)  # fmt: skip
    rest, pairs = found.total, found.hits
    if len(hits) < limit:
        records = {
            r.seq: r for r in s.scalars(select(Record).where(Record.seq.in_([seq for seq, _ in pairs])))
        }
        hits += [hit_of(user, records[seq], score, TEXT_MATCH) for seq, score in pairs if seq in records]
    counted = None
    if found.facets is not None:
        rows = facet_rows(s, found.facets)
        for r in s.scalars(select(Record).where(Record.seq.in_([h.seq for h in first]))):
            for kind, value in _facet_values(r).items():
                counts = dict(rows.get(kind, []))
                counts[value] = counts.get(value, 0) + 1
                rows[kind] = list(counts.items())
        counted = format_facets(rows)
    mark_hits(s, user, hits, doc)
    total = len(first) + rest
    near = near_identifiers(s, user, str(doc["keywords"][0]), engine) if not total else []
    return SearchResult(query, doc, total, hits, counted, sort, near, understood=parsed)


def _facet_values(r: Record) -> dict[str, str]:
    values = {"department": r.department.name, "matter": r.matter.name, "year": str(r.decided_at.year),
              "district": r.district or "", "industry": (r.industry or "")[:3], "result": r.result,
              "security_level": r.security_level}  # fmt: skip
    return {k: v for k, v in values.items() if v}
