"""Fixing a quarantined package in place: replace one of its files, or correct its case.json.

Both write into the quarantine copy atomically (temporary file, fsync, rename) and leave the entry
held: the archivist then re-checks it, and only a passing re-check puts it in the archive.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from dangan.access import Principal, Role
from dangan.collect import decode_case_json, path_problem, resolve_inside
from dangan.core import Conflict, DanganError, PermissionDenied, ValidationFailed, utcnow
from dangan.domain import QuarantineStatus
from dangan.services.archive import Archive, record_event
from dangan.store.catalog import QuarantineEntry

from ._quarantine import quarantine_entry, quarantine_folder

MAX_CASE_JSON = 4 * 1024 * 1024


def _held_folder(archive: Archive, user: Principal, qid: str) -> Path:
    view = quarantine_entry(archive, user, qid)
    if view.entry.status != QuarantineStatus.HELD:
        raise Conflict("该案卷包已处理，不能再修改", code="quarantine_closed")
    return quarantine_folder(archive, view.entry)


def _write_atomically(target: Path, chunks: Iterable[bytes], limit: int) -> int:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".replace-", dir=target.parent)
    written = 0
    try:
        with os.fdopen(fd, "wb") as out:
            for chunk in chunks:
                written += len(chunk)
                if written > limit:
                    raise ValidationFailed(f"文件超过上限 {limit} 字节", code="too_large")
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return written


def _touch(archive: Archive, qid: str, user: Principal, kind: str, detail: dict[str, object]) -> None:
    with archive.db.write() as session:
        entry = session.get(QuarantineEntry, qid)
        if entry is not None:
            entry.updated_at = utcnow()
        record_event(session, kind, user.username, None, {"quarantine_id": qid, **detail})


def replace_quarantined_file(
    archive: Archive, user: Principal, qid: str, path: str, chunks: Iterable[bytes]
) -> int:
    """Put new bytes at `path` inside the quarantined copy (a listed file, or a new one to list)."""
    folder = _held_folder(archive, user, qid)
    path = path.strip()
    if reason := path_problem(path):
        raise ValidationFailed(f"文件路径“{path}”不安全：{reason}", code="unsafe_path")
    if path == "case.json":
        raise ValidationFailed("case.json 请在元数据编辑框中修改", code="invalid_path")
    try:
        target = resolve_inside(folder, path)
    except PermissionError as exc:
        raise ValidationFailed(f"文件路径“{path}”不安全：{exc}", code="unsafe_path") from exc
    size = _write_atomically(target, chunks, archive.settings.max_upload_bytes)
    _touch(archive, qid, user, "quarantine_fix", {"replaced": path, "size": size})
    return size


def edit_quarantined_case(archive: Archive, user: Principal, qid: str, text: str) -> None:
    """Replace the copy's case.json with `text`, which must be a JSON object (validated at re-check)."""
    folder = _held_folder(archive, user, qid)
    doc = decode_case_json(text)
    keep_department(user, doc)
    data = (json.dumps(doc, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    _write_atomically(folder / "case.json", [data], MAX_CASE_JSON)
    _touch(archive, qid, user, "quarantine_fix", {"case_json": True})


def keep_department(user: Principal, doc: dict[str, Any]) -> None:
    """A department's clerk fixes his own department's package: he cannot move it to another one."""
    if user.role is Role.ARCHIVIST:
        return
    if str(doc.get("department", "")).strip() != (user.department or ""):
        raise PermissionDenied(
            f"形成部门须为本部门（{user.department}），不能改为其他部门", code="department_mismatch"
        )


def check_department_of_copy(user: Principal, folder: Path) -> None:
    """Before a clerk's re-check archives the copy: its case.json must still name his department."""
    if user.role is Role.ARCHIVIST:
        return
    try:
        doc = decode_case_json((folder / "case.json").read_bytes()[:MAX_CASE_JSON].decode("utf-8-sig"))
    except (OSError, UnicodeDecodeError, DanganError):
        return  # unreadable: the re-check itself reports it and archives nothing
    keep_department(user, doc)


def quarantined_case_text(archive: Archive, user: Principal, qid: str) -> str:
    """The copy's case.json as text, for the editor (empty when it cannot be read)."""
    folder = quarantine_folder(archive, quarantine_entry(archive, user, qid).entry)
    try:
        return (folder / "case.json").read_bytes()[:MAX_CASE_JSON].decode("utf-8-sig", "replace")
    except OSError:
        return ""
