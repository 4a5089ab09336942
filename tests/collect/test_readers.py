"""Finding and opening packages: folders, ZIPs (including GBK names) and BagIt bags of case packages."""

from __future__ import annotations

import json
import struct
import zipfile
from pathlib import Path

import pytest

from dangan.collect import PackageRejected, UnpackLimits, discover, open_package
from tests.collect._bags import bag_of_package, write_tag_manifests, zip_folder
from tests.factories import package_dir, zip_package


def _codes(source: Path, *, limits: UnpackLimits | None = None) -> set[str]:
    with pytest.raises(PackageRejected) as caught, open_package(source, limits=limits):
        pass
    return {p.code for p in caught.value.problems}


def test_discover_yields_bags_whole_and_never_their_payload(tmp_path: Path) -> None:
    batch = tmp_path / "batch"
    plain = package_dir(batch, 1)
    bag = bag_of_package(package_dir(tmp_path / "src", 2), batch / "bag-2")
    zipped = zip_package(package_dir(tmp_path / "src", 3), batch / "case3.zip")
    (batch / ".hidden").mkdir()
    (batch / "notes.txt").write_text("x", encoding="utf-8")
    assert set(discover([batch])) == {plain, bag, zipped}
    assert list(discover([bag])) == [bag]


def test_folders_without_any_package_are_yielded_to_be_reported(tmp_path: Path) -> None:
    """A package whose case.json was forgotten, in a batch of good ones, and an empty folder given on its
    own: both used to be passed over in silence, so a clerk took a short import for a whole one."""
    batch = tmp_path / "batch"
    good = package_dir(batch, 1)
    forgot = package_dir(batch, 2)
    (forgot / "case.json").unlink()
    nested = batch / "第二批"
    deeper = package_dir(nested, 3)
    assert list(discover([batch])) == sorted([good, forgot, deeper], key=lambda p: p.relative_to(batch).parts)
    empty = tmp_path / "empty"
    empty.mkdir()
    assert list(discover([empty])) == [empty]
    with pytest.raises(PackageRejected) as caught, open_package(forgot):
        pass
    assert [p.code for p in caught.value.problems] == ["missing_case_json"]


def test_open_a_bag_folder_reads_its_payload_as_the_package(tmp_path: Path) -> None:
    pkg = package_dir(tmp_path / "src", 4)
    bag = bag_of_package(pkg, tmp_path / "bag")
    with open_package(bag) as opened:
        assert opened.root == bag / "data"
        assert opened.origin == str(bag)
        assert {f.path for f in opened.files} == {
            e["path"] for e in json.loads((pkg / "case.json").read_bytes())["files"]
        }


@pytest.mark.parametrize("top_folder", [True, False])
def test_open_a_zip_of_a_bag(tmp_path: Path, top_folder: bool) -> None:
    bag = bag_of_package(package_dir(tmp_path / "src", 5), tmp_path / "bag")
    archive = zip_folder(bag, tmp_path / "bag.zip", top_folder=top_folder)
    with open_package(archive, tmp_path / "staging") as opened:
        assert opened.root.name == "data" and (opened.root / "case.json").is_file()
        assert opened.origin == str(archive)
    assert not any((tmp_path / "staging").iterdir())


def test_a_corrupted_bag_is_rejected_with_the_bags_codes(tmp_path: Path) -> None:
    bag = bag_of_package(package_dir(tmp_path / "src", 6), tmp_path / "bag")
    pdf = next((bag / "data").glob("*.pdf"))
    pdf.write_bytes(pdf.read_bytes()[:-1] + b"X")
    (bag / "data" / "未登记.txt").write_text("x", encoding="utf-8")
    assert _codes(bag) == {"bag_checksum_mismatch", "bag_file_unlisted", "bag_oxum_mismatch"}
    assert "bag_checksum_mismatch" in _codes(zip_folder(bag, tmp_path / "bag.zip"))


def test_a_bag_escaping_through_its_manifest_is_rejected(tmp_path: Path) -> None:
    bag = bag_of_package(package_dir(tmp_path / "src", 7), tmp_path / "bag")
    with (bag / "manifest-sha256.txt").open("a", encoding="utf-8") as f:
        f.write("0" * 64 + "  data/../../etc/passwd\n")
    write_tag_manifests(bag)
    assert "bag_unsafe_path" in _codes(bag)


def test_a_valid_bag_without_case_json_in_data(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "readme.txt").write_text("x", encoding="utf-8")
    assert _codes(bag_of_package(src, tmp_path / "bag")) == {"missing_case_json"}


def test_unknown_formats_and_missing_paths(tmp_path: Path) -> None:
    (tmp_path / "p.rar").write_bytes(b"Rar!")
    assert _codes(tmp_path / "p.rar") == {"unsupported_package"}
    assert _codes(tmp_path / "nope") == {"not_found"}


def test_limits_given_to_open_package_apply(tmp_path: Path) -> None:
    archive = zip_package(package_dir(tmp_path / "src", 8), tmp_path / "p.zip")
    assert _codes(archive, limits=UnpackLimits(max_entries=2)) == {"zip_too_many_entries"}
    assert _codes(archive, limits=UnpackLimits(max_bytes=1000)) == {"zip_too_large"}


def _gbk_zip(pkg: Path, dest: Path) -> Path:
    """A ZIP as Chinese Windows tools write it: names in GBK and no UTF-8 flag."""
    names = {p.relative_to(pkg).as_posix(): p for p in pkg.rglob("*") if p.is_file()}
    placeholders = {name: f"{i:0{len(name.encode('gbk'))}d}" for i, name in enumerate(sorted(names))}
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_STORED) as zf:
        for name, path in names.items():
            zf.writestr(placeholders[name], path.read_bytes())
    raw = bytearray(dest.read_bytes())
    for sig, name_at in ((b"PK\x03\x04", 30), (b"PK\x01\x02", 46)):
        at = raw.find(sig)
        while at >= 0:
            length = struct.unpack_from("<H", raw, at + (26 if sig == b"PK\x03\x04" else 28))[0]
            written = raw[at + name_at : at + name_at + length].decode()
            original = next(n for n, ph in placeholders.items() if ph == written)
            raw[at + name_at : at + name_at + length] = original.encode("gbk")
            at = raw.find(sig, at + name_at + length)
    dest.write_bytes(bytes(raw))
    return dest


def test_gbk_file_names_without_the_utf8_flag_are_read_right(tmp_path: Path) -> None:
    pkg = package_dir(tmp_path / "src", 9)
    archive = _gbk_zip(pkg, tmp_path / "gbk.zip")
    assert any(
        not i.flag_bits & 0x800 and not i.filename.isascii() for i in zipfile.ZipFile(archive).infolist()
    )
    with open_package(archive, tmp_path / "staging") as opened:
        assert {f.source.name for f in opened.files} == {
            p.name for p in pkg.iterdir() if p.name != "case.json"
        }
