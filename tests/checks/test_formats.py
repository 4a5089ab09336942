"""PRONOM identification: our compiled matcher gives exactly what opf-fido itself gives."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from dangan.checks import identify
from dangan.checks.regexlits import pattern_hint
from tests.conftest import VECTORS
from tests.factories import demo_case


def _fido_puids(paths: list[Path]) -> dict[str, list[str]]:
    from fido.fido import CONFIG_DIR, Fido  # type: ignore[import-untyped]
    from fido.versions import get_local_versions  # type: ignore[import-untyped]

    versions = get_local_versions(CONFIG_DIR)
    found: dict[str, list[str]] = {}

    def handle(name: str, matches: list[tuple[Any, Any]], _delta: float, _kind: str = "") -> None:
        found[name] = [fmt.find("puid").text for fmt, _sig in matches]

    fido = Fido(quiet=True, handle_matches=handle, nocontainer=True,
                format_files=[versions.pronom_signature, versions.fido_extension_signature])  # fmt: skip
    for p in paths:
        fido.identify_file(str(p))
    return found


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    root = tmp_path_factory.mktemp("formats")
    paths = []
    for seed in range(6):
        for name, data in demo_case(seed).files.items():
            path = root / f"{seed}-{name}"
            path.write_bytes(data)
            paths.append(path)
    for fmt, suffix in (("PNG", "png"), ("JPEG", "jpg"), ("TIFF", "tif"), ("GIF", "gif"), ("BMP", "bmp")):
        buf = io.BytesIO()
        Image.new("RGB", (64, 48), (10, 200, 30)).save(buf, format=fmt)
        (root / f"img.{suffix}").write_bytes(buf.getvalue())
        paths.append(root / f"img.{suffix}")
    (root / "note.txt").write_text("纯文本", encoding="utf-8")
    (root / "data.xml").write_text('<?xml version="1.0"?><a/>', encoding="utf-8")
    (root / "unknown.zzz").write_bytes(b"\x00\x01\x02 nothing known")
    paths += [root / "note.txt", root / "data.xml", root / "unknown.zzz"]
    paths += sorted((VECTORS / "docs" / "pdf").glob("*.pdf")) + sorted(
        (VECTORS / "docs" / "ofd").glob("*.ofd")
    )
    return paths


def test_same_answer_as_fido(samples: list[Path]) -> None:
    fido = _fido_puids(samples)
    for path in samples:
        ours = identify(path)
        theirs = fido[str(path)]
        assert (ours.puid is None) == (not theirs), path.name
        if theirs:
            assert ours.puid == theirs[0], (path.name, ours, theirs)


def test_common_archival_formats(samples: list[Path]) -> None:
    by_name = {p.name: identify(p) for p in samples}
    assert by_name["img.png"].puid in {"fmt/11", "fmt/12", "fmt/13"}
    assert by_name["img.tif"].puid == "fmt/353"
    assert by_name["note.txt"].method == "extension" and by_name["note.txt"].puid == "x-fmt/111"
    assert by_name["unknown.zzz"].method == "none" and by_name["unknown.zzz"].puid is None
    assert any(i.puid == "fmt/354" for n, i in by_name.items() if n.startswith("PDFA-1b"))


@pytest.fixture(scope="module")
def big_samples(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Files above HINT_MIN_BYTES, where the literal pre-tests run: PDFs with random bytes appended in
    an unreferenced stream (as scans bring), a noisy JPEG and PNG, and the shared sample documents."""
    import random

    from dangan.checks.formats import HINT_MIN_BYTES

    root = tmp_path_factory.mktemp("big-formats")
    rng = random.Random(7)
    paths = []
    for seed in range(4):
        for name, data in demo_case(seed).files.items():
            if name.endswith(".pdf"):
                noise = bytes(rng.getrandbits(8) for _ in range(40_000))
                grown = (
                    data
                    + b"\n99 0 obj\n<< /Length %d >>\nstream\n" % len(noise)
                    + noise
                    + b"\nendstream\nendobj\n%%EOF\n"
                )
                (root / f"{seed}-{name}").write_bytes(grown)
                paths.append(root / f"{seed}-{name}")
    for fmt, suffix in (("JPEG", "jpg"), ("PNG", "png"), ("TIFF", "tif")):
        img = Image.frombytes("L", (256, 256), bytes(rng.getrandbits(8) for _ in range(256 * 256)))
        img.save(root / f"noise.{suffix}", format=fmt)
        paths.append(root / f"noise.{suffix}")
    paths += [p for p in sorted((VECTORS / "docs").rglob("*")) if p.is_file()]
    big = [p for p in paths if p.stat().st_size >= HINT_MIN_BYTES]
    assert len(big) >= 10
    return big


def test_literal_pretests_change_no_answer(big_samples: list[Path], monkeypatch: pytest.MonkeyPatch) -> None:
    """The pre-tests only skip regexes that cannot match: the same formats with and without them."""
    from dangan.checks import formats

    with_hints = {p: identify(p) for p in big_samples}
    monkeypatch.setattr(formats, "HINT_MIN_BYTES", 1 << 40)
    assert {p: identify(p) for p in big_samples} == with_hints
    fido = _fido_puids(big_samples)
    for path in big_samples:
        theirs = fido[str(path)]
        assert (with_hints[path].puid is None) == (not theirs), path.name
        if theirs:
            assert with_hints[path].puid == theirs[0], (path.name, with_hints[path], theirs)


def test_a_pretest_is_only_what_the_regex_demands() -> None:
    from dangan.checks.formats import BUFSIZE

    def _hint(kind: int, source: bytes) -> object:
        return pattern_hint(kind, source, BUFSIZE)

    assert _hint(0, rb"(?s)\A.{0,1024}\x3c\!DOCTYPE html") == (
        0,
        1024 + len(b"<!DOCTYPE html"),
        b"<!DOCTYPE html",
    )
    assert _hint(0, rb"(?s)\A.{8}.{2,6}ftyp") == (10, 14 + 4, b"ftyp")
    assert _hint(0, rb"(?s)\A%PDF-1\.4") is None  # a literal at a fixed start: the regex is as quick
    assert _hint(0, rb"(?s)\A(?:a|b).{3}XYZ") is None  # an alternation first: no safe window
    assert _hint(0, rb"(?s)\A.*XYZW") is None  # unbounded: no window
    assert _hint(2, rb"(?s)0(?:\r\n|\n|\r)SECTION(?:\r\n|\n)") == (0, BUFSIZE + 1, b"SECTION")
    assert _hint(1, rb"(?s)%%EOF.{0,1024}\Z") == (0, BUFSIZE + 1, b"%%EOF")
    assert _hint(2, rb"(?i)SECTION") is None  # case-insensitive: a literal test would be wrong
    assert _hint(2, rb"(?s)ab(?:c|d)ef") is None  # no run of four literal bytes


def test_the_shipped_signature_table_is_fidos_files_rebuilt() -> None:
    """data/pronom.json is what `build_table()` makes of fido's installed signature files: after a fido
    upgrade this fails until the table is rebuilt (until then the XML is parsed at run time)."""
    import json

    from dangan.checks import formats

    assert json.loads(formats.TABLE.read_text(encoding="utf-8")) == formats.build_table()


def test_the_table_and_the_xml_give_the_same_matcher(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    from dangan.checks import formats

    conf, pronom, extensions = formats._fido_conf()
    from_xml = formats._Signatures.parsed(conf, pronom, extensions)
    from_xml._compile()
    loaded = formats._Signatures.load()
    assert (loaded.release, loaded.formats, loaded.priority) == (
        from_xml.release,
        from_xml.formats,
        from_xml.priority,
    )
    assert loaded.flat == from_xml.flat and loaded.by_first_byte == from_xml.by_first_byte
    assert loaded.hints and all(
        hint == pattern_hint(*key, formats.BUFSIZE) for key, hint in loaded.hints.items()
    )
    # A table built from other files is not used: the XML decides.
    stale = json.loads(formats.TABLE.read_text(encoding="utf-8"))
    stale["sources"][pronom] = "0" * 64
    stale["formats"] = stale["formats"][:10]
    (tmp_path / "pronom.json").write_text(json.dumps(stale), encoding="utf-8")
    monkeypatch.setattr(formats, "TABLE", tmp_path / "pronom.json")
    assert len(formats._Signatures.load().formats) == len(from_xml.formats)
