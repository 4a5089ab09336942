"""Receive a multipart upload straight into a private staging folder, one chunk at a time.

Nothing of a file is held in memory beyond the chunk being written: the parser hands each piece of a
`files` part to the open file under the staging folder (named by the part's filename, which is the
file's path in the package). Text parts (`case`, form fields) are kept in memory under a small limit.
The staging folder is private (mode 0700) and is removed whole by `discard()` whatever happened: a
finished upload, a refused one, or a client that went away mid-body.

Framework-free on purpose: the web layer feeds it the request body, tests feed it bytes.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, BinaryIO

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header

from dangan.collect import path_problem, resolve_inside
from dangan.core import DanganError, Problem, ValidationFailed

if TYPE_CHECKING:
    from python_multipart.multipart import MultipartCallbacks

MAX_TEXT_BYTES = 4 * 1024 * 1024  # every text part together (case.json is limited to 4 MB as well)
MAX_FILES = 10_000
PAYLOAD = "package"
RESERVED = {"case.json"}


class UploadTooLarge(DanganError):
    code = "payload_too_large"
    status = 413


def too_large(limit: int) -> UploadTooLarge:
    return UploadTooLarge(f"上传内容超过上限 {limit:,} 字节（DANGAN_MAX_UPLOAD_BYTES）")


def _bad(code: str, message: str, where: str | None = None) -> ValidationFailed:
    return ValidationFailed(message, code=code, problems=[Problem(code, message, where)])


def _decode_filename(raw: bytes) -> str:
    """RFC 7578 / HTML5: UTF-8 bytes, with `"` CR LF percent-encoded by browsers and httpx."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise _bad("invalid_filename", "文件名不是有效的 UTF-8 编码", "files") from None
    return text.replace("%22", '"').replace("%0D", "\r").replace("%0A", "\n")


@dataclass
class ReceivedUpload:
    """What arrived: text fields by name, and the files written under `package` in arrival order."""

    root: Path
    fields: dict[str, list[str]] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    bytes_received: int = 0

    @property
    def package(self) -> Path:
        return self.root / PAYLOAD

    def field(self, name: str) -> str | None:
        values = self.fields.get(name)
        return values[0] if values else None


class UploadReceiver:
    """Feed it the body of a `multipart/form-data` request; call `finish()`, and always `discard()`.

    `on_field(name, value)` is called as soon as a text part is complete, so a caller can refuse an
    upload (by raising) before the rest of the body has been received, e.g. a key out of its scope.
    """

    def __init__(
        self,
        staging: Path,
        content_type: str,
        *,
        max_bytes: int,
        file_field: str = "files",
        on_field: Callable[[str, str], None] | None = None,
        reserved: frozenset[str] = frozenset(RESERVED),
    ) -> None:
        ctype, params = parse_options_header(content_type)
        boundary = params.get(b"boundary")
        if ctype != b"multipart/form-data" or not boundary:
            raise ValidationFailed(
                "请求体应为 multipart/form-data 格式（含 boundary）", code="unsupported_media_type"
            )
        self.max_bytes = max_bytes
        self.file_field = file_field
        self.on_field = on_field
        self.reserved = reserved  # a whole package brings its own case.json; a single case does not
        staging.mkdir(parents=True, exist_ok=True)
        self.upload = ReceivedUpload(Path(tempfile.mkdtemp(prefix="upload-", dir=staging)))
        self.upload.package.mkdir()
        self._seen: set[str] = set()
        self._text_bytes = 0
        self._headers: dict[str, str] = {}
        self._header_name = bytearray()
        self._header_value = bytearray()
        self._name: str | None = None
        self._out: BinaryIO | None = None
        self._text: bytearray | None = None
        self._ended = False
        try:
            self._parser = MultipartParser(boundary, self._callbacks())
        except FormParserError as exc:
            self.discard()
            raise _bad("invalid_multipart", f"multipart 请求体无法解析：{exc}") from None

    def _callbacks(self) -> MultipartCallbacks:
        return {
            "on_part_begin": self._part_begin,
            "on_header_field": lambda d, s, e: self._header_name.extend(d[s:e]),
            "on_header_value": lambda d, s, e: self._header_value.extend(d[s:e]),
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished,
            "on_part_data": self._part_data,
            "on_part_end": self._part_end,
            "on_end": self._end,
        }

    # -- parser callbacks -------------------------------------------------------------------------
    def _part_begin(self) -> None:
        self._headers = {}

    def _header_end(self) -> None:
        name = bytes(self._header_name).decode("latin-1").strip().lower()
        self._headers[name] = bytes(self._header_value).decode("latin-1")
        self._header_name.clear()
        self._header_value.clear()

    def _headers_finished(self) -> None:
        _, params = parse_options_header(self._headers.get("content-disposition", ""))
        if b"name" not in params:
            raise _bad("invalid_multipart", "multipart 的某一部分缺少 name")
        self._name = params[b"name"].decode("utf-8", "replace")
        filename = params.get(b"filename")
        if self._name == self.file_field:
            if not filename:
                raise _bad("invalid_filename", "每个文件部分都须带文件名（即文件在案卷包中的路径）", "files")
            self._open_file(_decode_filename(filename))
        else:
            self._text = bytearray()

    def _open_file(self, path: str) -> None:
        if reason := path_problem(path):
            raise _bad("unsafe_path", f"文件路径“{path}”不安全：{reason}", "files")
        if path in self.reserved:
            raise _bad("reserved_path", f"文件不能命名为“{path}”（该名称保留给案卷元数据）", "files")
        if path.casefold() in self._seen:
            raise _bad("duplicate_path", f"文件“{path}”重复上传", "files")
        if len(self._seen) >= MAX_FILES:
            raise _bad("too_many_files", f"一次最多上传 {MAX_FILES} 个文件", "files")
        self._seen.add(path.casefold())
        try:
            parent = PurePosixPath(path).parent
            if parent.parts:
                (resolve_inside(self.upload.package, str(parent))).mkdir(parents=True, exist_ok=True)
            target = resolve_inside(self.upload.package, path)
            self._out = open(target, "xb")  # noqa: SIM115 - closed in _part_end or discard
        except OSError:  # "a" and "a/b.pdf" both uploaded: one is a file, the other needs it as a folder
            raise _bad("path_conflict", f"文件路径“{path}”与已上传的文件或文件夹冲突", "files") from None
        self.upload.files.append(path)

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if self._out is not None:
            self._out.write(data[start:end])
        elif self._text is not None:
            self._text_bytes += end - start
            if self._text_bytes > MAX_TEXT_BYTES:
                raise _bad("text_too_large", "文本字段（含 case）合计超过 4 MB")
            self._text.extend(data[start:end])

    def _part_end(self) -> None:
        if self._out is not None:
            self._out.close()
            self._out = None
        elif self._text is not None and self._name is not None:
            try:
                value = bytes(self._text).decode("utf-8-sig")
            except UnicodeDecodeError:
                raise _bad(
                    "invalid_encoding", f"字段 {self._name} 不是有效的 UTF-8 文本", self._name
                ) from None
            self._text = None
            self.upload.fields.setdefault(self._name, []).append(value)
            if self.on_field is not None:
                self.on_field(self._name, value)

    def _end(self) -> None:
        self._ended = True

    # -- public -----------------------------------------------------------------------------------
    def feed(self, chunk: bytes) -> None:
        if not chunk:
            return
        self.upload.bytes_received += len(chunk)
        if self.upload.bytes_received > self.max_bytes:
            raise too_large(self.max_bytes)
        try:
            self._parser.write(chunk)
        except FormParserError as exc:
            raise _bad("invalid_multipart", f"multipart 请求体无法解析：{exc}") from None

    def add_field(self, name: str, value: str) -> None:
        """For bodies already parsed elsewhere (a plain HTML form post)."""
        self._text_bytes += len(value.encode("utf-8"))
        if self._text_bytes > MAX_TEXT_BYTES:
            raise _bad("text_too_large", "文本字段合计超过 4 MB")
        self.upload.fields.setdefault(name, []).append(value)

    def add_file(self, path: str, source: BinaryIO) -> None:
        """Copy an already received file (a plain HTML form post) into the package, chunk by chunk."""
        self._open_file(path)
        assert self._out is not None
        try:
            while chunk := source.read(1024 * 1024):
                self.upload.bytes_received += len(chunk)
                if self.upload.bytes_received > self.max_bytes:
                    raise too_large(self.max_bytes)
                self._out.write(chunk)
        finally:
            self._out.close()
            self._out = None

    def complete(self) -> None:
        """Mark a body assembled with `add_field`/`add_file` as whole."""
        self._ended = True

    def finish(self) -> ReceivedUpload:
        if not self._ended:
            raise _bad("incomplete_body", "请求体不完整（multipart 没有结束标记）")
        return self.upload

    def discard(self) -> None:
        """Remove the staging folder and everything in it; safe to call more than once."""
        if self._out is not None:
            with contextlib.suppress(OSError):
                self._out.close()
            self._out = None
        shutil.rmtree(self.upload.root, ignore_errors=True)


def sweep_stale_uploads(staging: Path, max_age_seconds: float = 24 * 3600) -> int:
    """Remove upload folders a killed server left behind (older than a day: none is still arriving)."""
    if not staging.is_dir():
        return 0
    cutoff = time.time() - max_age_seconds
    removed = 0
    for entry in staging.glob("upload-*"):
        with contextlib.suppress(OSError):
            if entry.is_dir() and not entry.is_symlink() and entry.stat().st_mtime < cutoff:
                shutil.rmtree(entry)
                removed += 1
    return removed
