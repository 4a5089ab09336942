"""Safe unpacking of ZIP packages into a private staging folder.

Every entry is judged from the central directory before a single byte is written: names (traversal,
absolute, drive letters, control characters, duplicates after case folding or Unicode normalisation,
a file where a folder must be), types (symlinks, devices), encryption, compression method, counts and
sizes (absolute limit and compression ratio). While writing, each entry is held to its declared size, so
an archive that lies in its headers stops at the lie. The staging folder is created with mkdtemp (0700)
under the archive's staging area and removed whatever happens.

Nesting: archives inside a package are ordinary files and are never unpacked. An archive that holds
nothing but other archives is refused (`nested_archive`): we unpack exactly one level, ever.
"""

from __future__ import annotations

import copy
import shutil
import stat
import struct
import tempfile
import unicodedata
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from dangan.core import Problem, Settings

from .package import PackageRejected
from .safepath import path_problem

RATIO_FLOOR = 1024 * 1024  # below this many bytes an entry may compress as well as it likes
ROOT_MARKERS = ("case.json", "bagit.txt")
ARCHIVE_SUFFIXES = (".zip", ".7z", ".rar", ".tar", ".gz", ".tgz", ".bz2", ".xz", ".zst")
_SUPPORTED_METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}
_CHUNK = 256 * 1024
_JUNK_DIR = "__MACOSX"  # macOS resource forks: checked like everything else, never written


@dataclass(frozen=True)
class UnpackLimits:
    """How much one package may unpack to. Defaults equal the settings' defaults."""

    max_bytes: int = 4 * 1024**3
    max_entries: int = 10_000
    max_ratio: int = 200

    @classmethod
    def from_settings(cls, settings: Settings) -> UnpackLimits:
        return cls(settings.max_package_bytes, settings.max_package_entries, settings.max_compression_ratio)


def reject(code: str, message: str) -> PackageRejected:
    return PackageRejected(message, problems=[Problem(code, message)])


def _declared_entry_count(path: Path) -> int | None:
    """Entry count from the end-of-central-directory record, read before zipfile parses every entry."""
    with open(path, "rb") as f:
        f.seek(0, 2)
        size = f.tell()
        f.seek(max(0, size - 65_557))
        tail = f.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) < at + 22:
        return None
    count: int = struct.unpack("<H", tail[at + 10 : at + 12])[0]
    locator = tail[at - 20 : at] if at >= 20 else b""
    if count == 0xFFFF and locator[:4] == b"PK\x06\x07":
        offset = struct.unpack("<Q", locator[8:16])[0]
        with open(path, "rb") as f:
            f.seek(offset)
            record = f.read(56)
        if record[:4] == b"PK\x06\x06" and len(record) == 56:
            count = struct.unpack("<Q", record[32:40])[0]
    return count


def entry_name(info: zipfile.ZipInfo) -> str:
    """The entry's real name: without the UTF-8 flag, Chinese Windows tools write GBK, others UTF-8."""
    if info.flag_bits & 0x800:
        return info.filename
    try:
        raw = info.filename.encode("cp437")
    except UnicodeEncodeError:
        return info.filename
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return info.filename


def _fold(name: str) -> str:
    return unicodedata.normalize("NFC", name).casefold()


@dataclass(frozen=True)
class Entry:
    info: zipfile.ZipInfo
    name: str  # normalised: no "." or empty parts, no trailing "/"
    is_dir: bool


def _check_entry(info: zipfile.ZipInfo, name: str, limits: UnpackLimits) -> str:
    """Refuse an unsafe entry; return its normalised name."""
    if reason := path_problem(name.rstrip("/")):
        raise reject("zip_unsafe_path", f"ZIP 条目“{name}”不安全：{reason}")
    bare = "/".join(p for p in name.split("/") if p not in ("", "."))
    if not bare:
        raise reject("zip_unsafe_path", f"ZIP 条目“{name}”没有名称")
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        raise reject("zip_symlink", f"ZIP 条目“{name}”是符号链接，不予解压")
    if stat.S_IFMT(mode) and not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
        raise reject("zip_special_file", f"ZIP 条目“{name}”不是普通文件（设备、管道等）")
    if info.flag_bits & 0x41:  # bit 0: encrypted; bit 6: strong encryption
        raise reject("zip_encrypted", f"ZIP 条目“{name}”已加密：归档文件不得加密，请解密后重新打包")
    if info.compress_type not in _SUPPORTED_METHODS:
        raise reject(
            "zip_unsupported_compression", f"ZIP 条目“{name}”使用了不支持的压缩方法（{info.compress_type}）"
        )
    if info.file_size > RATIO_FLOOR and info.file_size > limits.max_ratio * max(info.compress_size, 1):
        raise reject(
            "zip_bomb",
            f"ZIP 条目“{name}”压缩比异常（{info.file_size // max(info.compress_size, 1)}:1，"
            f"上限 {limits.max_ratio}:1），疑似压缩炸弹",
        )
    return bare


class _Names:
    """Names seen so far, folded (case, Unicode form), so that no two entries land on one path anywhere."""

    def __init__(self) -> None:
        self.entries: dict[str, tuple[str, bool]] = {}  # folded name -> (as written, is a folder)
        self.folders: dict[str, str] = {}  # folded folder (explicit or implied) -> as written

    def add(self, bare: str, is_dir: bool) -> None:
        key = _fold(bare)
        if key in self.entries:
            earlier, earlier_is_dir = self.entries[key]
            if earlier == bare and not (is_dir and earlier_is_dir):
                raise reject("zip_duplicate_name", f"ZIP 中有重名条目“{bare}”")
            if earlier != bare:
                raise reject(
                    "zip_name_conflict",
                    f"ZIP 条目“{bare}”与“{earlier}”只差大小写或 Unicode 规范化形式，解压后会互相覆盖",
                )
        self.entries[key] = (bare, is_dir)
        parts = bare.split("/")
        for spelled in ["/".join(parts[:i]) for i in range(1, len(parts))] + ([bare] if is_dir else []):
            if (earlier := self.folders.setdefault(_fold(spelled), spelled)) != spelled:
                raise reject(
                    "zip_name_conflict",
                    f"ZIP 中的文件夹“{spelled}”与“{earlier}”只差大小写或 Unicode 规范化形式",
                )

    def check_files_are_not_folders(self) -> None:
        for key, (bare, is_dir) in self.entries.items():
            if not is_dir and key in self.folders:
                raise reject("zip_name_conflict", f"ZIP 中“{bare}”既是文件又是文件夹")


def plan(zf: zipfile.ZipFile, limits: UnpackLimits) -> list[Entry]:
    """Judge every entry from the central directory; raise PackageRejected at the first unsafe one."""
    infos = zf.infolist()
    if len(infos) > limits.max_entries:
        raise reject("zip_too_many_entries", f"ZIP 中条目过多（{len(infos)}，上限 {limits.max_entries}）")
    entries: list[Entry] = []
    names = _Names()
    total = compressed = 0
    for info in infos:
        bare, is_dir = _check_entry(info, entry_name(info), limits), info.is_dir()
        names.add(bare, is_dir)
        total += info.file_size
        compressed += info.compress_size
        if total > limits.max_bytes:
            raise reject("zip_too_large", f"ZIP 解压后超过 {limits.max_bytes} 字节的上限，已拒绝")
        entries.append(Entry(info, bare, is_dir))
    names.check_files_are_not_folders()
    if total > RATIO_FLOOR and total > limits.max_ratio * max(compressed, 1):
        raise reject("zip_bomb", f"ZIP 整体压缩比异常（上限 {limits.max_ratio}:1），疑似压缩炸弹")
    return entries


def package_root(entries: list[Entry]) -> str | None:
    """Where the package starts inside the archive: "" (top level), "folder", or None if nowhere."""
    files = [e.name for e in entries if not e.is_dir and e.name.split("/")[0] != _JUNK_DIR]
    if any(n in ROOT_MARKERS for n in files):
        return ""
    tops = {n.split("/")[0] for n in files}
    if len(tops) == 1:
        top = next(iter(tops))
        if any(n == f"{top}/{m}" for n in files for m in ROOT_MARKERS):
            return top
    if files and all(n.lower().endswith(ARCHIVE_SUFFIXES) for n in files):
        raise reject(
            "nested_archive",
            "ZIP 中只有其他压缩包：系统只解压一层，不会逐层解压，请直接提交内层的案卷包",
        )
    return None


def _extract(zf: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, target: Path) -> None:
    """Write one entry, holding it to its declared size and CRC.

    zipfile would cut an entry at its declared size and then fail on the CRC, hiding the lie; the probe
    asks it for one byte more and leaves the CRC to us, so a lying header is named for what it is.
    """
    probe = copy.copy(info)
    probe.file_size = info.file_size + 1
    del probe.CRC
    written = crc = 0
    with zf.open(probe) as src, open(target, "xb") as out:
        while chunk := src.read(_CHUNK):
            written += len(chunk)
            if written > info.file_size:
                raise reject(
                    "zip_size_mismatch",
                    f"ZIP 条目“{name}”实际内容超过声明的 {info.file_size} 字节，已停止解压",
                )
            crc = zlib.crc32(chunk, crc)
            out.write(chunk)
    if written != info.file_size:
        raise reject(
            "zip_size_mismatch",
            f"ZIP 条目“{name}”实际只有 {written} 字节，与声明的 {info.file_size} 字节不符",
        )
    if crc != info.CRC:
        raise reject("zip_corrupt", f"ZIP 条目“{name}”的 CRC 校验值不符，内容已损坏")


def unpack_zip(archive: Path, dest: Path, limits: UnpackLimits) -> Path:
    """Unpack `archive` into the empty folder `dest`; return the package root inside it."""
    if archive.stat().st_size > limits.max_bytes:
        raise reject("zip_too_large", f"ZIP 文件超过 {limits.max_bytes} 字节的上限")
    try:
        count = _declared_entry_count(archive)
        if count is not None and count > limits.max_entries:
            raise reject("zip_too_many_entries", f"ZIP 中条目过多（{count}，上限 {limits.max_entries}）")
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError, ValueError, struct.error) as exc:
        raise reject("invalid_zip", f"不是有效的 ZIP 文件：{exc}") from exc
    with zf:
        entries = plan(zf, limits)
        root = package_root(entries)
        if root is None:
            raise reject(
                "missing_case_json", "ZIP 中没有 case.json 或 bagit.txt（应在根目录或唯一的顶层文件夹中）"
            )
        try:
            for e in entries:
                if e.name.split("/")[0] == _JUNK_DIR:
                    continue
                target = dest.joinpath(*PurePosixPath(e.name).parts)
                if e.is_dir:
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                _extract(zf, e.info, e.name, target)
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
            raise reject("zip_corrupt", f"ZIP 内容损坏（校验值或数据与目录不符）：{exc}") from exc
        except OSError as exc:
            raise reject("zip_write_failed", f"解压失败（磁盘空间或权限）：{exc.strerror or exc}") from exc
    return dest / root if root else dest


@contextmanager
def unpacked(archive: Path, staging: Path | None, limits: UnpackLimits) -> Iterator[Path]:
    """Unpack into a fresh private folder under `staging`; the folder is gone when the block ends."""
    if staging is not None:
        staging.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="unzip-", dir=staging))
    try:
        yield unpack_zip(archive, tmp, limits)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
