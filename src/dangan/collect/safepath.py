"""Guards against package paths that would escape the package (the bagit-python lesson)."""

from __future__ import annotations

import unicodedata
from pathlib import Path, PurePosixPath

_WINDOWS_RESERVED = (
    {"con", "prn", "aux", "nul"} | {f"com{i}" for i in range(1, 10)} | {f"lpt{i}" for i in range(1, 10)}
)


def path_problem(path: str) -> str | None:
    """None when `path` is a safe relative path inside a package, else the reason in Chinese."""
    if "\x00" in path or any(unicodedata.category(c) == "Cc" for c in path):
        return "含有控制字符"
    if any(unicodedata.category(c) == "Cf" for c in path):
        return "含有不可见的格式字符（如从右向左覆盖符），可能用于伪装文件名"
    if "\\" in path:
        return "含有反斜杠，请使用 / 分隔目录"
    if path.startswith("/") or (len(path) > 1 and path[1] == ":"):
        return "不能是绝对路径"
    parts = PurePosixPath(path).parts
    if not parts:
        return "路径为空"
    if any(p == ".." for p in parts):
        return "不能含有“..”跳出案卷包目录"
    if any(p.split(".")[0].lower() in _WINDOWS_RESERVED for p in parts):
        return "含有系统保留名称"
    if len(path.encode("utf-8")) > 1024:
        return "路径过长"
    if any(len(p.encode("utf-8")) > 255 for p in parts):
        return "其中的文件或目录名过长（超过 255 字节，约 85 个汉字），文件系统无法保存"
    return None


def normal_path(path: str) -> str:
    """A safe path (see `path_problem`) without `.` segments, doubled or trailing slashes: "./决定书.pdf"
    and "决定书.pdf" name the same file, and the checks compare names."""
    return str(PurePosixPath(path))


def resolve_inside(root: Path, relative: str) -> Path:
    """Resolve `relative` under `root`, refusing symlinks anywhere on the way and any escape."""
    root_resolved = root.resolve()
    current = root
    for part in PurePosixPath(relative).parts:
        if part in (".", ""):
            continue
        current = current / part
        if current.is_symlink():
            raise PermissionError(f"{relative}: 是符号链接")
    target = current.resolve()
    if root_resolved != target and root_resolved not in target.parents:
        raise PermissionError(f"{relative}: 跳出了案卷包目录")
    return target
