"""What the items of one run share: the package, the configuration, and per-file facts computed once.

Several items look at the same file (open it, identify it, read its text, see its signatures);
each fact is computed on first use and cached for the run, so a PDF is opened once however many
items ask about it.
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from dangan.core import PDFIUM
from dangan.digitize import ImageTooLarge, ensure_decodable, open_image, pdf_text, pdfium_source
from dangan.domain import CaseMetadata

from .formats import FormatId, identify
from .model import CheckConfig, CheckedFile, PackageInput
from .ofd import OfdDocument, OfdError, read_ofd

_IMAGE_MAGIC = (
    b"\x89PNG\r\n\x1a\n",
    b"\xff\xd8\xff",
    b"II*\x00",
    b"MM\x00*",
    b"GIF8",
    b"BM",
    b"\x00\x00\x00\x0cjP",
)
MAX_TEXT_PAGES = 50


@dataclass(frozen=True)
class Opened:
    """Whether a file opened with the reader for its kind, and what that reader saw."""

    ok: bool
    error: str | None = None
    pages: int = 0
    encrypted: bool = False
    signatures: int = 0
    detail: dict[str, Any] | None = None


@dataclass(frozen=True)
class Entry:
    """One thing found in the package folder (listed or not)."""

    path: str
    regular: bool
    symlink: bool


class CheckContext:
    def __init__(self, package: PackageInput, config: CheckConfig):
        self.package = package
        self.config = config
        self._cache: dict[tuple[str, str], Any] = {}

    @property
    def meta(self) -> CaseMetadata | None:
        return self.package.metadata

    @property
    def files(self) -> tuple[CheckedFile, ...]:
        return self.package.files

    def _memo(self, what: str, f: CheckedFile, compute: Any) -> Any:
        key = (what, f.path)
        if key not in self._cache:
            self._cache[key] = compute()
        return self._cache[key]

    # ---- bytes -------------------------------------------------------------------------------
    def exists(self, f: CheckedFile) -> bool:
        """A regular file (not a link) at the listed path; asked by most items, looked up once."""

        def compute() -> bool:
            try:
                return stat.S_ISREG(os.lstat(f.source).st_mode)
            except OSError:
                return False

        return bool(self._memo("exists", f, compute))

    def size(self, f: CheckedFile) -> int:
        return os.stat(f.source).st_size if self.exists(f) else 0

    def sha256(self, f: CheckedFile) -> str | None:
        def compute() -> str | None:
            if not self.exists(f):
                return None
            h = hashlib.sha256()
            with open(f.source, "rb") as fh:
                while chunk := fh.read(1024 * 1024):
                    h.update(chunk)
            return h.hexdigest()

        return self._memo("sha256", f, compute)

    def head(self, f: CheckedFile) -> bytes:
        def compute() -> bytes:
            with open(f.source, "rb") as fh:
                return fh.read(16)

        return self._memo("head", f, compute) if self.exists(f) else b""

    def kind(self, f: CheckedFile) -> str:
        """pdf, image, ofd, zip, text or other: which reader can prove the file opens."""
        head = self.head(f)
        suffix = Path(f.path).suffix.lower()
        if head.startswith(b"%PDF-"):
            return "pdf"
        if head.startswith(_IMAGE_MAGIC):
            return "image"
        if head.startswith(b"PK\x03\x04"):
            return "ofd" if suffix == ".ofd" else "zip"
        if suffix in (".txt", ".xml", ".json", ".csv"):
            return "text"
        return "other"

    # ---- readers -----------------------------------------------------------------------------
    def format(self, f: CheckedFile) -> FormatId:
        return self._memo("format", f, lambda: identify(f.source))

    def opened(self, f: CheckedFile) -> Opened:
        return self._memo("opened", f, lambda: self._open(f))

    def _open(self, f: CheckedFile) -> Opened:
        kind = self.kind(f)
        if kind == "pdf":
            return _open_pdf(f.source)
        if kind == "image":
            return _open_image(f.source)
        if kind == "ofd":
            doc = self.ofd(f)
            if isinstance(doc, OfdError):
                return Opened(False, str(doc))
            return Opened(True, pages=doc.pages, encrypted=doc.encrypted, signatures=len(doc.signatures))
        if kind == "text":
            try:
                f.source.read_bytes().decode("utf-8-sig")
            except UnicodeDecodeError as exc:
                return Opened(False, f"不是 UTF-8 文本：{exc}")
            return Opened(True)
        if kind == "zip":
            return Opened(True, detail={"container": "zip"})
        return Opened(False, "无法识别的文件类型，没有可用的阅读器")

    def ofd(self, f: CheckedFile) -> OfdDocument | OfdError:
        def compute() -> OfdDocument | OfdError:
            try:
                return read_ofd(f.source)
            except OfdError as exc:
                return exc
            except (OSError, ValueError, KeyError) as exc:
                return OfdError(f"OFD 无法读取：{exc}")

        return self._memo("ofd", f, compute)

    def text(self, f: CheckedFile) -> str:
        """The text layer of a PDF or OFD; empty for scans and anything unreadable."""

        def compute() -> str:
            kind = self.kind(f)
            if kind == "ofd":
                doc = self.ofd(f)
                return "" if isinstance(doc, OfdError) else doc.text
            if kind != "pdf" or not self.opened(f).ok:
                return ""
            if self.config.text_of is not None:
                return self.config.text_of(f.source)
            return _pdf_text(f.source)

        return self._memo("text", f, compute)

    # ---- the folder --------------------------------------------------------------------------
    @cached_property
    def listing(self) -> list[Entry]:
        """Every file, link and special file under the package root except case.json, sorted."""
        root = self.package.root
        out = []
        for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
            base = Path(dirpath)
            for name in dirnames:
                if (base / name).is_symlink():
                    out.append(Entry((base / name).relative_to(root).as_posix(), False, True))
            for name in filenames:
                p = base / name
                rel = p.relative_to(root).as_posix()
                if rel == "case.json":
                    continue
                mode = os.lstat(p).st_mode
                out.append(Entry(rel, stat.S_ISREG(mode), stat.S_ISLNK(mode)))
        return sorted(out, key=lambda e: e.path)


def _open_pdf(path: Path) -> Opened:
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    with PDFIUM:
        return _open_pdf_locked(path, pdfium, pdfium_c)


def _open_pdf_locked(path: Path, pdfium: Any, pdfium_c: Any) -> Opened:
    try:
        doc = pdfium.PdfDocument(pdfium_source(path))
    except pdfium.PdfiumError as exc:
        message = str(exc)
        encrypted = "password" in message.lower()
        return Opened(False, "PDF 已加密，需要密码才能打开" if encrypted else f"PDF 无法解析：{message}",
                      encrypted=encrypted)  # fmt: skip
    try:
        pages = len(doc)
        revision = pdfium_c.FPDF_GetSecurityHandlerRevision(doc.raw)
        signatures = pdfium_c.FPDF_GetSignatureCount(doc.raw)
        # The page tree is read, not every page: loading a page pulls in its fonts (about 1 ms per file
        # here), and previews render pages on demand anyway.
        return Opened(pages > 0, None if pages else "PDF 没有页面", pages, revision != -1, max(signatures, 0))
    finally:
        doc.close()


def _open_image(path: Path) -> Opened:
    from PIL import UnidentifiedImageError

    try:
        with open_image(path) as img:
            fmt, size = img.format, img.size
            if fmt == "JPEG":  # decode at 1/8: still every block
                img.draft("L", (max(1, size[0] // 8), max(1, size[1] // 8)))
            ensure_decodable(img)
            img.load()
            frames = getattr(img, "n_frames", 1)
    except ImageTooLarge as exc:
        return Opened(False, str(exc))
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        return Opened(False, f"图像无法解码：{exc}")
    return Opened(True, pages=frames, detail={"format": fmt, "width": size[0], "height": size[1]})


def _pdf_text(path: Path) -> str:
    return pdf_text(path, MAX_TEXT_PAGES)
