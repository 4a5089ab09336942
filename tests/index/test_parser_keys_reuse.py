"""The parser's keys survive new records that bring no new words, and are rebuilt when one does.

Under a steady stream of pushes every search used to rebuild them (and read and rewrite their file);
what matters is that reusing them never hides a new word from the parser.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import dangan.index._catalogue as cat
from dangan.services.archive import Archive
from dangan.services.intake import import_paths
from tests.factories import package_dir

DEPT = "秦皇岛市市场监督管理局"
MATTER = {"code": "SCJG-XK-101", "name": "食品经营许可"}


def _keys(archive: Archive) -> list[cat.Key]:
    with archive.db.read() as s:
        return cat.catalogue_keys(s, archive.settings.home / "index")


def _import(archive: Archive, tmp_path: Path, seed: int, **overrides: str) -> None:
    pkg = package_dir(tmp_path / f"in{seed}", seed, department=DEPT, matter=MATTER, **overrides)
    report = import_paths(archive, [pkg])
    assert report.accepted, report.as_json()


def test_keys_are_reused_for_new_records_with_known_words_and_rebuilt_for_new_ones(
    archive: Archive, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _import(archive, tmp_path, 1, district="130302", result="准予许可")
    first = _keys(archive)
    built: list[int] = []
    real = cat.build_keys

    def counting(vocabulary: cat.Vocabulary) -> list[cat.Key]:
        built.append(1)
        return real(vocabulary)

    monkeypatch.setattr(cat, "build_keys", counting)

    _import(archive, tmp_path, 2, district="130302", result="准予许可")  # the same words
    assert _keys(archive) is first and built == []

    _import(archive, tmp_path, 3, district="130304", result="不予许可")  # a new district and result
    keys = _keys(archive)
    assert built == [1]
    assert any("130304" in k.values for k in keys if k.kind == "district")
    assert any("不予许可" in k.values for k in keys if k.kind == "result")

    cat._cache.clear()  # a new process: the file written for these words is read, not rebuilt
    assert [k.text for k in _keys(archive)] == [k.text for k in keys] and built == [1]
