"""The values handed out by table and figure finding: what the OCR JSON, the record page and exports read."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

Box = tuple[int, int, int, int]


class TextLine(Protocol):
    """One recognised line as the OCR stage reports it; a protocol so this module never imports the OCR."""

    @property
    def text(self) -> str: ...

    @property
    def box(self) -> Sequence[float]: ...

    @property
    def confidence(self) -> float: ...


@dataclass(frozen=True)
class Cell:
    """One cell as drawn on paper: a merged cell is one `Cell` whose spans cover several grid slots."""

    row: int
    col: int
    rowspan: int
    colspan: int
    box: Box
    text: str


@dataclass
class Table:
    """A table found on a page.

    `rows` is the plain grid for the JSON contract and CSV: a merged cell's text sits in its top-left slot
    and the slots it covers hold "" (so every row has the same length). `cells` keeps the spans, so that
    XLSX export and the record page can merge them again."""

    box: Box
    rows: list[list[str]]
    cells: list[Cell] = field(default_factory=list)
    ruled: bool = True  # False: inferred from the alignment of text lines (no rules drawn)

    def as_json(self) -> dict[str, object]:
        return {"box": list(self.box), "rows": [list(r) for r in self.rows]}


@dataclass(frozen=True)
class Figure:
    """A non-text region: `kind` is "chart" (axes, bars, pies), "photo" or "figure" (anything else drawn)."""

    box: Box
    kind: str

    def as_json(self) -> dict[str, object]:
        return {"box": list(self.box), "kind": self.kind}


def line_box(line: TextLine) -> Box:
    """Integer pixel box of an OCR line, whatever number type its producer used."""
    x0, y0, x1, y1 = (float(v) for v in line.box[:4])
    return (round(min(x0, x1)), round(min(y0, y1)), round(max(x0, x1)), round(max(y0, y1)))


def join_text(parts: Sequence[str]) -> str:
    """Glue pieces of one cell: Chinese runs on without spaces, Latin words and numbers keep one."""
    out = ""
    for part in (p.strip() for p in parts):
        if not part:
            continue
        if out and out[-1].isascii() and out[-1].isalnum() and part[0].isascii() and part[0].isalnum():
            out += " "
        out += part
    return out
