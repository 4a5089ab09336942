"""Digitization results of stored scans: a batch, each scanned file of a record, each of its pages.

A page row is written in its own transaction once its result (and its enhanced image, when it has one)
is durable, so a killed worker loses at most the page it was reading; the next run skips every page
already `done`. The file row says whether its OCR text has reached the record's search text (`done` is
set in the same transaction as the search document), and who is working on it (`claimed_by` until
`claimed_until`): two workers never read the same file at once, and a dead worker's claim lapses.
The original scan is never changed: the enhanced page image is another object, with its own hashes and
the original's encryption rule, named by the page row; so is the file's searchable PDF/A, named by the
file row. `derivative_objects` / `stamp_derivatives` let the fixity audit, key rotation and anything
else that walks every stored object reach both without knowing the digitization service (which sits
above preservation).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
    false,
    select,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from dangan.core import utcnow

from ._models import Base


class DigitizationBatch(Base):
    """What one person (or the ingest) asked for at once: progress is shown per batch."""

    __tablename__ = "digitization_batch"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    actor: Mapped[str] = mapped_column(String(64))
    origin: Mapped[str] = mapped_column(String(20))  # "ingest" | "cli" | "web"
    records: Mapped[int] = mapped_column(Integer, default=0)
    files: Mapped[int] = mapped_column(Integer, default=0)
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)


class DigitizationFile(Base):
    __tablename__ = "digitization_file"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    record_file_id: Mapped[int] = mapped_column(ForeignKey("record_file.id", ondelete="CASCADE"), unique=True)
    record_id: Mapped[str] = mapped_column(String(26), index=True)
    batch_id: Mapped[int | None] = mapped_column(
        ForeignKey("digitization_batch.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[str] = mapped_column(String(10), index=True)  # queued / running / done / failed
    pages: Mapped[int | None] = mapped_column(Integer)  # known once the file was opened
    error: Mapped[str | None] = mapped_column(String(1000))
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    claimed_by: Mapped[str | None] = mapped_column(String(120))
    claimed_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # the searchable PDF/A-2b of the file's original pages (a derivative, like the page images)
    pdf_sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    pdf_sm3: Mapped[str | None] = mapped_column(String(64))
    pdf_size: Mapped[int | None] = mapped_column(BigInteger)
    pdf_encrypted: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    pdf_pages: Mapped[int | None] = mapped_column(Integer)  # pages in the PDF/A
    pdf_omitted: Mapped[int | None] = mapped_column(Integer)  # pages that could not be decoded, left out
    pdf_error: Mapped[str | None] = mapped_column(String(1000))  # why there is no PDF/A
    pdf_verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class DigitizationPage(Base):
    __tablename__ = "digitization_page"
    __table_args__ = (UniqueConstraint("file_id", "page", name="uq_digitization_page"),)
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("digitization_file.id", ondelete="CASCADE"), index=True)
    record_id: Mapped[str] = mapped_column(String(26), index=True)
    page: Mapped[int] = mapped_column(Integer)  # 1-based
    status: Mapped[str] = mapped_column(String(10))  # done / failed
    qc: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # the `qc --json` page
    ocr: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # the `ocr --json` page (+ corrections)
    error: Mapped[str | None] = mapped_column(String(1000))
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # the enhanced page image (a derivative; absent when the page could not be read)
    image_sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    image_sm3: Mapped[str | None] = mapped_column(String(64))
    image_size: Mapped[int | None] = mapped_column(BigInteger)
    image_media_type: Mapped[str | None] = mapped_column(String(100))
    image_encrypted: Mapped[bool] = mapped_column(Boolean, default=False)
    image_verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


# (sha256, encrypted, size, last verified, record id) of one stored derivative
DerivativeRow = tuple[str, bool, int, datetime | None, str]


def derivative_objects(s: Session, *, encrypted_only: bool = False) -> list[DerivativeRow]:
    """Every object digitization stored: enhanced page images and scan PDF/As."""
    page, file = DigitizationPage, DigitizationFile
    images = select(page.image_sha256, page.image_encrypted, page.image_size, page.image_verified_at,
                    page.record_id).where(page.image_sha256.is_not(None))  # fmt: skip
    pdfs = select(file.pdf_sha256, file.pdf_encrypted, file.pdf_size, file.pdf_verified_at,
                  file.record_id).where(file.pdf_sha256.is_not(None))  # fmt: skip
    if encrypted_only:
        images = images.where(page.image_encrypted.is_(True))
        pdfs = pdfs.where(file.pdf_encrypted.is_(True))
    return [
        (str(sha), bool(enc), int(size or 0), verified, str(record_id))
        for query in (images, pdfs)
        for sha, enc, size, verified, record_id in s.execute(query).all()
    ]


def stamp_derivatives(s: Session, verified: list[tuple[str, bool]], when: datetime) -> None:
    """Mark these (sha256, encrypted) derivatives as verified at `when`."""
    for enc in (False, True):
        shas = sorted({sha for sha, e in verified if e is enc})
        for i in range(0, len(shas), 500):
            chunk = shas[i : i + 500]
            s.execute(
                update(DigitizationPage)
                .where(DigitizationPage.image_sha256.in_(chunk), DigitizationPage.image_encrypted.is_(enc))
                .values(image_verified_at=when)
                .execution_options(synchronize_session=False)
            )
            s.execute(
                update(DigitizationFile)
                .where(DigitizationFile.pdf_sha256.in_(chunk), DigitizationFile.pdf_encrypted.is_(enc))
                .values(pdf_verified_at=when)
                .execution_options(synchronize_session=False)
            )


def derivative_verified_since(s: Session, sha: str, enc: bool, since: datetime) -> bool:
    """Whether a digitization output with these bytes was verified at or after `since` (a shared audit's
    "another worker has just checked it")."""
    page, file = DigitizationPage, DigitizationFile
    image = select(page.id).where(page.image_sha256 == sha, page.image_encrypted.is_(enc),
                                  page.image_verified_at >= since).limit(1)  # fmt: skip
    pdf = select(file.id).where(file.pdf_sha256 == sha, file.pdf_encrypted.is_(enc),
                                file.pdf_verified_at >= since).limit(1)  # fmt: skip
    return s.scalar(image) is not None or s.scalar(pdf) is not None
