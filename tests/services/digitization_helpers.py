"""Scanned cases for the digitization tests: pages rendered here (PIL + the system's CJK font)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFont
from sqlalchemy import select

from dangan.access import Principal
from dangan.core import load_settings
from dangan.demo import write_case
from dangan.digitize import find_cjk_font
from dangan.domain import id_check_char
from dangan.services.accounts import add_user
from dangan.services.archive import Archive, open_archive
from dangan.services.intake import import_paths
from dangan.store.catalog import DigitizationFile, RecordFile, get_record
from tests.factories import demo_case

ID17 = "13030219850607123"
ID_NUMBER = ID17 + id_check_char(ID17)
RARE_WORD = "蟋蟀养殖"
DOC_NUMBER = "秦市监许〔2024〕77号"


def text_page(lines: list[str], size: tuple[int, int] = (900, 420), font_px: int = 34) -> Image.Image:
    font_path = find_cjk_font()
    assert font_path is not None, "the tests need a CJK font"
    font = ImageFont.truetype(str(font_path), font_px)
    img = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(img)
    for i, line in enumerate(lines):
        draw.text((40, 30 + i * int(font_px * 1.8)), line, font=font, fill="black")
    return img


def decision_lines() -> list[str]:
    return [DOC_NUMBER, f"经审查，{RARE_WORD}场所符合规定", f"身份证号 {ID_NUMBER}"]


def scanned_case(root: Path, seed: int, pages: list[Image.Image], name: str = "决定书扫描件.tif",
                 **overrides: Any) -> Path:  # fmt: skip
    """A case package whose extra file `name` is a (multi-page) scan of `pages`."""
    pkg = write_case(demo_case(seed, **overrides), root)
    out = pkg / name
    pages[0].save(out, save_all=True, append_images=pages[1:], dpi=(300, 300), compression="tiff_lzw")
    doc = json.loads((pkg / "case.json").read_text(encoding="utf-8"))
    doc["files"].append({"path": name, "role": "决定书（扫描件）"})
    (pkg / "case.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return pkg


PASSWORD = "Correct-Horse-9"


class Scanned:
    """A data directory holding one record whose scan went through the pipeline once."""

    def __init__(self, archive: Archive, record_id: str, department: str) -> None:
        self.archive, self.record_id, self.department = archive, record_id, department

    def user(self, name: str, role: str, **kw: str) -> Principal:
        return add_user(self.archive, name, PASSWORD, role, **kw)

    def row(self) -> DigitizationFile:
        """The scan's digitization row (the record's other files are born digital: skipped)."""
        with self.archive.db.read() as s:
            return s.scalars(
                select(DigitizationFile).where(
                    DigitizationFile.record_id == self.record_id, DigitizationFile.status != "skipped"
                )
            ).one()

    def position(self) -> int:
        """The scan's place among the record's files (what the page URLs name)."""
        row = self.row()
        with self.archive.db.read() as s:
            rf = s.get(RecordFile, row.record_file_id)
            assert rf is not None
            return int(rf.position)


@contextmanager
def scanned_archive(root: Path, seed: int, pages: list[Image.Image]) -> Iterator[Scanned]:
    """An embedded archive in `root` with one 内部 record whose scan is `pages`, read by the pipeline."""
    from dangan.services.digitization import run_open

    archive = open_archive(load_settings(root / "data"))
    try:
        scanned_case(root / "in", seed, pages, security_level="内部", open_to_public=False)
        report = import_paths(archive, [root / "in"])
        assert len(report.accepted) == 1, report.rejected
        record_id = report.accepted[0].record_id
        assert record_id is not None
        with archive.db.read() as s:
            record = get_record(s, record_id)
            assert record is not None and record.department is not None
            department = record.department.name
        assert [f.status for f in run_open(archive).files] == ["done"]
        yield Scanned(archive, record_id, department)
    finally:
        archive.close()
