"""Reading BagIt tag files (RFC 8493 §2): bagit.txt, bag-info.txt, manifests and fetch.txt.

Every function here works on text already read; nothing touches the payload. What is wrong is written
into the report, so one run lists all of a bag's problems. Paths are checked here, before anyone uses
them to open a file: a manifest line is data from outside and may try to point anywhere.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from .bagit_report import BagFatal, BagReport

MAX_TAG_FILE_BYTES = 64 * 1024 * 1024  # a manifest of 500 000 files; more is an attack, not a bag
DIGEST_HEX_LENGTH = {"md5": 32, "sha1": 40, "sha224": 56, "sha256": 64, "sha384": 96, "sha512": 128}
_LINE_BREAK = re.compile(r"\r\n|\r|\n")  # RFC 8493: LF, CR or CRLF; never str.splitlines (U+2028…)
_DECLARATION_LINE = re.compile(r"([A-Za-z-]+):[ \t](.*)")
_VERSION = re.compile(r"(\d+)\.(\d+)")
_PERCENT = re.compile(r"%(0[dD]|0[aA]|25)")
_PERCENT_CHARS = {"0d": "\r", "0a": "\n", "25": "%"}
_DRIVE = re.compile(r"^[A-Za-z]:")
Version = tuple[int, int]


@dataclass(frozen=True)
class Declaration:
    version: Version
    version_text: str
    encoding: str  # the codec name Python knows it by, e.g. "utf-8", "iso8859-1", "utf-16"


@dataclass(frozen=True)
class ManifestEntry:
    """One manifest line. `paths` are the spellings to look for, the version's own reading first."""

    paths: tuple[str, ...]
    checksum: str
    line: int


@dataclass(frozen=True)
class FetchEntry:
    url: str
    length: int | None
    paths: tuple[str, ...]
    line: int


def split_lines(text: str) -> list[str]:
    lines = _LINE_BREAK.split(text)
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def read_declaration(root: Path, report: BagReport) -> Declaration:
    """bagit.txt: exactly `BagIt-Version: M.N` and `Tag-File-Character-Encoding: ENC`, UTF-8, no BOM."""
    path = root / "bagit.txt"
    if path.is_symlink() or not path.is_file():
        raise BagFatal("bag_declaration_missing", "缺少 bagit.txt，这不是一个 BagIt 数据包", "bagit.txt")
    with open(path, "rb") as f:
        raw = f.read(4097)
    if len(raw) > 4096:  # two short lines are all it may hold
        raise BagFatal("bag_declaration_malformed", "bagit.txt 过长（应只有两行）", "bagit.txt")
    if raw.startswith(codecs.BOM_UTF8):
        report.error("bag_declaration_bom", "bagit.txt 不能以字节顺序标记（BOM）开头", "bagit.txt")
        raw = raw[len(codecs.BOM_UTF8) :]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BagFatal("bag_declaration_encoding", f"bagit.txt 不是 UTF-8 编码：{exc}", "bagit.txt") from exc
    tags: dict[str, str] = {}
    for number, line in enumerate(split_lines(text), 1):
        m = _DECLARATION_LINE.fullmatch(line)
        if not m:
            report.error(
                "bag_declaration_malformed",
                f"bagit.txt 第 {number} 行格式不正确（应为“标签: 值”，冒号前不能有空格）：{line!r}",
                "bagit.txt",
            )
            continue
        tags.setdefault(m.group(1), m.group(2))
    order = list(tags)
    if order[:2] != ["BagIt-Version", "Tag-File-Character-Encoding"] and len(order) >= 2:
        report.warn(
            "bag_declaration_order",
            "bagit.txt 的两行应依次为 BagIt-Version 与 Tag-File-Character-Encoding",
            "bagit.txt",
        )
    for extra in order[2:]:
        report.warn("bag_declaration_extra", f"bagit.txt 含有规范之外的标签“{extra}”", "bagit.txt")
    version_text = tags.get("BagIt-Version")
    if version_text is None:
        raise BagFatal("bag_version_missing", "bagit.txt 缺少 BagIt-Version", "bagit.txt")
    if version_text != version_text.strip():
        report.error(
            "bag_declaration_malformed", f"BagIt-Version 的值“{version_text}”前后有多余空白", "bagit.txt"
        )
        version_text = version_text.strip()
    m = _VERSION.fullmatch(version_text)
    if not m:
        raise BagFatal(
            "bag_version_invalid", f"BagIt-Version“{version_text}”不是“主版本.次版本”形式的数字", "bagit.txt"
        )
    version = (int(m.group(1)), int(m.group(2)))
    if not (0, 93) <= version < (2, 0):
        raise BagFatal(
            "bag_version_unsupported", f"不支持的 BagIt 版本 {version_text}（支持 0.93–1.x）", "bagit.txt"
        )
    declared = tags.get("Tag-File-Character-Encoding")
    if declared is None:
        report.error(
            "bag_encoding_missing",
            "bagit.txt 缺少 Tag-File-Character-Encoding，以下按 UTF-8 读取",
            "bagit.txt",
        )
        declared = "UTF-8"
    try:
        encoding = codecs.lookup(declared.strip()).name
    except LookupError as exc:
        raise BagFatal("bag_encoding_unsupported", f"不支持的标签文件编码“{declared}”", "bagit.txt") from exc
    report.version, report.encoding = version_text, declared.strip()
    return Declaration(version, version_text, encoding)


def read_tag_text(root: Path, rel: str, encoding: str, report: BagReport) -> str | None:
    """A tag file decoded with the bag's declared encoding; None (with an error) when it cannot be."""
    path = root / rel
    if path.stat().st_size > MAX_TAG_FILE_BYTES:
        report.error("bag_tag_file_too_large", f"标签文件 {rel} 超过 {MAX_TAG_FILE_BYTES // 2**20} MB", rel)
        return None
    raw = path.read_bytes()
    if encoding == "utf-8" and raw.startswith(codecs.BOM_UTF8):
        report.warn("bag_tag_file_bom", f"{rel} 以 UTF-8 字节顺序标记（BOM）开头，不符合 RFC 8493", rel)
        raw = raw[len(codecs.BOM_UTF8) :]
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as exc:
        report.error("bag_tag_file_encoding", f"{rel} 不能按声明的编码 {report.encoding} 解码：{exc}", rel)
        return None


def parse_info(text: str, rel: str, version: Version, report: BagReport) -> dict[str, list[str]]:
    """bag-info.txt: `Label: value` lines, values folded over indented continuation lines."""
    info: dict[str, list[str]] = {}
    current: tuple[str, int] | None = None
    for number, line in enumerate(split_lines(text), 1):
        if not line.strip():
            continue
        if line[0] in " \t":
            if current is None:
                report.error("bag_info_malformed", f"{rel} 第 {number} 行是续行，但前面没有标签", rel)
                continue
            label, index = current
            info[label][index] = f"{info[label][index]} {line.strip()}"
            continue
        label, sep, value = line.partition(":")
        if not sep or not label.strip():
            report.error("bag_info_malformed", f"{rel} 第 {number} 行不是“标签: 值”形式：{line!r}", rel)
            current = None
            continue
        if label != label.strip() and version >= (1, 0):
            report.warn("bag_info_label_whitespace", f"{rel} 第 {number} 行的标签前后有空白", rel)
        values = info.setdefault(label.strip(), [])
        values.append(value.strip())
        current = (label.strip(), len(values) - 1)
    return info


def info_values(info: dict[str, list[str]], label: str) -> list[str]:
    """Labels compare case-insensitively (`contact-name` is `Contact-Name`)."""
    wanted = label.casefold()
    return [v for k, vs in info.items() if k.casefold() == wanted for v in vs]


def path_danger(path: str) -> str | None:
    """Why a manifest or fetch path would reach outside the bag on Linux or on Windows; None if safe."""
    if not path:
        return "路径为空"
    if "\x00" in path:
        return "含有空字符"
    if path.startswith("/"):
        return "是绝对路径"
    if "\\" in path:
        return "含有反斜杠（在 Windows 上是路径分隔符，可能是盘符、UNC 或跳出路径）"
    if _DRIVE.match(path):
        return "以盘符开头（Windows 绝对路径）"
    if path.split("/", 1)[0].startswith("~"):
        return "以 ~ 开头（会被展开为用户主目录）"
    if ".." in path.split("/"):
        return "含有“..”，会跳出数据包"
    return None


def _candidates(raw: str, version: Version) -> tuple[str, ...]:
    """RFC 8493 (1.0) percent-encodes CR, LF and % in paths; 0.97 and older wrote them literally."""
    decoded = _PERCENT.sub(lambda m: _PERCENT_CHARS[m.group(1).lower()], raw)
    ordered = (decoded, raw) if version >= (1, 0) else (raw, decoded)
    return tuple(dict.fromkeys(ordered))


def _clean_path(
    raw: str, where: str, number: int, version: Version, report: BagReport
) -> tuple[str, ...] | None:
    """Check and normalise one listed path; None (with an error) when it is unsafe."""
    candidates = _candidates(raw, version)
    for candidate in candidates:
        if danger := path_danger(candidate):
            report.error("bag_unsafe_path", f"{where} 第 {number} 行的路径“{raw}”不安全：{danger}", raw)
            return None
    cleaned = tuple(
        dict.fromkeys("/".join(p for p in c.split("/") if p not in ("", ".")) for c in candidates)
    )
    if cleaned != candidates:
        report.warn("bag_path_not_normalized", f"{where} 第 {number} 行的路径“{raw}”含有“./”或多余的“/”", raw)
    if not cleaned[0]:
        report.error("bag_manifest_malformed", f"{where} 第 {number} 行没有文件路径", where)
        return None
    return cleaned


def parse_manifest(text: str, rel: str, alg: str, version: Version, report: BagReport) -> list[ManifestEntry]:
    """`CHECKSUM  PATH` lines; a leading `*` is md5sum's binary-mode marker, tolerated with a warning."""
    entries: list[ManifestEntry] = []
    marker_warned = False
    for number, line in enumerate(split_lines(text), 1):
        line = line.strip()
        if not line:
            continue
        fields = line.split(None, 1)
        checksum, raw = fields[0], fields[1] if len(fields) == 2 else ""
        if not raw or len(checksum) != DIGEST_HEX_LENGTH[alg] or not re.fullmatch(r"[0-9A-Fa-f]+", checksum):
            report.error(
                "bag_manifest_malformed", f"{rel} 第 {number} 行不是“{alg} 校验值  路径”：{line!r}", rel
            )
            continue
        if raw.startswith("*"):
            raw = raw[1:]
            if not marker_warned:
                report.warn(
                    "bag_manifest_binary_marker", f"{rel} 的路径前有 md5sum 的“*”标记（非 BagIt 格式）", rel
                )
                marker_warned = True
        paths = _clean_path(raw, rel, number, version, report)
        if paths is not None:
            entries.append(ManifestEntry(paths, checksum.lower(), number))
    return entries


def parse_fetch(text: str, version: Version, report: BagReport) -> list[FetchEntry]:
    """fetch.txt: `URL LENGTH PATH`; we only check it, never download (a bag is archived as it came)."""
    entries: list[FetchEntry] = []
    for number, line in enumerate(split_lines(text), 1):
        if not line.strip():
            continue
        parts = line.strip().split(None, 2)
        if len(parts) != 3 or not (parts[1] == "-" or parts[1].isdigit()):
            report.error(
                "bag_fetch_malformed", f"fetch.txt 第 {number} 行不是“URL 长度 路径”：{line!r}", "fetch.txt"
            )
            continue
        url, length, raw = parts
        parsed = urlparse(url)
        if not ((parsed.scheme and parsed.netloc) or parsed.scheme == "file"):
            report.error("bag_fetch_malformed", f"fetch.txt 第 {number} 行的 URL 无效：{url}", "fetch.txt")
            continue
        paths = _clean_path(raw, "fetch.txt", number, version, report)
        if paths is None:
            continue
        if not paths[0].startswith("data/"):
            report.error(
                "bag_fetch_outside_payload", f"fetch.txt 第 {number} 行的路径不在 data/ 中：{raw}", raw
            )
            continue
        entries.append(FetchEntry(url, None if length == "-" else int(length), paths, number))
    return entries
