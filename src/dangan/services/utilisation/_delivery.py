"""What leaves the archive when somebody looks at or downloads a file: decided here, once, for every door.

The rules, in the order they are applied:

1. the record must be readable (`file_for`; a download also needs the download right);
2. below the unmask right (`redaction_terms`) personal data is taken out of what is rendered: PDF pages
   are covered and rebuilt (`digitize.redact`), plain text is starred, pictures that nothing has read yet
   (scans before OCR) show "含个人信息，需申请", and formats that cannot be checked are not delivered;
3. whatever is not public (open *and* 公开) carries a visible watermark naming the user, the time and the
   request — the 利用申请 when the user reads the record only through a grant; a file that cannot take a
   mark is not delivered ("never an unmarked copy");
4. every delivery of a non-public file is in the audit trail with its request id.

Routes parse the request, call one of these functions and send the `Delivery`.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from dangan.access import Principal, RecordView, granted_only, mask_record_view, redaction_terms
from dangan.core import NotFound, PermissionDenied, ValidationFailed, local_text, utcnow
from dangan.domain import PersonalTerms, SecurityLevel
from dangan.services.archive import Archive, log_access
from dangan.services.records import FileContent, file_for
from dangan.store.catalog import Record, RecordFile

from ._page_cache import page_cache, page_key

if TYPE_CHECKING:
    from dangan.digitize import Watermark

# digitize (PIL, pypdfium2) and the preservation service are imported by the functions that render,
# mark or fetch a copy: searches and utilisation requests load this module too and need neither.

log = logging.getLogger("dangan.delivery")
FileKind = Literal["pdf", "image", "other"]
PREVIEW_WIDTH = 1000
MAX_PREVIEW_PAGES = 50
TEXT_TYPES = {"text/plain", "text/csv", "text/xml", "application/xml", "application/json"}
WITHHELD = "该文件可能含个人信息，无法自动遮蔽，需提交利用申请（申请查看个人信息）后方可下载"


def file_kind(media_type: str) -> FileKind:
    from dangan.digitize import PREVIEWABLE_IMAGES

    if media_type == "application/pdf":
        return "pdf"
    if media_type in PREVIEWABLE_IMAGES:
        return "image"
    return "other"


def is_public(record: Record) -> bool:
    """Open to the public and 公开: delivered without a watermark."""
    return bool(record.open_to_public) and record.security_rank == SecurityLevel.PUBLIC.rank


@dataclass(frozen=True)
class Delivery:
    """Bytes ready to send: either `body`, or `chunks` of a stored file sent as it is."""

    media_type: str
    request_id: str | None = None
    body: bytes | None = None
    chunks: Iterator[bytes] | None = None
    length: int | None = None
    filename: str | None = None  # the file's path in its package, for a download


@dataclass(frozen=True)
class Preview:
    """The preview page of one file, as this user may see it."""

    record: RecordView
    file: RecordFile
    kind: FileKind
    page_count: int | None
    request_id: str
    redacted: bool  # personal data is covered in what this user is shown

    @property
    def shown_pages(self) -> int:
        return min(self.page_count or 0, MAX_PREVIEW_PAGES)


def _request_id() -> str:
    return secrets.token_hex(8)


def _page_count(path: Path) -> int | None:
    from dangan.digitize import pdf_page_count

    try:
        return pdf_page_count(path)
    except Exception:  # a damaged or encrypted PDF: offer the download instead
        log.warning("cannot count pages of %s", path, exc_info=True)
        return None


def _unrenderable() -> ValidationFailed:
    return ValidationFailed("该文件无法生成预览，请下载查看", code="preview_failed")


def _mark(
    archive: Archive, user: Principal, request_id: str, record: Record, detail: dict[str, Any]
) -> Watermark:
    """Who, when (in the archive's zone, named), and which request; the grant's id is also added to
    `detail` for the access event."""
    from dangan.digitize import Watermark

    now = local_text(utcnow(), archive.settings.timezone, label=True)
    grant = granted_only(user, record)
    if grant is None:
        return Watermark(user.display_name, user.username, now, request_id)
    detail["utilization_request_id"] = grant.request_id
    return Watermark(user.display_name, user.username, now, f"利用申请 {grant.request_id}")


def preview_file(archive: Archive, user: Principal, record_id: str, position: int) -> Preview:
    record, f, content = file_for(archive, user, record_id, position)
    kind = file_kind(f.media_type)
    count = None
    if kind == "pdf":
        with content.path() as path:
            count = _page_count(path)
    request_id = _request_id()
    terms = redaction_terms(user, record)
    detail = {"via": "preview", "file": f.path, "position": position, "request_id": request_id}
    log_access(archive, user.username, "view", record.id, {**detail, **({"redacted": True} if terms else {})})
    return Preview(mask_record_view(user, record), f, kind, count, request_id, terms is not None)


def _marked_png(
    archive: Archive, user: Principal, record: Record, f: RecordFile, png: bytes, detail: dict[str, Any]
) -> Delivery:
    from dangan.digitize import watermark_png

    if is_public(record):
        return Delivery("image/png", body=png)
    request_id = _request_id()
    detail = {**detail, "file": f.path, "request_id": request_id}
    marked = watermark_png(png, _mark(archive, user, request_id, record, detail))
    log_access(archive, user.username, "view", record.id, detail)
    return Delivery("image/png", request_id, body=marked)


def page_png(archive: Archive, user: Principal, record_id: str, position: int, number: int) -> Delivery:
    """One PDF page as a PNG, personal data covered below the unmask right, watermarked unless public.

    The rendered (and covered) page comes from `_page_cache` when this viewer's view of it was rendered
    before; the watermark is burnt in per delivery."""
    from dangan.digitize import render_pdf_page, render_redacted_page

    record, f, content = file_for(archive, user, record_id, position)
    if file_kind(f.media_type) != "pdf":
        raise NotFound("该文件不是 PDF，没有分页预览")
    terms = redaction_terms(user, record)
    cache = page_cache(archive)
    key = page_key(f.sha256, number - 1, PREVIEW_WIDTH, terms)  # this viewer's redaction view is in it
    png = cache.get(key, f.encrypted)
    if png is None:
        with content.path() as path:
            count = _page_count(path)
            if count is None:
                raise _unrenderable()
            if number > count:
                raise NotFound(f"该文件只有 {count} 页")
            try:
                if terms is None:
                    png = render_pdf_page(path, number - 1, PREVIEW_WIDTH)
                else:
                    png = render_redacted_page(path, number - 1, PREVIEW_WIDTH, terms)
            except Exception as exc:
                log.warning("cannot render page %s of %s", number, f.sha256, exc_info=True)
                raise _unrenderable() from exc
        cache.put(key, f.encrypted, png)
    detail: dict[str, Any] = {"via": "page", "page": number, **({"redacted": True} if terms else {})}
    return _marked_png(archive, user, record, f, png, detail)


def _notice_for(path: Path) -> bytes:
    """The stand-in for a picture nothing has read yet, in the picture's proportions."""
    from dangan.digitize import notice_png, open_image

    try:
        with open_image(path) as img:
            width, height = img.size
    except Exception:
        width, height = 3, 4
    return notice_png(PREVIEW_WIDTH, max(200, round(PREVIEW_WIDTH * height / max(width, 1))))


def image_png(archive: Archive, user: Principal, record_id: str, position: int) -> Delivery:
    """A picture file as a PNG: below the unmask right a notice instead of the scan (until OCR)."""
    from dangan.digitize import render_image

    record, f, content = file_for(archive, user, record_id, position)
    if file_kind(f.media_type) != "image":
        raise NotFound("该文件不是图片")
    terms = redaction_terms(user, record)
    with content.path() as path:
        if terms is not None:
            png = _notice_for(path)
        else:
            try:
                png = render_image(path, PREVIEW_WIDTH)
            except Exception as exc:
                log.warning("cannot render image %s", f.sha256, exc_info=True)
                raise _unrenderable() from exc
    detail: dict[str, Any] = {"via": "image", **({"withheld": True} if terms else {})}
    return _marked_png(archive, user, record, f, png, detail)


def download_file(archive: Archive, user: Principal, record_id: str, position: int) -> Delivery:
    record, f, content = file_for(archive, user, record_id, position, download=True)
    return _deliver(archive, user, record, f, content)


def download_preservation_copy(archive: Archive, user: Principal, record_id: str, position: int) -> Delivery:
    """The file's preservation copy (e.g. PDF/A), delivered under exactly the original's rules."""
    from dangan.services.preservation import preservation_copy_for

    record, f, copy, content = preservation_copy_for(archive, user, record_id, position)
    return _deliver(archive, user, record, copy, content, {"preservation_copy_of": f.sha256})


def redacted_bytes(kind: FileKind, media_type: str, data: bytes, terms: PersonalTerms) -> tuple[bytes, int]:
    """A file's bytes with personal data taken out, and how many regions were covered.

    Raises `PermissionDenied` for what cannot be checked (scans before OCR, other formats)."""
    from dangan.digitize import redact_pdf, redact_text

    if kind == "pdf":
        result = redact_pdf(data, terms)
        return result.data, result.regions
    if media_type in TEXT_TYPES:
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError:
                continue
            redacted = redact_text(text, terms)
            return redacted.encode("utf-8"), sum(a != b for a, b in zip(text, redacted, strict=True))
    raise PermissionDenied(WITHHELD, code="personal_data_withheld")


def _deliver(
    archive: Archive,
    user: Principal,
    record: Record,
    f: Any,
    content: FileContent,
    extra: dict[str, Any] | None = None,
) -> Delivery:
    """Send a stored file (`f` has path, sha256, size, media_type) under the rules in the module docstring."""
    from dangan.digitize import watermark_image, watermark_pdf

    if not content.available():
        log.error("object %s of record %s is missing from the store", f.sha256, record.id)
        raise NotFound("文件内容暂不可用，请联系档案管理员", code="object_missing")
    request_id = _request_id()
    detail: dict[str, Any] = {"file": f.path, "sha256": f.sha256, "size": f.size, "request_id": request_id}
    detail.update(extra or {})
    kind = file_kind(f.media_type)
    terms = redaction_terms(user, record)
    public = is_public(record)
    if terms is None and (public or kind == "other"):
        # Public files go out byte for byte; formats that cannot carry a mark go out as stored, logged.
        log_access(archive, user.username, "download", record.id, detail)
        return Delivery(
            f.media_type, request_id, chunks=content.chunks(), length=int(f.size), filename=f.path
        )
    with content.path() as path:
        data = path.read_bytes()
    media_type = f.media_type
    if terms is not None:
        try:
            data, regions = redacted_bytes(kind, f.media_type, data, terms)
        except PermissionDenied:
            log_access(archive, user.username, "download", record.id, {**detail, "withheld": True})
            raise
        except Exception as exc:
            log.warning("cannot redact %s of record %s", f.sha256, record.id, exc_info=True)
            raise ValidationFailed(WITHHELD, code="redaction_failed") from exc
        detail.update(redacted=True, regions=regions)
        if f.media_type in TEXT_TYPES:
            media_type = f"{f.media_type.split(';')[0]}; charset=utf-8"
    if public or kind == "other":
        log_access(archive, user.username, "download", record.id, detail)
        return Delivery(media_type, request_id, body=data, filename=f.path)
    mark = _mark(archive, user, request_id, record, detail)
    try:
        if kind == "pdf":
            body, media_type = watermark_pdf(data, mark), "application/pdf"
        else:
            body, media_type = watermark_image(data, mark)
    except Exception as exc:  # never hand out an unmarked copy of a non-public file
        log.warning("cannot watermark %s of record %s", f.sha256, record.id, exc_info=True)
        raise ValidationFailed(
            "该文件无法加注水印，暂不能下载，请联系档案管理员", code="watermark_failed"
        ) from exc
    log_access(archive, user.username, "download", record.id, {**detail, "watermarked": True})
    return Delivery(media_type, request_id, body=body, filename=f.path)
