"""PDF → PDF/A-2b: every font embedded (the demo PDFs name STSong-Light and Helvetica only), the text
layer unchanged, our checker and pikepdf's own PDF/A validator both approve, failures leave nothing."""

from __future__ import annotations

from pathlib import Path

import pikepdf
import pikepdf.pdfa
import pytest

from dangan.digitize import ConversionFailed, PdfaResult, check_pdfa, convert_to_pdfa, pdf_text
from tests.factories import package_dir

Converted = tuple[Path, Path, PdfaResult]


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory) -> Converted:
    root = tmp_path_factory.mktemp("pdfa")
    source = package_dir(root, 11) / "决定书.pdf"
    dest = root / "copy.pdf"
    result = convert_to_pdfa(source, dest)
    return source, dest, result


def _fonts(pdf: pikepdf.Pdf) -> list[pikepdf.Object]:
    out = []
    for page in pdf.pages:
        out += list(page.Resources.get("/Font", pikepdf.Dictionary()).values())
    return out


def test_the_original_names_fonts_without_embedding_them(converted: Converted) -> None:
    source, _dest, _result = converted
    with pikepdf.open(source) as pdf:
        bases = {str(f.BaseFont) for f in _fonts(pdf)}
        assert "/STSong-Light" in bases
        assert not check_pdfa(source, 2).passed


def test_every_font_of_the_copy_is_embedded(converted: Converted) -> None:
    _source, dest, result = converted
    assert set(result.fonts_embedded) == {"STSong-Light", "Helvetica"}
    with pikepdf.open(dest) as pdf:
        fonts = _fonts(pdf)
        assert fonts
        for font in fonts:
            base = font.DescendantFonts[0] if font.Subtype == pikepdf.Name.Type0 else font
            assert "/FontFile2" in base.FontDescriptor, font
            assert "+" in str(font.BaseFont)  # a tagged subset


def test_text_layer_is_unchanged(converted: Converted) -> None:
    source, dest, result = converted
    text = pdf_text(source)
    assert "准予行政许可决定书" in text
    assert pdf_text(dest) == text
    assert result.text_chars == len(text)


def test_copy_declares_pdfa_2b_with_an_output_intent_and_no_encryption(converted: Converted) -> None:
    _source, dest, _result = converted
    assert dest.read_bytes().startswith(b"%PDF-1.")
    with pikepdf.open(dest) as pdf:
        assert not pdf.is_encrypted
        meta = pdf.open_metadata()
        assert meta["pdfaid:part"] == "2" and meta["pdfaid:conformance"] == "B"
        intents = pdf.Root.OutputIntents
        assert str(intents[0].S) == "/GTS_PDFA1" and "/DestOutputProfile" in intents[0]
    assert check_pdfa(dest).passed


def test_pikepdf_allowlist_validator_approves_the_copy(converted: Converted) -> None:
    _source, dest, _result = converted
    report = pikepdf.pdfa.validate_written(dest, "2b")
    assert report.verdict == "pass", [str(f) for f in report.findings]


def test_the_copy_renders_every_page(converted: Converted) -> None:
    from dangan.digitize import pdf_page_count, render_pdf_page

    _source, dest, _result = converted
    assert pdf_page_count(dest) >= 1
    assert render_pdf_page(dest, 0, 200).startswith(b"\x89PNG")


def test_encrypted_pdf_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    source = package_dir(tmp_path, 12) / "决定书.pdf"
    with pikepdf.open(source) as pdf:
        pdf.save(tmp_path / "enc.pdf", encryption=pikepdf.Encryption(owner="o", user="u"))
    with pytest.raises(ConversionFailed) as exc:
        convert_to_pdfa(tmp_path / "enc.pdf", tmp_path / "out.pdf")
    assert exc.value.code == "pdf_encrypted" and "加密" in exc.value.message
    assert not (tmp_path / "out.pdf").exists()


def test_a_character_the_font_lacks_fails_instead_of_drawing_notdef(tmp_path: Path) -> None:
    pdf = pikepdf.new()
    font = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type0, BaseFont=pikepdf.Name("/STSong-Light"),
            Encoding=pikepdf.Name("/UniGB-UCS2-H"),
            DescendantFonts=pikepdf.Array([pikepdf.Dictionary(
                Type=pikepdf.Name.Font, Subtype=pikepdf.Name.CIDFontType0, BaseFont=pikepdf.Name("/STSong-Light"),
                CIDSystemInfo=pikepdf.Dictionary(Registry=pikepdf.String("Adobe"), Ordering=pikepdf.String("GB1"),
                                                 Supplement=2),
                FontDescriptor=pikepdf.Dictionary(Type=pikepdf.Name.FontDescriptor, FontName=pikepdf.Name("/STSong-Light"),
                                                  Flags=4, FontBBox=[0, -200, 1000, 900], ItalicAngle=0, Ascent=880,
                                                  Descent=-120, CapHeight=700, StemV=80),
            )]),
        )
    )  # fmt: skip
    page = pdf.add_blank_page()
    page.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
    page.Contents = pdf.make_stream(b"BT /F1 12 Tf 72 700 Td <4E2DE000> Tj ET")  # 中 + a private-use code
    pdf.save(tmp_path / "pua.pdf")
    with pytest.raises(ConversionFailed) as exc:
        convert_to_pdfa(tmp_path / "pua.pdf", tmp_path / "out.pdf")
    assert exc.value.code == "font_missing_glyphs"
    assert not (tmp_path / "out.pdf").exists()


def test_unreadable_pdf_is_refused(tmp_path: Path) -> None:
    (tmp_path / "bad.pdf").write_bytes(b"%PDF-1.4\nnot really a pdf")
    with pytest.raises(ConversionFailed):
        convert_to_pdfa(tmp_path / "bad.pdf", tmp_path / "out.pdf")
    assert not (tmp_path / "out.pdf").exists()
