"""`CasePackage`: what every collection channel hands to ingest, whatever it arrived as."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dangan.core import DanganError, Problem, ValidationFailed
from dangan.domain import CaseMetadata

from .casejson import decode_case_bytes
from .safepath import resolve_inside
from .schema import parse_case

MAX_CASE_JSON_BYTES = 4 * 1024 * 1024


class PackageRejected(DanganError):
    """A package that cannot be archived as it is; `problems` says why, each with a stable code."""

    code = "package_rejected"
    status = 422


@dataclass(frozen=True)
class PackageFile:
    path: str
    role: str | None
    source: Path
    size: int
    declared_sha256: str | None


@dataclass(frozen=True)
class CasePackage:
    origin: str
    root: Path
    document: dict[str, Any]
    metadata: CaseMetadata
    files: tuple[PackageFile, ...]

    @property
    def total_bytes(self) -> int:
        return sum(f.size for f in self.files)


def _load_case_json(root: Path) -> Any:
    path = root / "case.json"
    if path.is_symlink() or not path.is_file():
        raise PackageRejected(
            "缺少 case.json", problems=[Problem("missing_case_json", "案卷包中没有 case.json 文件")]
        )
    if path.stat().st_size > MAX_CASE_JSON_BYTES:
        raise PackageRejected(
            "case.json 过大", problems=[Problem("case_json_too_large", "case.json 超过 4 MB")]
        )
    try:
        return decode_case_bytes(path.read_bytes())
    except ValidationFailed as exc:
        raise PackageRejected(exc.message, problems=exc.problems) from exc


def read_folder(root: Path, origin: str | None = None) -> CasePackage:
    """Read a case package folder: validate case.json and check every listed file is there, safely."""
    document = _load_case_json(root)
    try:
        metadata = parse_case(document)
    except ValidationFailed as exc:
        reasons = exc.problems or [Problem(exc.code, exc.message)]
        raise PackageRejected("case.json 校验未通过", problems=reasons) from exc
    problems: list[Problem] = []
    files: list[PackageFile] = []
    for i, entry in enumerate(metadata.files):
        where = f"files[{i}].path"
        try:
            source = resolve_inside(root, entry.path)
            if not source.is_file():
                kind = "不是普通文件（是目录、管道或设备）" if source.exists() else "不存在"
                problems.append(Problem("file_missing", f"case.json 列出的文件“{entry.path}”{kind}", where))
                continue
            size = source.stat().st_size
        except PermissionError as exc:
            problems.append(Problem("unsafe_path", f"文件“{entry.path}”不安全：{exc}", where))
            continue
        except OSError as exc:  # a name the filesystem refuses (too long, invalid bytes), an I/O error
            reason = exc.strerror or str(exc)
            problems.append(
                Problem("file_unreadable", f"case.json 列出的文件“{entry.path}”无法读取：{reason}", where)
            )
            continue
        files.append(PackageFile(entry.path, entry.role, source, size, entry.sha256))
    if problems:
        raise PackageRejected("案卷包文件不完整或不安全", problems=problems)
    return CasePackage(origin or str(root), root, document, metadata, tuple(files))
