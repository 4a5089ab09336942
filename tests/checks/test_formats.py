"""PRONOM identification: our compiled matcher gives exactly what opf-fido itself gives."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from dangan.checks import identify
from tests.conftest import VECTORS
from tests.factories import demo_case


def _fido_puids(paths: list[Path]) -> dict[str, list[str]]:
    from fido.fido import CONFIG_DIR, Fido
    from fido.versions import get_local_versions

    versions = get_local_versions(CONFIG_DIR)
    found: dict[str, list[str]] = {}

    def handle(name: str, matches: list, _delta: float, _kind: str = "") -> None:
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
