"""The payload side of BagIt validation: what is on disk, how manifest lines map to it, and hashing.

Matching is where real bags differ from the RFC's ideal: macOS writes names in NFD, Windows folds case,
tools leave `.DS_Store` behind. The rules below follow the Library of Congress conformance suite: a file
listed twice in another Unicode form or another case is one file (a warning), a listed system file that
went missing is a warning, anything else missing or unlisted is an error. Nothing unverified is accepted:
every byte that stays in the payload is covered by every manifest.
"""

from __future__ import annotations

import hashlib
import os
import unicodedata
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from .bagit_report import BagReport
from .bagit_text import ManifestEntry, Version

SYSTEM_FILES = {".ds_store", "thumbs.db", "ehthumbs.db", "desktop.ini", ".directory", "icon\r"}
_CHUNK = 1024 * 1024
Progress = Callable[[int], None]


def nfc(path: str) -> str:
    return unicodedata.normalize("NFC", path)


def _fold(path: str) -> str:
    return nfc(path).casefold()


def is_system_file(path: str) -> bool:
    """Files operating systems drop into folders on their own (Finder, Explorer, KDE)."""
    name = path.rsplit("/", 1)[-1]
    return name.casefold() in SYSTEM_FILES or name.startswith("._")


def walk_payload(root: Path, report: BagReport) -> dict[str, int]:
    """Every regular file under data/ with its size; symlinks and device files are errors, never followed."""
    files: dict[str, int] = {}
    stack = [("data", root / "data")]
    while stack:
        rel_dir, directory = stack.pop()
        with os.scandir(directory) as it:
            for entry in it:
                rel = f"{rel_dir}/{entry.name}"
                if entry.is_symlink():
                    report.error(
                        "bag_symlink", f"载荷中的“{rel}”是符号链接（可能指向数据包之外），不予接受", rel
                    )
                elif entry.is_dir(follow_symlinks=False):
                    stack.append((rel, Path(entry.path)))
                elif entry.is_file(follow_symlinks=False):
                    files[rel] = entry.stat(follow_symlinks=False).st_size
                else:
                    report.error(
                        "bag_special_file", f"载荷中的“{rel}”不是普通文件（设备、管道或套接字）", rel
                    )
    return dict(sorted(files.items()))


@dataclass
class PayloadMatch:
    expected: dict[str, dict[str, str]]  # file on disk -> {algorithm: listed checksum}
    missing_system_files: int


def _resolve(paths: tuple[str, ...], disk: dict[str, int], nfc_disk: dict[str, str]) -> str | None:
    for candidate in paths:
        if candidate in disk:
            return candidate
    for candidate in paths:
        if (found := nfc_disk.get(nfc(candidate))) is not None:
            return found
    return None


class _Matcher:
    def __init__(self, disk: dict[str, int], fetch_paths: set[str], version: Version, report: BagReport):
        self.disk, self.fetch_paths, self.version, self.report = disk, fetch_paths, version, report
        self.nfc_disk: dict[str, str] = {}
        for path in disk:
            if (other := self.nfc_disk.setdefault(nfc(path), path)) != path:
                report.error(
                    "bag_name_conflict", f"“{path}”与“{other}”只是 Unicode 规范化形式不同，无法区分", path
                )
        self.expected: dict[str, dict[str, str]] = {}
        self.listed_by: dict[str, set[str]] = {}
        self.missing: dict[str, None] = {}
        self.listed_names: set[str] = set()

    def manifest(self, alg: str, rel: str, entries: list[ManifestEntry]) -> None:
        report = self.report
        seen: dict[str, str] = {}
        resolved: dict[str, tuple[str, list[str]]] = {}
        unresolved: list[ManifestEntry] = []
        for e in entries:
            primary = e.paths[0]
            if not primary.startswith("data/"):
                report.error(
                    "bag_manifest_outside_payload",
                    f"{rel} 第 {e.line} 行列出的文件不在 data/ 中：{primary}",
                    primary,
                )
                continue
            self.listed_names.update(nfc(p) for p in e.paths)
            if primary in seen:
                if seen[primary] != e.checksum:
                    report.error("bag_conflicting_entry", f"{rel} 多次列出“{primary}”，且校验值不同", primary)
                elif self.version >= (1, 0):
                    report.error(
                        "bag_duplicate_entry", f"{rel} 多次列出“{primary}”（BagIt 1.0 不允许）", primary
                    )
                else:
                    report.warn("bag_duplicate_entry", f"{rel} 多次列出“{primary}”（校验值相同）", primary)
                continue
            seen[primary] = e.checksum
            target = _resolve(e.paths, self.disk, self.nfc_disk)
            if target is None:
                unresolved.append(e)
            elif target in resolved:
                if resolved[target][0] != e.checksum:
                    report.error(
                        "bag_conflicting_entry", f"{rel} 以不同写法两次列出“{target}”，且校验值不同", target
                    )
                resolved[target][1].append(primary)
            else:
                resolved[target] = (e.checksum, [primary])
        for target, (checksum, spellings) in resolved.items():
            if len(spellings) > 1:
                report.warn(
                    "bag_duplicate_entry_normalization",
                    f"{rel} 以不同的 Unicode 规范化形式多次列出同一文件“{target}”",
                    target,
                )
            elif spellings[0] != target and nfc(spellings[0]) == nfc(target):
                report.warn(
                    "bag_name_normalization",
                    f"{rel} 中“{spellings[0]}”与磁盘上的文件名规范化形式不同",
                    target,
                )
            self.expected.setdefault(target, {})[alg] = checksum
            self.listed_by.setdefault(target, set()).add(alg)
        folded = {_fold(t): (t, c) for t, (c, _) in resolved.items()}
        for e in unresolved:
            twin = folded.get(_fold(e.paths[0]))
            if twin is not None and twin[1] == e.checksum:
                report.warn(
                    "bag_duplicate_entry_case",
                    f"{rel} 列出了仅大小写不同的“{e.paths[0]}”与“{twin[0]}”（在不区分大小写的系统上是同一文件）",
                    e.paths[0],
                )
            else:
                self.missing.setdefault(e.paths[0])

    def finish(self, algorithms: list[str]) -> PayloadMatch:
        report = self.report
        missing_system = 0
        fetch_nfc = {nfc(p) for p in self.fetch_paths}
        for path in self.missing:
            if nfc(path) in fetch_nfc:
                report.error(
                    "bag_fetch_pending",
                    f"“{path}”列在 fetch.txt 中但尚未获取：数据包不完整（本系统不联网下载，请补齐后再提交）",
                    path,
                )
            elif is_system_file(path):
                missing_system += 1
                report.warn(
                    "bag_system_file_missing", f"清单列出的系统文件“{path}”不存在（常被复制工具丢弃）", path
                )
            else:
                report.error("bag_file_missing", f"清单列出的文件“{path}”不存在", path)
        for path in self.disk:
            algs = self.listed_by.get(path, set())
            if not algs:
                report.error("bag_file_unlisted", f"载荷文件“{path}”未列入任何清单", path)
            for alg in sorted(set(algorithms) - algs) if algs else ():
                report.error("bag_file_not_in_manifest", f"载荷文件“{path}”未列入 manifest-{alg}.txt", path)
            if is_system_file(path):
                report.warn("bag_system_file", f"载荷中有操作系统生成的文件“{path}”", path)
        for path in sorted(self.fetch_paths):
            if nfc(path) not in self.listed_names:
                report.error("bag_fetch_unlisted", f"fetch.txt 中的“{path}”未列入载荷清单", path)
        return PayloadMatch(self.expected, missing_system)


def match_payload(
    manifests: dict[str, tuple[str, list[ManifestEntry]]],
    disk: dict[str, int],
    fetch_paths: set[str],
    version: Version,
    report: BagReport,
) -> PayloadMatch:
    """Map every manifest line to a file on disk and report what is missing, doubled or unlisted."""
    matcher = _Matcher(disk, fetch_paths, version, report)
    for alg, (rel, entries) in manifests.items():
        matcher.manifest(alg, rel, entries)
    return matcher.finish(list(manifests))


def hash_file(path: Path, algorithms: list[str], progress: Progress | None = None) -> dict[str, str]:
    """All digests in one read; O_NOFOLLOW so a symlink swapped in after the walk is not followed."""
    hashers = {alg: hashlib.new(alg) for alg in algorithms}
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    with os.fdopen(fd, "rb") as f:
        while chunk := f.read(_CHUNK):
            for h in hashers.values():
                h.update(chunk)
            if progress:
                progress(len(chunk))
    return {alg: h.hexdigest() for alg, h in hashers.items()}


def verify_checksums(
    root: Path,
    expected: dict[str, dict[str, str]],
    report: BagReport,
    *,
    code: str,
    progress: Progress | None = None,
) -> None:
    """Hash files in a few threads (hashlib releases the GIL) and report each mismatch."""

    def work(rel: str) -> tuple[str, dict[str, str] | OSError]:
        try:
            return rel, hash_file(root / rel, sorted(expected[rel]), progress)
        except OSError as exc:
            return rel, exc

    workers = max(1, min(4, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1))
    with ThreadPoolExecutor(workers) as pool:
        for rel, result in pool.map(work, sorted(expected)):
            if isinstance(result, OSError):
                report.error("bag_file_unreadable", f"无法读取“{rel}”：{result.strerror or result}", rel)
                continue
            for alg, want in sorted(expected[rel].items()):
                if result[alg] != want:
                    report.error(
                        code, f"“{rel}”的 {alg} 校验值不符：清单为 {want}，实际为 {result[alg]}", rel
                    )
