"""BagIt (RFC 8493) validation, written for archives: every finding reported, nothing fetched, nothing trusted.

`validate_bag(path)` answers with a `BagReport` (errors and warnings, each a Chinese message with a stable
code) instead of raising at the first problem. Full mode hashes every payload and tag file; fast mode
checks structure, completeness and Payload-Oxum but no payload checksums (bagit-python's two modes).
Versions 0.93 to 1.x are read; tag files are decoded with the declared Tag-File-Character-Encoding.
A ZIP of a bag is unpacked with the same guards as any package, then validated.
"""

from __future__ import annotations

import re
from pathlib import Path

from .bagit_payload import Progress, match_payload, verify_checksums, walk_payload
from .bagit_report import BagFatal, BagInvalid, BagReport
from .bagit_text import (
    DIGEST_HEX_LENGTH,
    ManifestEntry,
    Version,
    info_values,
    parse_fetch,
    parse_info,
    parse_manifest,
    read_declaration,
    read_tag_text,
)
from .package import PackageRejected
from .safepath import resolve_inside
from .unpack import UnpackLimits, unpacked

_MANIFEST_NAME = re.compile(r"(tag)?manifest-([A-Za-z0-9]+)\.txt")
_OXUM = re.compile(r"(\d+)\.(\d+)")
Manifests = dict[str, tuple[str, list[ManifestEntry]]]


def is_bag(path: Path) -> bool:
    """A folder that declares itself a bag (bagit.txt), whatever else it holds."""
    return path.is_dir() and (path / "bagit.txt").exists()


def _read_manifests(
    root: Path, version: Version, encoding: str, report: BagReport
) -> tuple[Manifests, Manifests]:
    payload: Manifests = {}
    tags: Manifests = {}
    for child in sorted(root.iterdir()):
        m = _MANIFEST_NAME.fullmatch(child.name)
        if not m:
            continue
        if child.is_symlink() or not child.is_file():
            report.error("bag_symlink", f"{child.name} 不是普通文件（可能是符号链接）", child.name)
            continue
        alg = m.group(2).lower()
        if alg not in DIGEST_HEX_LENGTH:
            report.warn(
                "bag_algorithm_unsupported", f"{child.name} 使用了不支持的算法 {alg}，未校验", child.name
            )
            continue
        text = read_tag_text(root, child.name, encoding, report)
        if text is not None:
            entries = parse_manifest(text, child.name, alg, version, report)
            (tags if m.group(1) else payload)[alg] = (child.name, entries)
    return payload, tags


def _check_oxum(
    info: dict[str, list[str]], disk: dict[str, int], missing_system: int, fast: bool, report: BagReport
) -> None:
    values = info_values(info, "Payload-Oxum")
    if not values:
        if fast:
            report.warn("bag_oxum_absent", "bag-info.txt 没有 Payload-Oxum：快速校验只核对了文件是否齐全")
        return
    if len(set(values)) > 1:
        report.warn("bag_oxum_repeated", f"Payload-Oxum 出现多次且取值不同，按第一个（{values[0]}）核对")
    m = _OXUM.fullmatch(values[0])
    if not m:
        report.error("bag_oxum_malformed", f"Payload-Oxum“{values[0]}”不是“字节数.文件数”形式")
        return
    octets, streams = int(m.group(1)), int(m.group(2))
    found_bytes, found_files = sum(disk.values()), len(disk)
    if (octets, streams) == (found_bytes, found_files):
        return
    message = (
        f"Payload-Oxum 声明 {octets} 字节、{streams} 个文件，实际为 {found_bytes} 字节、{found_files} 个文件"
    )
    if missing_system and found_files + missing_system == streams and found_bytes <= octets:
        report.warn("bag_oxum_system_files", f"{message}（差额来自缺失的系统文件）")
    else:
        report.error("bag_oxum_mismatch", message)


def _check_tag_manifests(root: Path, tags: Manifests, fast: bool, report: BagReport) -> None:
    """Tag files listed in tagmanifest-<alg>.txt must exist and match (always, even in fast mode)."""
    expected: dict[str, dict[str, str]] = {}
    for alg, (rel, entries) in tags.items():
        for e in entries:
            listed = next((p for p in e.paths if (root / p).exists() or (root / p).is_symlink()), e.paths[0])
            if fast and listed.startswith("data/"):
                continue
            try:
                target = resolve_inside(root, listed)
            except PermissionError:
                report.error("bag_unsafe_path", f"{rel} 列出的“{listed}”是符号链接或跳出了数据包", listed)
                continue
            if not target.is_file():
                report.error("bag_tag_file_missing", f"{rel} 列出的标签文件“{listed}”不存在", listed)
                continue
            previous = expected.setdefault(listed, {}).setdefault(alg, e.checksum)
            if previous != e.checksum:
                report.error("bag_conflicting_entry", f"{rel} 多次列出“{listed}”，且校验值不同", listed)
    verify_checksums(root, expected, report, code="bag_tag_checksum_mismatch")


def _check(root: Path, fast: bool, progress: Progress | None, report: BagReport) -> None:
    if not root.exists():
        raise BagFatal("bag_not_found", f"路径不存在：{root}")
    if not root.is_dir():
        raise BagFatal("bag_not_directory", "BagIt 数据包应是文件夹或文件夹的 ZIP")
    decl = read_declaration(root, report)
    data = root / "data"
    if data.is_symlink() or not data.is_dir():
        raise BagFatal("bag_payload_missing", "缺少载荷目录 data/（或它是符号链接）", "data")
    info_name = "package-info.txt" if decl.version < (0, 96) else "bag-info.txt"
    info_path = root / info_name
    if info_path.is_symlink():
        report.error("bag_symlink", f"{info_name} 是符号链接", info_name)
    elif info_path.is_file() and (text := read_tag_text(root, info_name, decl.encoding, report)) is not None:
        report.info = parse_info(text, info_name, decl.version, report)
    payload, tags = _read_manifests(root, decl.version, decl.encoding, report)
    if not payload:
        report.error("bag_no_manifest", "没有可用的载荷清单（manifest-<算法>.txt）")
    fetch_paths: set[str] = set()
    fetch = root / "fetch.txt"
    if (
        fetch.is_file()
        and not fetch.is_symlink()
        and (text := read_tag_text(root, "fetch.txt", decl.encoding, report)) is not None
    ):
        fetch_paths = {f.paths[0] for f in parse_fetch(text, decl.version, report)}
    disk = walk_payload(root, report)
    report.payload_files, report.payload_bytes = len(disk), sum(disk.values())
    match = match_payload(payload, disk, fetch_paths, decl.version, report)
    _check_oxum(report.info, disk, match.missing_system_files, fast, report)
    _check_tag_manifests(root, tags, fast, report)
    if not fast:
        verify_checksums(root, match.expected, report, code="bag_checksum_mismatch", progress=progress)


def _validate_folder(root: Path, fast: bool, progress: Progress | None, shown_as: str) -> BagReport:
    report = BagReport(shown_as)
    try:
        _check(root, fast, progress, report)
    except BagFatal as fatal:
        report.error(fatal.issue.code, fatal.issue.message, fatal.issue.path)
    except OSError as exc:
        report.error("bag_unreadable", f"读取数据包时出错：{exc.strerror or exc}")
    return report


def validate_bag(
    path: Path | str,
    *,
    fast: bool = False,
    limits: UnpackLimits | None = None,
    staging: Path | None = None,
    on_progress: Progress | None = None,
) -> BagReport:
    """Validate a bag folder, or a ZIP holding one (at its top or in its only folder)."""
    path = Path(path)
    if not (path.is_file() and path.suffix.lower() == ".zip"):
        return _validate_folder(path, fast, on_progress, str(path))
    try:
        with unpacked(path, staging, limits or UnpackLimits()) as root:
            if not (root / "bagit.txt").exists():
                report = BagReport(str(path))
                report.error(
                    "bag_declaration_missing", "ZIP 中没有 bagit.txt，这不是一个 BagIt 数据包", "bagit.txt"
                )
                return report
            return _validate_folder(root, fast, on_progress, str(path))
    except PackageRejected as exc:
        report = BagReport(str(path))
        for p in exc.problems:
            report.error(p.code, p.message, p.field)
        return report


def require_valid_bag(path: Path, *, fast: bool = False) -> BagReport:
    """Validate and raise `BagInvalid` (carrying the whole report) when the bag is not valid."""
    report = validate_bag(path, fast=fast)
    if not report.valid:
        raise BagInvalid(report)
    return report
