"""Catalogue fields proposed from a record's text, what archivists confirmed of them, and the classifier
of matter and category trained on those confirmations.

Proposals are recomputed whole (a redo of the OCR replaces them) and say where each value came from: the
scanned file and page with the box on the page image, or the born-digital PDF and its text span. A
confirmation never rewrites the record as ingested — the ledger binds those fields to the ingest entry,
and 档号, fixity and certificates rest on them — but adds a version of the record's *confirmed
description*: the whole description after the change, and per field what was proposed, what stood
before and what the archivist set. Versions are never updated or deleted: corrections are kept. A
trained classifier is one row (its JSON and how it scored on held-back records), written in one
transaction, so a reader sees the previous model or the new one, never half of one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Float, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from dangan.core import utcnow

from ._models import Base


class ExtractionProposal(Base):
    __tablename__ = "extraction_proposal"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    record_id: Mapped[str] = mapped_column(String(26), index=True)
    source: Mapped[str] = mapped_column(String(12))  # "ocr" | "pdf" | "classifier"
    file_path: Mapped[str | None] = mapped_column(String(1024))
    file_position: Mapped[int | None] = mapped_column(Integer)
    page: Mapped[int | None] = mapped_column(Integer)  # 1-based; None for a PDF's text as a whole
    field: Mapped[str] = mapped_column(String(40))
    value: Mapped[str] = mapped_column(Text)  # as text; `kind` says how to read it back
    kind: Mapped[str] = mapped_column(String(8))  # "str" | "int" | "float"
    confidence: Mapped[float] = mapped_column(Float)
    box: Mapped[list[int] | None] = mapped_column(JSON)  # pixels of the page as scanned
    span_start: Mapped[int | None] = mapped_column(Integer)
    span_end: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(String(500))
    current: Mapped[str | None] = mapped_column(Text)  # the record's value of the field when proposed
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ConfirmedDescription(Base):
    __tablename__ = "confirmed_description"
    __table_args__ = (UniqueConstraint("record_id", "version", name="uq_confirmed_description"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    record_id: Mapped[str] = mapped_column(String(26), index=True)
    version: Mapped[int] = mapped_column(Integer)
    fields: Mapped[dict[str, Any]] = mapped_column(JSON)  # the whole confirmed description after this
    changes: Mapped[list[dict[str, Any]]] = mapped_column(JSON)  # field, proposed, before, confirmed
    note: Mapped[str | None] = mapped_column(String(1000))
    actor: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ClassifierModel(Base):
    __tablename__ = "classifier_model"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    target: Mapped[str] = mapped_column(String(12), index=True)  # "matter" | "category"
    model: Mapped[str] = mapped_column(Text)  # Classifier.to_json()
    n_train: Mapped[int] = mapped_column(Integer)
    n_held_back: Mapped[int] = mapped_column(Integer)
    accuracy: Mapped[float | None] = mapped_column(Float)
    baseline: Mapped[float | None] = mapped_column(Float)
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON)
    actor: Mapped[str] = mapped_column(String(64))
    trained_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
