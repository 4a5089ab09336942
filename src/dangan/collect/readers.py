"""Find case packages in what a user points at, and open them: folders, ZIPs and BagIt bags.

A folder with `case.json` is a package; a folder with `bagit.txt` is a bag whose `data/` is the package;
any other folder is searched for packages and ZIPs. A ZIP is unpacked (see `unpack`) into a private
staging folder that disappears when the package has been handled. A bag is validated in full (RFC 8493)
before its `data/` is read, and every error of the bag becomes a rejection reason with its code.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .bagit import is_bag, validate_bag
from .package import CasePackage, PackageRejected, read_folder
from .unpack import UnpackLimits, reject, unpacked


def discover(paths: list[Path]) -> Iterator[Path]:
    """Yield every package source (folder with case.json, bag, or .zip) under the given paths, in order.

    A bag is yielded whole and never searched: its `data/case.json` must not slip in unvalidated. A
    folder with no package anywhere inside (a package whose case.json was forgotten, an empty folder) is
    yielded itself, so that the import reports it (`missing_case_json`) instead of passing over it.
    """
    for path in paths:
        if path.is_file() or (path / "case.json").exists() or (path / "bagit.txt").exists():
            yield path
        elif path.is_dir():
            found = False
            for child in sorted(path.iterdir()):
                if child.is_symlink() or child.name.startswith("."):
                    continue
                if child.is_dir() or child.suffix.lower() == ".zip":
                    for source in discover([child]):
                        found = True
                        yield source
            if not found:
                yield path
        else:
            yield path


def _read_bag(root: Path, origin: str) -> CasePackage:
    report = validate_bag(root)
    if not report.valid:
        raise PackageRejected(
            f"BagIt 数据包校验未通过（{len(report.errors)} 处错误）",
            problems=[e.as_problem() for e in report.errors],
        )
    data = root / "data"
    if not (data / "case.json").is_file():
        raise reject("missing_case_json", "BagIt 数据包的 data/ 中没有 case.json（载荷应是一个案卷包）")
    return read_folder(data, origin)


def _read_root(root: Path, origin: str) -> CasePackage:
    if is_bag(root) or (root / "bagit.txt").is_symlink():
        return _read_bag(root, origin)
    return read_folder(root, origin)


@contextmanager
def open_package(
    source: Path, staging: Path | None = None, *, limits: UnpackLimits | None = None
) -> Iterator[CasePackage]:
    """Open one package source; for ZIPs the unpacked files live only inside this context."""
    if source.is_dir():
        yield _read_root(source, str(source))
        return
    if not source.exists():
        raise reject("not_found", f"路径不存在：{source}")
    if source.suffix.lower() != ".zip":
        raise reject("unsupported_package", "不支持的案卷包格式：应为文件夹、ZIP 或 BagIt 数据包")
    with unpacked(source, staging, limits or UnpackLimits()) as root:
        yield _read_root(root, str(source))
