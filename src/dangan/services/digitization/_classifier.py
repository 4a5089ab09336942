"""The matter/category classifier trained on the archive's own records, kept in the catalogue.

What it learns from (a documented choice): a record's label counts as known when an archivist
confirmed it (the latest confirmed description holds the field), or when the record came from a
department's business system, which knew the matter when it filed the case (every package except the
web upload form, where a clerk typed it). A confirmed value wins over the ingested one. The text is
the record's materials as search holds them (PDF text layers and OCR text), without the described
fields themselves — the model must learn to read a document, not to copy the matter from the
catalogue. Records are split into trained and held back by a hash of their id (`split_held_back`), so
the accuracy shown is on records the model never saw, next to always answering the commonest label.
Each training writes one row, so a reader sees the old model or the new one, never half of one.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from dangan.access import Principal
from dangan.core import ValidationFailed, utcnow
from dangan.services.archive import Archive, record_event
from dangan.services.records import record_for
from dangan.store.catalog import ClassifierModel, ConfirmedDescription, Record, SearchDoc

from ._results import require_digitizer
from ._text import _described

TARGETS = ("matter", "category")
TARGET_LABELS = {"matter": "审批事项", "category": "分类"}
WEB_UPLOAD = "web-upload"  # intake's WEB_SOURCE_SYSTEM (intake sits above this capability)
MIN_EXAMPLES = 10
_cache: dict[tuple[str, int], Any] = {}


def _target(target: str) -> str:
    if target not in TARGETS:
        raise ValidationFailed(f"未知的分类目标：{target}（可选 matter 审批事项、category 分类）")
    return target


def _materials(record: Record, body_text: str | None) -> str:
    """The search document's readable text without the described fields it starts with."""
    text = body_text or ""
    prefix = " ".join(" ".join(p for p in _described(record) if p).split())
    return text[len(prefix) :].strip() if prefix and text.startswith(prefix) else text


def record_text(archive: Archive, record_id: str) -> str:
    with archive.db.read() as s:
        row = s.execute(
            select(Record, SearchDoc.body_text)
            .join(SearchDoc, SearchDoc.record_seq == Record.seq)
            .where(Record.id == record_id)
        ).first()
        return _materials(row[0], row[1]) if row else ""


def _label(record: Record, target: str) -> str | None:
    if target == "matter":
        return record.matter.name if record.matter else None
    return record.category


def training_examples(archive: Archive, target: str, limit: int = 50_000) -> list[tuple[str, str, str]]:
    """(record id, text, label) of every record whose label is known (see the module docstring)."""
    with archive.db.read() as s:
        confirmed: dict[str, str] = {}
        for rid, fields in s.execute(
            select(ConfirmedDescription.record_id, ConfirmedDescription.fields).order_by(
                ConfirmedDescription.record_id, ConfirmedDescription.version
            )
        ):
            value = (fields or {}).get(target)
            if isinstance(value, str) and value:
                confirmed[rid] = value
            else:
                confirmed.pop(rid, None)
        rows = s.execute(
            select(Record, SearchDoc.body_text)
            .join(SearchDoc, SearchDoc.record_seq == Record.seq)
            .order_by(Record.seq.desc())
            .limit(limit)
        ).all()
        out = []
        for record, body in rows:
            label = confirmed.get(record.id)
            if label is None and not record.source_system.startswith(WEB_UPLOAD):
                label = _label(record, target)
            text = _materials(record, body)
            if label and text:
                out.append((record.id, text, label))
    return out


def train_classifier(archive: Archive, user: Principal, target: str = "matter") -> dict[str, Any]:
    """Train, measure on held-back records and store the classifier of `target`; the status row."""
    from dangan.digitize import evaluate, majority_baseline, split_held_back, train

    require_digitizer(user)
    target = _target(target)
    examples = training_examples(archive, target)
    trained, held = split_held_back(examples)
    labels = {label for _, label in trained}
    if len(trained) < MIN_EXAMPLES or len(labels) < 2:
        raise ValidationFailed(
            f"可用于训练的已确认案卷太少：{len(trained)} 件、{len(labels)} 个{TARGET_LABELS[target]}"
            f"（至少需要 {MIN_EXAMPLES} 件、2 个不同的{TARGET_LABELS[target]}）",
            code="too_few_examples",
        )
    model = train(trained)
    metrics = evaluate(model, held) if held else {"accuracy": None, "n": 0}
    baseline = majority_baseline([label for _, label in trained], [label for _, label in held])
    metrics.pop("per_label", None)
    now = utcnow()
    with archive.db.write() as s:
        row = ClassifierModel(
            target=target, model=model.to_json(), n_train=len(trained), n_held_back=len(held),
            accuracy=metrics.get("accuracy"), baseline=baseline, metrics=metrics, actor=user.username,
            trained_at=now,
        )  # fmt: skip
        s.add(row)
        s.flush()
        record_event(s, "classifier_train", user.username, None, {
            "target": target, "model": int(row.id), "n_train": len(trained), "n_held_back": len(held),
            "accuracy": metrics.get("accuracy"), "baseline": baseline, "labels": len(labels),
        })  # fmt: skip
        return _status(row)


def _status(row: ClassifierModel) -> dict[str, Any]:
    return {
        "target": row.target,
        "target_label": TARGET_LABELS.get(row.target, row.target),
        "model": int(row.id),
        "accuracy": row.accuracy,
        "baseline": row.baseline,
        "top3_accuracy": (row.metrics or {}).get("top3_accuracy"),
        "mean_confidence": (row.metrics or {}).get("mean_confidence"),
        "n_train": row.n_train,
        "n_held_back": row.n_held_back,
        "trained_at": row.trained_at.isoformat() if row.trained_at else None,
        "actor": row.actor,
    }


def classifier_status(archive: Archive) -> dict[str, Any]:
    """Per target, the latest model's accuracy on held-back records, its baseline, n and when trained."""
    out: dict[str, Any] = {}
    for target in TARGETS:
        with archive.db.read() as s:
            row = s.execute(
                select(ClassifierModel.id)
                .where(ClassifierModel.target == target)
                .order_by(ClassifierModel.id.desc())
            ).first()
            full = s.get(ClassifierModel, row[0]) if row else None
            out[target] = _status(full) if full else None
    return out


def _model(archive: Archive, target: str) -> Any:
    """The latest model of `target`, rebuilt from its JSON once per process and model row."""
    from dangan.digitize import Classifier

    with archive.db.read() as s:
        latest = s.scalar(
            select(ClassifierModel.id)
            .where(ClassifierModel.target == target)
            .order_by(ClassifierModel.id.desc())
        )
    if latest is None:
        return None
    key = (f"{archive.settings.home}:{target}", int(latest))
    if key not in _cache:
        with archive.db.read() as s:
            row = s.get(ClassifierModel, latest)
            data = row.model if row else None
        if data is None:
            return None
        for old in [k for k in _cache if k[0] == key[0]]:
            del _cache[old]
        _cache[key] = Classifier.from_json(data)
    return _cache[key]


def predict_text(archive: Archive, text: str, k: int = 3) -> dict[str, list[tuple[str, float]]]:
    """Top-k labels with probabilities per trained target; targets without a model are left out."""
    out = {}
    for target in TARGETS:
        model = _model(archive, target)
        if model is not None:
            ranked = model.predict(text, k=k)
            if ranked:
                out[target] = ranked
    return out


def suggest(archive: Archive, user: Principal, record_id: str) -> dict[str, Any]:
    """The top-3 matters and categories for a record's text (its OCR text, else its materials)."""
    from dangan.domain import category_label

    from ._proposals import _page_sources

    record = record_for(archive, user, record_id)
    with archive.db.read() as s:
        pages = _page_sources(s, record.id)
    text = "\n".join(str(ocr.get("text") or "") for *_, ocr in pages) or record_text(archive, record.id)
    ranked = predict_text(archive, text)
    out: dict[str, Any] = {"record_id": record.id}
    for target in TARGETS:
        out[target] = [
            {"value": label, "probability": prob,
             **({"label": category_label(label)} if target == "category" else {})}
            for label, prob in ranked.get(target, [])
        ]  # fmt: skip
    return out
