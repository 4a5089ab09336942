"""PDF → PDF/A-2b, keeping the page content byte for byte and the text layer exactly.

pikepdf (qpdf) rewrites the file structure; `fontembed` gives every named-only font an embedded
program; pikepdf's own PDF/A module (`pikepdf.pdfa.save`) adds the sRGB output intent and the XMP
identification, writes the file and validates the bytes it wrote with its allowlist validator (which
refuses anything it does not know to conform). After that our own `check_pdfa` must pass and the
copy's text must equal the original's, or there is no copy.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pikepdf

from .fontembed import ConversionFailed, embed_fonts
from .fonts import find_cjk_font
from .pdfa_check import PdfaReport, check_pdfa
from .text import pdf_text

log = logging.getLogger(__name__)
FLAVOUR = "2b"
# Page entries with no meaning for a preserved page that pikepdf's validator does not vouch for.
_DROPPED_PAGE_KEYS = ("/Trans", "/Dur", "/AA", "/PresSteps")


@dataclass(frozen=True)
class PdfaResult:
    fonts_embedded: list[str]
    report: PdfaReport
    text_chars: int

    def as_json(self) -> dict[str, Any]:
        return {
            "flavour": "PDF/A-" + FLAVOUR.upper(),
            "fonts_embedded": self.fonts_embedded,
            "check": self.report.as_json(),
            "text_chars": self.text_chars,
        }


def _font_file(font: Path | None) -> Path:
    found = font or find_cjk_font()
    if found is None:
        raise ConversionFailed("未找到可嵌入的中文字体，请安装 fonts-wqy-zenhei", code="cjk_font_missing")
    return found


def _clean(pdf: pikepdf.Pdf) -> None:
    """Drop what PDF/A forbids or pikepdf cannot vouch for, none of it page content."""
    for page in pdf.pages:
        for key in _DROPPED_PAGE_KEYS:
            if key in page.obj:
                del page.obj[key]
    for key in ("/AA",):
        if key in pdf.Root:
            del pdf.Root[key]
    action = pdf.Root.get("/OpenAction")
    if isinstance(action, pikepdf.Dictionary) and action.get("/S") == pikepdf.Name.JavaScript:
        del pdf.Root["/OpenAction"]


def convert_to_pdfa(source: Path, dest: Path, font: Path | None = None) -> PdfaResult:
    """Write a PDF/A-2b copy of `source` to `dest`; ConversionFailed (nothing at `dest`) if impossible."""
    import pikepdf.pdfa  # imported here: about 0.4 s, needed only by `dangan preserve`

    font_path = _font_file(font)
    try:
        pdf = pikepdf.open(source)
    except pikepdf.PasswordError as exc:
        raise ConversionFailed("PDF 已加密，无法转换为 PDF/A", code="pdf_encrypted") from exc
    except pikepdf.PdfError as exc:
        raise ConversionFailed(f"PDF 无法解析：{exc}", code="pdf_unreadable") from exc
    with pdf:
        if pdf.is_encrypted:
            raise ConversionFailed("PDF 已加密，无法转换为 PDF/A", code="pdf_encrypted")
        embedded = embed_fonts(pdf, font_path)
        _clean(pdf)
        try:
            pikepdf.pdfa.save(
                pdf, dest, FLAVOUR, object_stream_mode=pikepdf.ObjectStreamMode.disable, deterministic_id=True
            )
        except pikepdf.pdfa.PdfaError as exc:
            found = "；".join(str(f) for f in exc.report.findings[:5])
            raise ConversionFailed(f"转换结果未通过 PDF/A-2b 校验：{found}", code="pdfa_invalid") from exc
    try:
        report = check_pdfa(dest, 2)
        if not report.passed:
            found = "；".join(f"{f.clause} {f.message}" for f in report.failures)
            raise ConversionFailed(f"转换结果未通过 PDF/A 检查：{found}", code="pdfa_invalid")
        before, after = pdf_text(source), pdf_text(dest)
        if before != after:
            raise ConversionFailed("转换后文字层与原件不一致", code="text_changed")
    except BaseException:
        dest.unlink(missing_ok=True)
        raise
    return PdfaResult(embedded, report, len(after))
