"""Hostile ZIPs, built here byte by byte: each is refused with its code before anything leaves staging."""

from __future__ import annotations

import os
import stat
import struct
import unicodedata
import warnings
import zipfile
from collections.abc import Sequence
from pathlib import Path

import pytest

from dangan.collect import PackageRejected, UnpackLimits, open_package
from dangan.collect.unpack import unpacked
from dangan.core import load_settings

CASE = ("case.json", b"{}")
_CD = {"flags": (8, "<H"), "method": (10, "<H"), "crc": (16, "<I"), "csize": (20, "<I"), "usize": (24, "<I")}
_LOCAL = {"flags": 6, "method": 8, "crc": 14, "csize": 18, "usize": 22}


def craft(
    path: Path, entries: Sequence[tuple[str | zipfile.ZipInfo, bytes]], method: int = zipfile.ZIP_DEFLATED
) -> Path:
    with warnings.catch_warnings(), zipfile.ZipFile(path, "w", method) as zf:
        warnings.simplefilter("ignore")  # zipfile warns about duplicate names; we want them
        for name, content in entries:
            zf.writestr(name, content)
    return path


def patch(path: Path, name: str, **fields: int) -> None:
    """Rewrite header fields of one entry, in the central directory and its local header alike."""
    raw = bytearray(path.read_bytes())
    at = raw.find(b"PK\x01\x02")
    while at >= 0:
        name_len = struct.unpack_from("<H", raw, at + 28)[0]
        if raw[at + 46 : at + 46 + name_len] == name.encode():
            local = struct.unpack_from("<I", raw, at + 42)[0]
            for field, value in fields.items():
                offset, fmt = _CD[field]
                struct.pack_into(fmt, raw, at + offset, value)
                struct.pack_into(fmt, raw, local + _LOCAL[field], value)
            path.write_bytes(bytes(raw))
            return
        at = raw.find(b"PK\x01\x02", at + 4)
    raise AssertionError(f"{name} not in {path}")


def _info(name: str, mode: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.external_attr = mode << 16
    info.create_system = 3
    return info


def refused(tmp_path: Path, archive: Path, limits: UnpackLimits | None = None) -> str:
    """Unpack under tmp_path/staging; return the rejection code, checking nothing escaped or stayed."""
    staging = tmp_path / "staging"
    before = {p for p in tmp_path.rglob("*") if p != staging and staging not in p.parents}
    with pytest.raises(PackageRejected) as caught, unpacked(archive, staging, limits or UnpackLimits()):
        pass
    assert not any(staging.iterdir()), "staging not cleaned up"
    assert {p for p in tmp_path.rglob("*") if p != staging and staging not in p.parents} == before
    assert caught.value.problems and any("\u4e00" <= c <= "\u9fff" for c in caught.value.problems[0].message)
    return caught.value.problems[0].code


@pytest.mark.parametrize(
    "name",
    [
        "../evil.txt",
        "a/../../evil.txt",
        "/tmp/evil.txt",
        "..\\evil.txt",
        "C:/evil.txt",
        "a\x01b.txt",
        "aux.txt",
    ],
)
def test_paths_outside_or_odd_are_refused(tmp_path: Path, name: str) -> None:
    assert refused(tmp_path, craft(tmp_path / "p.zip", [CASE, (name, b"x")])) == "zip_unsafe_path"


@pytest.mark.parametrize(
    ("mode", "code"),
    [(stat.S_IFLNK | 0o777, "zip_symlink"), (stat.S_IFIFO | 0o644, "zip_special_file"),
     (stat.S_IFCHR | 0o644, "zip_special_file")],
)  # fmt: skip
def test_links_and_devices_are_refused(tmp_path: Path, mode: int, code: str) -> None:
    archive = craft(tmp_path / "p.zip", [CASE, (_info("link", mode), b"/etc/passwd")])
    assert refused(tmp_path, archive) == code


@pytest.mark.parametrize(
    ("first", "second", "code"),
    [("a.pdf", "a.pdf", "zip_duplicate_name"), ("x.txt", "./x.txt", "zip_duplicate_name"),
     ("决定书.PDF", "决定书.pdf", "zip_name_conflict"),
     (unicodedata.normalize("NFC", "Núñez.pdf"), unicodedata.normalize("NFD", "Núñez.pdf"), "zip_name_conflict"),
     ("docs", "docs/a.pdf", "zip_name_conflict"), ("Docs/a.pdf", "docs/b.pdf", "zip_name_conflict"),
     ("材料/", "材料/a.pdf", None)],
)  # fmt: skip
def test_duplicate_names_are_refused(tmp_path: Path, first: str, second: str, code: str | None) -> None:
    archive = craft(tmp_path / "p.zip", [CASE, (first, b"1" if first[-1] != "/" else b""), (second, b"2")])
    if code is None:  # a folder entry and a file inside it are no conflict
        with unpacked(archive, tmp_path / "staging", UnpackLimits()) as root:
            assert (root / second).read_bytes() == b"2"
        return
    assert refused(tmp_path, archive) == code


def test_zip_bomb_by_ratio_is_refused(tmp_path: Path) -> None:
    archive = craft(tmp_path / "p.zip", [CASE, ("zeros.bin", bytes(20 * 1024 * 1024))])
    assert archive.stat().st_size < 100_000
    assert refused(tmp_path, archive) == "zip_bomb"


def test_many_small_compressible_entries_are_a_bomb_as_a_whole(tmp_path: Path) -> None:
    entries = [CASE, *((f"f{i}.txt", bytes(900 * 1024)) for i in range(3))]
    archive = craft(tmp_path / "p.zip", entries)
    assert refused(tmp_path, archive) == "zip_bomb"
    with unpacked(archive, tmp_path / "staging", UnpackLimits(max_ratio=10_000)) as root:
        assert (root / "f2.txt").stat().st_size == 900 * 1024


def test_absolute_size_and_entry_limits_come_from_settings(tmp_path: Path) -> None:
    settings = load_settings(tmp_path / "home", max_package_bytes=5000, max_package_entries=3)
    limits = UnpackLimits.from_settings(settings)
    assert (limits.max_bytes, limits.max_entries, limits.max_ratio) == (5000, 3, 200)
    big = craft(tmp_path / "big.zip", [CASE, ("a.bin", os.urandom(6000))], zipfile.ZIP_STORED)
    assert refused(tmp_path, big, limits) == "zip_too_large"
    many = craft(tmp_path / "many.zip", [CASE, *((f"{i}.txt", b"x") for i in range(3))])
    assert refused(tmp_path, many, limits) == "zip_too_many_entries"


def test_huge_entry_counts_are_refused_from_the_end_record(tmp_path: Path) -> None:
    archive = craft(tmp_path / "p.zip", [CASE, *((f"{i}", b"") for i in range(10_000))], zipfile.ZIP_STORED)
    assert refused(tmp_path, archive) == "zip_too_many_entries"


@pytest.mark.parametrize("declared", [1000, 300_000])
def test_entries_that_lie_about_their_size_are_refused(tmp_path: Path, declared: int) -> None:
    archive = craft(tmp_path / "p.zip", [CASE, ("data.bin", os.urandom(100_000))])
    patch(archive, "data.bin", usize=declared)
    assert zipfile.ZipFile(archive).getinfo("data.bin").file_size == declared
    assert refused(tmp_path, archive, UnpackLimits(max_bytes=400_000)) == "zip_size_mismatch"


def test_encrypted_entries_are_refused(tmp_path: Path) -> None:
    archive = craft(tmp_path / "p.zip", [CASE, ("secret.pdf", b"%PDF")])
    patch(archive, "secret.pdf", flags=0x1)
    assert refused(tmp_path, archive) == "zip_encrypted"


@pytest.mark.parametrize("method", [9, 99])  # Deflate64, WinZip AES
def test_unknown_compression_methods_are_refused(tmp_path: Path, method: int) -> None:
    archive = craft(tmp_path / "p.zip", [CASE, ("a.pdf", b"%PDF")])
    patch(archive, "a.pdf", method=method)
    assert refused(tmp_path, archive) == "zip_unsupported_compression"


def test_corrupt_data_is_refused_and_the_partial_file_removed(tmp_path: Path) -> None:
    archive = craft(tmp_path / "p.zip", [CASE, ("a.txt", b"hello world" * 100)], zipfile.ZIP_STORED)
    raw = bytearray(archive.read_bytes())
    raw[raw.find(b"hello world") + 3] ^= 0xFF
    archive.write_bytes(bytes(raw))
    assert refused(tmp_path, archive) == "zip_corrupt"


def test_not_a_zip(tmp_path: Path) -> None:
    (tmp_path / "p.zip").write_bytes(b"PK\x03\x04 this is not really a zip")
    assert refused(tmp_path, tmp_path / "p.zip") == "invalid_zip"


def test_an_archive_of_archives_is_refused_not_unpacked_recursively(tmp_path: Path) -> None:
    inner = craft(tmp_path / "inner.zip", [CASE])
    outer = craft(tmp_path / "outer.zip", [("inner.zip", inner.read_bytes())])
    assert refused(tmp_path, outer) == "nested_archive"
    folder = craft(tmp_path / "outer2.zip", [("包/inner.zip", inner.read_bytes()), ("包/more.7z", b"7z")])
    assert refused(tmp_path, folder) == "nested_archive"
    assert refused(tmp_path, craft(tmp_path / "empty.zip", [("readme.txt", b"x")])) == "missing_case_json"


def test_an_archive_inside_a_package_stays_a_file(tmp_path: Path) -> None:
    inner = craft(tmp_path / "inner.zip", [("a.txt", b"a")])
    archive = craft(
        tmp_path / "p.zip", [CASE, ("附件/inner.zip", inner.read_bytes()), ("__MACOSX/._x", b"junk")]
    )
    with unpacked(archive, tmp_path / "staging", UnpackLimits()) as root:
        assert (root / "附件" / "inner.zip").read_bytes() == inner.read_bytes()
        assert not (root / "附件" / "a.txt").exists() and not (root / "__MACOSX").exists()
        assert stat.S_IMODE(root.stat().st_mode) == 0o700
    assert not any((tmp_path / "staging").iterdir())


def test_staging_is_removed_even_when_the_caller_fails(tmp_path: Path) -> None:
    archive = craft(tmp_path / "p.zip", [CASE])
    with pytest.raises(RuntimeError), unpacked(archive, tmp_path / "staging", UnpackLimits()) as root:
        assert (root / "case.json").exists()
        raise RuntimeError
    assert not any((tmp_path / "staging").iterdir())


def test_open_package_refuses_before_reading(tmp_path: Path) -> None:
    archive = craft(tmp_path / "p.zip", [CASE, ("../evil.txt", b"x")])
    with pytest.raises(PackageRejected) as caught, open_package(archive, tmp_path / "staging"):
        pass
    assert caught.value.problems[0].code == "zip_unsafe_path"
    assert not (tmp_path / "evil.txt").exists()
