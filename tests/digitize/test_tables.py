"""Tables and figures on rendered pages whose cells and drawings are known.

Grid tests hand `find_tables` the text positions the renderer used (what a perfect OCR would report), so
they test structure alone; one test runs the real recogniser end to end on a small page."""

from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
from PIL import Image, ImageDraw

from dangan.digitize.fonts import find_cjk_font, pil_cjk_font
from dangan.digitize.tables import Cell, Table, find_figures, find_tables, table_csv, tables_xlsx
from dangan.digitize.tables._cells import split_across

pytestmark = pytest.mark.skipif(find_cjk_font() is None, reason="需要系统中文字体")

FONT = 22


@dataclass
class L:
    text: str
    box: tuple[int, int, int, int]
    confidence: float = 0.99


# Truth: a two-level header ("许可信息" over two columns) and a district spanning two rows.
TRUTH = [
    ["序号", "区县", "许可信息", ""],
    ["", "", "项目", "金额"],
    ["1", "海港区", "食品经营", "1200.50"],
    ["2", "", "药品零售", "80"],
    ["3", "昌黎县", "排污许可", "35000"],
]
SPANS = {(0, 0): (2, 1), (0, 1): (2, 1), (0, 2): (1, 2), (2, 1): (2, 1)}


def _covered() -> set[tuple[int, int]]:
    return {
        (r + dr, c + dc)
        for (r, c), (rs, cs) in SPANS.items()
        for dr in range(rs)
        for dc in range(cs)
        if (dr, dc) != (0, 0)
    }


def render_table(noise: bool = False) -> tuple[np.ndarray, list[L]]:
    """An 800×400 page with the TRUTH table ruled, and the lines a perfect OCR would report."""
    page = Image.new("RGB", (800, 400), "white")
    draw = ImageDraw.Draw(page)
    font = pil_cjk_font(FONT)
    xs, ys = [60, 150, 300, 520, 720], [60, 110, 160, 210, 260, 310]
    lines: list[L] = []
    for r, row in enumerate(TRUTH):
        for c, text in enumerate(row):
            if (r, c) in _covered():
                continue
            rs, cs = SPANS.get((r, c), (1, 1))
            x0, y0, x1, y1 = xs[c], ys[r], xs[c + cs], ys[r + rs]
            draw.rectangle((x0, y0, x1, y1), outline="black", width=2)
            if text:
                w = round(font.getlength(text))
                tx, ty = (x0 + x1 - w) // 2, (y0 + y1 - FONT) // 2
                draw.text((tx, ty), text, font=font, fill="black")
                lines.append(L(text, (tx - 2, ty - 2, tx + w + 2, ty + FONT + 4)))
    arr = np.asarray(page).copy()
    if noise:
        rng = np.random.default_rng(5)
        arr = np.clip(arr.astype(np.int16) + rng.normal(0, 10, arr.shape).astype(np.int16), 0, 255)
        arr = arr.astype(np.uint8)
    return arr, lines


def test_ruled_table_with_merged_cells_reads_rows_and_spans() -> None:
    image, lines = render_table(noise=True)
    tables = find_tables(image, lines)
    assert len(tables) == 1
    table = tables[0]
    assert table.rows == TRUTH
    spans = {(c.row, c.col): (c.rowspan, c.colspan) for c in table.cells if c.rowspan * c.colspan > 1}
    assert spans == SPANS
    x0, y0, x1, y1 = table.box
    assert abs(x0 - 60) <= 4 and abs(y0 - 60) <= 4 and abs(x1 - 720) <= 4 and abs(y1 - 310) <= 4
    assert table.as_json()["rows"] == TRUTH


def test_a_line_across_a_rule_is_split_between_the_cells() -> None:
    image, lines = render_table()
    # The detector ran "3昌黎县" together across the rule at x=150.
    one = next(ln for ln in lines if ln.text == "3")
    district = next(ln for ln in lines if ln.text == "昌黎县")
    merged = L("3昌黎县", (one.box[0], one.box[1], district.box[2], district.box[3]))
    rest = [ln for ln in lines if ln not in (one, district)]
    table = find_tables(image, [*rest, merged])[0]
    assert table.rows == TRUTH


def test_split_across_weights_latin_half() -> None:
    assert split_across("ab中文", (0, 0, 300, 20), [100]) == ["ab", "中文"]


def test_plain_text_page_has_no_table() -> None:
    page = Image.new("RGB", (800, 400), "white")
    draw = ImageDraw.Draw(page)
    font = pil_cjk_font(FONT)
    lines: list[L] = []
    text = "经审查，你单位提交的申请材料齐全、符合法定形式，决定准予行政许可。"
    for i in range(8):
        y = 40 + i * 40
        draw.text((60, y), text[: 20 + i % 5], font=font, fill="black")
        lines.append(L(text[: 20 + i % 5], (58, y - 2, 60 + 22 * (20 + i % 5), y + FONT + 4)))
    draw.line((60, 370, 400, 370), fill="black", width=2)  # a signature rule is not a table
    image = np.asarray(page)
    assert find_tables(image, lines) == []
    assert find_figures(image, lines) == []


def test_end_to_end_with_real_ocr() -> None:
    from rapidocr import RapidOCR

    image, _ = render_table()
    engine = RapidOCR(
        params={"Global.log_level": "warning", "EngineConfig.onnxruntime.intra_op_num_threads": 1}
    )
    result: Any = engine(image)
    lines = []
    for quad, text, score in zip(result.boxes, result.txts, result.scores, strict=True):
        qx, qy = [p[0] for p in quad], [p[1] for p in quad]
        lines.append(L(text, (round(min(qx)), round(min(qy)), round(max(qx)), round(max(qy))), score))
    tables = find_tables(image, lines)
    assert len(tables) == 1
    got = [[unicodedata.normalize("NFKC", t) for t in row] for row in tables[0].rows]
    assert got == TRUTH


def bar_chart() -> tuple[np.ndarray, list[L], tuple[int, int, int, int]]:
    page = Image.new("RGB", (800, 500), "white")
    draw = ImageDraw.Draw(page)
    font = pil_cjk_font(18)
    lines = [L("2023年各区许可数量", (300, 20, 480, 42))]
    draw.text((300, 20), "2023年各区许可数量", font=font, fill="black")
    ox, oy = 120, 420
    draw.line((ox, 80, ox, oy), fill="black", width=2)
    draw.line((ox, oy, 700, oy), fill="black", width=2)
    colours = [(66, 133, 244), (219, 68, 55), (244, 180, 0), (15, 157, 88)]
    for i, (height, colour) in enumerate(zip((250, 180, 300, 120), colours, strict=True)):
        x = ox + 40 + i * 130
        draw.rectangle((x, oy - height, x + 70, oy - 1), fill=colour)
        draw.text((x + 10, oy + 8), f"区{i + 1}", font=font, fill="black")
        lines.append(L(f"区{i + 1}", (x + 8, oy + 6, x + 50, oy + 30)))
    return np.asarray(page), lines, (ox, 80, 700, oy)


def test_bar_chart_is_a_chart_figure_and_not_a_table() -> None:
    image, lines, (x0, y0, x1, y1) = bar_chart()
    assert find_tables(image, lines) == []
    figures = find_figures(image, lines, [])
    assert [f.kind for f in figures] == ["chart"]
    fx0, fy0, fx1, fy1 = figures[0].box
    assert fx0 <= x0 + 5 and fy0 <= y0 + 60 and fx1 >= x1 - 5 and fy1 >= y1  # axes and bars inside
    assert fy0 > 42  # the title above is text, not part of the chart's own ink


def test_photo_and_red_seal() -> None:
    page = np.full((500, 800, 3), 255, dtype=np.uint8)
    rng = np.random.default_rng(1)
    yy, xx = np.mgrid[0:200, 0:300]
    base = (np.sin(xx / 17.0) * 60 + np.cos(yy / 11.0) * 50 + 120).astype(np.int16)
    photo = np.stack([base, base * 0.9, base * 0.7], axis=-1) + rng.normal(0, 18, (200, 300, 3))
    page[50:250, 50:350] = np.clip(photo, 0, 255).astype(np.uint8)
    img = Image.fromarray(page)
    draw = ImageDraw.Draw(img)
    draw.ellipse((480, 200, 680, 400), outline=(210, 30, 40), width=8)  # a round red seal
    draw.text((530, 280), "专用章", font=pil_cjk_font(30), fill=(210, 30, 40))
    figures = find_figures(np.asarray(img), [], [])
    assert [f.kind for f in figures] == ["photo"]
    assert figures[0].box[2] < 400  # the seal is the OCR's business, never a figure


def _table() -> Table:
    cells = [
        Cell(0, 0, 1, 2, (0, 0, 2, 1), "合计"),
        Cell(1, 0, 1, 1, (0, 1, 1, 2), 'a,"b"\n第二行'),
        Cell(1, 1, 1, 1, (1, 1, 2, 2), "=SUM(A1:A2)"),
        Cell(2, 0, 1, 1, (0, 2, 1, 3), "-12.5"),
        Cell(2, 1, 1, 1, (1, 2, 2, 3), "@cmd"),
    ]
    rows = [["合计", ""], ['a,"b"\n第二行', "=SUM(A1:A2)"], ["-12.5", "@cmd"]]
    return Table((0, 0, 2, 3), rows, cells)


def test_csv_escapes_and_defuses_formulas() -> None:
    text = table_csv(_table())
    assert text.startswith('合计,\r\n"a,""b""\n第二行"')
    back = list(csv.reader(io.StringIO(text, newline="")))
    assert back == [["合计", ""], ['a,"b"\n第二行', "'=SUM(A1:A2)"], ["-12.5", "'@cmd"]]


def test_xlsx_keeps_merged_range() -> None:
    from openpyxl import load_workbook  # type: ignore[import-untyped]

    data = tables_xlsx([_table(), _table()])
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["表1", "表2"]
    sheet = book["表1"]
    assert [str(r) for r in sheet.merged_cells.ranges] == ["A1:B1"]
    assert sheet["A1"].value == "合计"
    assert sheet["B2"].value == "'=SUM(A1:A2)"
    assert sheet["A3"].value == "-12.5"
