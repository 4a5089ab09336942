"""Find case packages in what a user points at, and open ZIPs into a private staging area.

A folder with `case.json` is a package; any other folder is searched for packages and ZIPs. A ZIP is
unpacked (safely) into a temporary directory that disappears when the package has been handled.
"""

from __future__ import annotations

import shutil
import stat
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

from dangan.core import Problem

from .package import CasePackage, PackageRejected, read_folder
from .safepath import path_problem

MAX_ZIP_ENTRIES = 10_000
MAX_ZIP_BYTES = 4 * 1024**3
MAX_ZIP_RATIO = 200


def discover(paths: list[Path]) -> Iterator[Path]:
    """Yield every package source (folder with case.json, or .zip) under the given paths, in order."""
    for path in paths:
        if path.is_file() or (path / "case.json").exists():
            yield path
        elif path.is_dir():
            for child in sorted(path.iterdir()):
                if child.is_symlink() or child.name.startswith("."):
                    continue
                if child.is_dir() or child.suffix.lower() == ".zip":
                    yield from discover([child])
        else:
            yield path


def _reject(code: str, message: str) -> PackageRejected:
    return PackageRejected(message, problems=[Problem(code, message)])


def _unzip(archive: Path, dest: Path) -> Path:
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError) as exc:
        raise _reject("invalid_zip", f"不是有效的 ZIP 文件：{exc}") from exc
    with zf:
        infos = zf.infolist()
        if len(infos) > MAX_ZIP_ENTRIES:
            raise _reject("zip_too_many_entries", f"ZIP 中条目过多（{len(infos)}，上限 {MAX_ZIP_ENTRIES}）")
        total = sum(i.file_size for i in infos)
        compressed = sum(i.compress_size for i in infos) or 1
        if total > MAX_ZIP_BYTES or total / compressed > MAX_ZIP_RATIO:
            raise _reject("zip_bomb", "ZIP 解压后体积异常（疑似压缩炸弹），已拒绝")
        for info in infos:
            name = info.filename
            if reason := path_problem(name.rstrip("/")):
                raise _reject("unsafe_path", f"ZIP 条目“{name}”不安全：{reason}")
            mode = info.external_attr >> 16
            if stat.S_ISLNK(mode):
                raise _reject("unsafe_path", f"ZIP 条目“{name}”是符号链接")
        for info in infos:
            target = dest.joinpath(*PurePosixPath(info.filename).parts)
            if info.is_dir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            written = 0
            with zf.open(info) as src, open(target, "wb") as out:
                while chunk := src.read(1024 * 1024):
                    written += len(chunk)
                    if written > info.file_size:
                        raise _reject("zip_size_mismatch", f"ZIP 条目“{info.filename}”实际大小超过声明")
                    out.write(chunk)
    if (dest / "case.json").exists():
        return dest
    subdirs = [p for p in dest.iterdir() if p.is_dir()]
    if len(subdirs) == 1 and (subdirs[0] / "case.json").exists():
        return subdirs[0]
    raise _reject("missing_case_json", "ZIP 中没有 case.json（应在根目录或唯一的顶层文件夹中）")


@contextmanager
def open_package(source: Path, staging: Path | None = None) -> Iterator[CasePackage]:
    """Open one package source; for ZIPs the unpacked files live only inside this context."""
    if source.is_dir():
        yield read_folder(source, str(source))
        return
    if not source.exists():
        raise _reject("not_found", f"路径不存在：{source}")
    if source.suffix.lower() != ".zip":
        raise _reject("unsupported_package", "不支持的案卷包格式：应为文件夹或 ZIP")
    tmp = Path(tempfile.mkdtemp(prefix="unzip-", dir=staging))
    try:
        root = _unzip(source, tmp)
        yield read_folder(root, str(source))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
