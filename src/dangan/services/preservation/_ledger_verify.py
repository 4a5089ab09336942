"""`verify_ledger`: the whole log, and the catalogue, events and stored files measured against it.

The log itself is checked by `dangan.ledger.verify_log` (entries re-hash to the tree, checkpoints sign
the rebuilt roots and are consistent with each other, the witness's copy agrees). Here, on top:

* every `Event` row has its entry and says what the entry says (and no entry's event row is gone);
* every catalogue record agrees, field by field, with its latest ingest entry, and so does its file list;
* every stored object still hashes to what the entry says (decrypting where it is encrypted).

Reads in keyset pages, so memory stays bounded by the page size (plus one id per event and record).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session, selectinload

from dangan.ledger import (
    Checkpoint,
    CheckpointError,
    Entry,
    EntryError,
    LogReport,
    WitnessFolder,
    canonical_json,
    format_time,
    ledger_entry,
    verify_log,
)
from dangan.services.archive import SNAPSHOT_KINDS, Archive, adopt_preexisting, key_store, record_snapshot
from dangan.store.catalog import Event, Record
from dangan.store.objects import LocalLocation, object_key

PAGE = 2000
FIELD_LABELS = {
    "archival_code": "档号", "fonds_code": "全宗号", "source_system": "来源系统", "source_id": "来源编号",
    "fingerprint": "案卷指纹", "title": "题名", "doc_number": "文号", "department": "形成部门",
    "matter": "审批事项", "matter_code": "事项编码", "applicant_name": "申请人", "applicant_type": "申请人类型",
    "applicant_uscc": "统一社会信用代码", "legal_representative": "法定代表人", "id_number": "证件号码",
    "phone": "联系电话", "address": "地址", "district": "行政区划", "industry": "行业", "category": "分类",
    "accepted_at": "受理日期", "decided_at": "办结日期", "year": "年度", "result": "办理结果",
    "retention": "保管期限", "security_level": "密级", "open_to_public": "开放状态", "extra": "其他信息",
}  # fmt: skip


def verify_ledger(archive: Archive, *, objects: bool = True) -> LogReport:
    """Everything the log can vouch for; `objects=False` skips re-reading the stored files' bytes."""
    adopt_preexisting(archive)  # a no-op except once, right after the log was introduced
    outside, witness_error = _witness_copy(archive)
    with archive.db.read() as s:
        report = verify_log(s.connection(), key_store(archive).public_keys(), outside)
        if witness_error:
            report.add("witness_unreadable", str(archive.settings.witness_dir), witness_error)
        _check_events(s, report)
        _check_records(archive, s, report, objects)
    return report


def _witness_copy(archive: Archive) -> tuple[list[tuple[str, Checkpoint]], str]:
    """The checkpoint the witness holds (checked like our own), or why it cannot be read."""
    if archive.settings.witness_dir is None:
        return [], ""
    try:
        held = WitnessFolder(archive.settings.witness_dir).latest()
    except CheckpointError as exc:
        return [], exc.message
    return ([("witness", held)] if held is not None else []), ""


def _ids(conn: Connection, column: Any) -> list[int | str]:
    return sorted(v for (v,) in conn.execute(select(column).where(column.is_not(None)).distinct()))


def _entries_by(
    conn: Connection, column: Any, keys: list[Any], kinds: frozenset[str] | None = None
) -> Iterator[tuple[int, Entry | None]]:
    query = select(ledger_entry.c.leaf_index, ledger_entry.c.body).where(column.in_(keys))
    if kinds is not None:
        query = query.where(ledger_entry.c.kind.in_(sorted(kinds)))
    for index, body in conn.execute(query.order_by(ledger_entry.c.leaf_index)):
        try:
            yield int(index), Entry.parse(bytes(body), strict=False)
        except EntryError:
            yield int(index), None  # unreadable: the log check has named it


def _check_events(s: Session, report: LogReport) -> None:
    conn = s.connection()
    logged = set(_ids(conn, ledger_entry.c.event_id))
    last = 0
    while True:
        events = s.scalars(select(Event).where(Event.id > last).order_by(Event.id).limit(PAGE)).all()
        if not events:
            break
        last = int(events[-1].id)
        entries = {
            e.event_id: (i, e)
            for i, e in _entries_by(conn, ledger_entry.c.event_id, [ev.id for ev in events])
            if e
        }
        for ev in events:
            where = f"event#{ev.id}"
            logged.discard(int(ev.id))
            if ev.id not in entries:
                report.add("event_unlogged", where, f"事件 {ev.id}（{ev.kind}）没有对应的账本条目")
                continue
            index, entry = entries[ev.id]
            mine = (ev.kind, ev.actor, ev.record_id, format_time(ev.at), canonical_json(ev.detail or {}))
            theirs = (entry.kind, entry.actor, entry.record_id, entry.at, canonical_json(entry.detail))
            if mine != theirs:
                report.add(
                    "event_mismatch",
                    where,
                    f"事件 {ev.id} 与第 {index} 条账本条目记载的不同（事件记录被改动过）",
                )
    for event_id in sorted(logged):
        report.add("event_missing", f"event#{event_id}", f"账本记载的事件 {event_id} 已从事件表中消失")


def _check_records(archive: Archive, s: Session, report: LogReport, objects: bool) -> None:
    conn = s.connection()
    in_ledger = set(_ids(conn, ledger_entry.c.record_id))
    seen: set[str] = set()
    last = 0
    while True:
        records = s.scalars(
            select(Record)
            .options(selectinload(Record.files))
            .where(Record.seq > last)
            .order_by(Record.seq)
            .limit(PAGE)
        ).all()
        if not records:
            break
        last = int(records[-1].seq)
        latest: dict[str, Entry] = {}
        for _i, entry in _entries_by(conn, ledger_entry.c.record_id, [r.id for r in records], SNAPSHOT_KINDS):
            if entry is not None and entry.record_id is not None:
                latest[entry.record_id] = entry
        for record in records:
            seen.add(record.id)
            _check_record(archive, report, record, latest.get(record.id), objects)
    for record_id in sorted(str(r) for r in in_ledger - seen):
        with_state = list(_entries_by(conn, ledger_entry.c.record_id, [record_id], SNAPSHOT_KINDS))
        if with_state:
            report.add("record_missing", f"record:{record_id}", f"账本记载的档案 {record_id} 已从目录中消失")


def _check_record(
    archive: Archive, report: LogReport, record: Record, entry: Entry | None, objects: bool
) -> None:
    where = f"record:{record.id}"
    if entry is None or not isinstance(entry.detail.get("record"), dict):
        report.add("record_unlogged", where, f"档案 {record.archival_code} 没有入账的著录信息")
        return
    logged: dict[str, Any] = entry.detail["record"]
    for name, value in record_snapshot(record).items():
        if canonical_json(value) != canonical_json(logged.get(name)):
            report.add(
                "record_mismatch",
                f"{where}.{name}",
                f"档案 {record.archival_code} 的“{FIELD_LABELS.get(name, name)}”与账本记载的不同",
            )
    files = {f["path"]: f for f in entry.detail.get("files", []) if isinstance(f, dict) and "path" in f}
    rows = {f.path: f for f in record.files}
    for path in sorted(files.keys() | rows.keys()):
        f_where = f"{where}/files/{path}"
        row, logged_file = rows.get(path), files.get(path)
        if row is None or logged_file is None:
            report.add(
                "file_mismatch",
                f_where,
                f"档案 {record.archival_code} 的文件 {path} 在目录与账本中不一致（一方缺少）",
            )
            continue
        if (row.sha256, int(row.size)) != (logged_file.get("sha256"), logged_file.get("size")):
            report.add(
                "file_mismatch",
                f_where,
                f"档案 {record.archival_code} 的文件 {path} 的哈希或大小与账本记载的不同",
            )
        if objects and record.lifecycle_status is None:  # a disposed record's objects are gone on purpose
            _check_object(archive, report, str(logged_file.get("sha256")), bool(row.encrypted), path)


def _check_object(archive: Archive, report: LogReport, sha256: str, encrypted: bool, path: str) -> None:
    store = archive.objects
    if isinstance(store.primary, LocalLocation):
        path_ = store.path_for(sha256, encrypted).resolve()
        home = archive.settings.home.resolve()
        where = str(path_.relative_to(home)) if path_.is_relative_to(home) else str(path_)
    else:  # an S3 primary: the object's key there
        where = f"{store.primary.name}:{object_key(sha256, encrypted)}"
    if not store.exists(sha256, encrypted):
        report.add("object_missing", where, f"文件 {path} 的存储对象不存在")
    elif not store.verify(sha256, encrypted):
        report.add("object_damaged", where, f"文件 {path} 的存储对象内容与账本记载的哈希不符")
