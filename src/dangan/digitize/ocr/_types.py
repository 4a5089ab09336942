"""What one page's reading hands on: lines, seals and the corrections made, in page pixels."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Box = tuple[int, int, int, int]  # x0, y0, x1, y1 in pixels of the page image


@dataclass(frozen=True)
class Correction:
    kind: str  # "doc_number" | "uscc" | "id_number" | "date" | "amount"
    before: str
    after: str

    def as_json(self) -> dict[str, str]:
        return {"kind": self.kind, "before": self.before, "after": self.after}


@dataclass
class Line:
    text: str
    box: Box
    confidence: float
    raw: str = ""  # the recogniser's text before correction ("" when nothing was corrected)

    def as_json(self) -> dict[str, Any]:
        return {"text": self.text, "box": list(self.box), "confidence": round(self.confidence, 4)}


@dataclass
class Seal:
    box: Box
    shape: str  # "round" | "oval" | "square"
    text: str
    confidence: float  # how surely this is a seal of that shape
    text_confidence: float = 0.0

    def as_json(self) -> dict[str, Any]:
        return {
            "box": list(self.box),
            "shape": self.shape,
            "text": self.text,
            "confidence": round(self.confidence, 4),
            "text_confidence": round(self.text_confidence, 4),
        }


@dataclass
class PageText:
    lines: list[Line] = field(default_factory=list)
    seals: list[Seal] = field(default_factory=list)
    corrections: list[Correction] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)
