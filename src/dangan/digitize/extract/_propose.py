"""One pass over a document's text: every extractor, then one proposal per value, with its page box."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from . import _figures, _identifiers, _matters, _parties
from ._model import ORDER, LineLike, MatterRef, Proposal
from ._text import Found, view_of


def _boxes(proposals: list[Proposal], lines: Sequence[LineLike]) -> list[Proposal]:
    starts, pos = [], 0
    for line in lines:
        starts.append((pos, pos + len(line.text), line))
        pos += len(line.text) + 1
    out = []
    for p in proposals:
        hit = [line for s, e, line in starts if s < p.end and p.start < e]
        if not hit:
            out.append(p)
            continue
        boxes = [tuple(float(v) for v in line.box) for line in hit if len(line.box) == 4]
        box = None
        if boxes:
            box = (round(min(b[0] for b in boxes)), round(min(b[1] for b in boxes)),
                   round(max(b[2] for b in boxes)), round(max(b[3] for b in boxes)))  # fmt: skip
        ocr = min(max(0.0, min(line.confidence for line in hit)), 1.0)
        out.append(replace(p, box=box, confidence=round(p.confidence * (0.6 + 0.4 * ocr), 3)))
    return out


def _merge(proposals: Sequence[Proposal]) -> list[Proposal]:
    """One proposal per (field, value): the most confident occurrence, a little surer for each repeat."""
    groups: dict[tuple[str, str], list[Proposal]] = {}
    for p in proposals:
        groups.setdefault((p.field, str(p.value)), []).append(p)
    merged = []
    for group in groups.values():
        top = max(group, key=lambda p: (p.confidence, -p.start))
        boost = 0.03 * (len({p.start for p in group}) - 1)
        merged.append(replace(top, confidence=round(min(0.99, top.confidence + boost), 3)))
    return sorted(merged, key=lambda p: (ORDER.get(p.field, 99), -p.confidence, p.start))


def propose(
    text: str,
    lines: Sequence[LineLike] | None = None,
    *,
    matters: Sequence[MatterRef] = (),
    departments: Sequence[str] = (),
) -> list[Proposal]:
    """Every field found in `text`, most confident first within a field.

    With `lines` (OCR output), `text` must be their texts joined by "\\n"; each proposal then carries the
    union box of its lines and a confidence lowered by the OCR's own. `matters` and `departments` are the
    archive's known names: a matter is only recognised by name when it is known, else from its label.
    """
    view = view_of(text)
    found = Found(view)
    decision = bool(re.search(r"决定书|决定如下", view.text))
    for step in (
        _identifiers.doc_numbers,
        _identifiers.uscc,
        _identifiers.id_number,
        _parties.names,
        _parties.people,
        _parties.addresses,
        _parties.phones,
        _identifiers.licence,
        _figures.amounts,
        _matters.industry,
    ):
        step(found)
    _figures.dates(found, decision)
    _matters.matters(found, matters)
    _matters.departments(found, departments)
    merged = _merge(found)
    category = _matters.category(merged)
    if category:
        merged = _merge([*merged, category])
    if lines is not None and "\n".join(line.text for line in lines) == text:
        merged = _boxes(merged, lines)
    return merged
