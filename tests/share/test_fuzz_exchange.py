"""Hypothesis against the exchange-bag import: a bag exported by another archive, then damaged — any of
its files (payload, metadata XML, proofs, manifests, bag-info) flipped, cut, grown, emptied or removed,
files added, sometimes with every manifest recomputed as a forger would — or a ZIP of it with bytes
flipped, or arbitrary bytes named `.zip`. Each is either refused with coded Chinese reasons and nothing
written, or (when the damage touched nothing that matters) imported with every file exactly as sent;
never an unexpected exception."""

from __future__ import annotations

import contextlib
import itertools
import re
import shutil
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import bagit  # type: ignore[import-untyped]  # the LoC reference implementation, as a forger would use it
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from dangan.access import Principal, Role
from dangan.core import load_settings
from dangan.domain import SecurityLevel
from dangan.services.archive import Archive, open_archive
from dangan.services.share import export_records, import_exchange
from dangan.store.catalog import Record
from tests.factories import demo_archive

ARCHIVIST = Principal("archivist", Role.ARCHIVIST, clearance=SecurityLevel.SECRET)
CHINESE = re.compile(r"[\u4e00-\u9fff]")
FUZZ = settings(max_examples=25, derandomize=True, database=None, deadline=None,
                suppress_health_check=list(HealthCheck))  # fmt: skip
_n = itertools.count()


@pytest.fixture(scope="module")
def source(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Path, Path, dict[str, dict[str, str]]]]:
    """A folder bag and a ZIP bag of two demo cases, and each case's files (path → sha256) by source id."""
    root = tmp_path_factory.mktemp("exchange-source")
    with demo_archive(root, 2, seed=5) as (archive, _cases):
        with archive.db.read() as s:
            records = s.scalars(select(Record)).unique().all()
            ids = [r.id for r in records]
            files = {r.source_id: {f.path: f.sha256 for f in r.files} for r in records}
        export_records(archive, ARCHIVIST, root / "bag", record_ids=ids)
        export_records(archive, ARCHIVIST, root / "bag.zip", record_ids=ids)
    yield root / "bag", root / "bag.zip", files


@pytest.fixture(scope="module")
def target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Archive]:
    archive = open_archive(load_settings(tmp_path_factory.mktemp("exchange-target") / "data"))
    try:
        yield archive
    finally:
        archive.close()


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("exchange-fuzz")


def _damage(draw: Callable[[st.SearchStrategy[Any]], Any], data: bytes) -> bytes:
    kind = draw(st.sampled_from(["flip", "cut", "grow", "empty", "random"]))
    if kind == "flip" and data:
        at = draw(st.integers(0, len(data) - 1))
        return data[:at] + bytes([data[at] ^ draw(st.integers(1, 255))]) + data[at + 1 :]
    if kind == "cut":
        return data[: draw(st.integers(0, max(0, len(data) - 1)))]
    if kind == "grow":
        return data + draw(st.binary(min_size=1, max_size=100))
    if kind == "empty":
        return b""
    return draw(st.binary(max_size=400))


def _import(target: Archive, path: Path, files: dict[str, dict[str, str]]) -> None:
    with target.db.read() as s:
        before = s.scalar(select(func.count()).select_from(Record)) or 0
    report = import_exchange(target, path)
    for outcome in report.rejected:
        assert outcome.problems, "refused without a reason"
        for problem in outcome.problems:
            assert problem.code and CHINESE.search(problem.message), (problem.code, problem.message)
    with target.db.read() as s:
        after = s.scalar(select(func.count()).select_from(Record))
        assert after == before + len(report.accepted), "a refused bag left records behind"
        for outcome in report.accepted:
            record = s.scalars(select(Record).where(Record.id == outcome.record_id)).unique().one()
            assert {f.path: f.sha256 for f in record.files} == files[record.source_id], "stored not as sent"


@FUZZ
@given(st.data())
def test_a_damaged_folder_bag_is_refused_or_imported_whole(
    source: tuple[Path, Path, dict[str, dict[str, str]]], target: Archive, scratch: Path, data: st.DataObject
) -> None:
    bag = shutil.copytree(source[0], scratch / f"bag-{next(_n)}")
    members = sorted(p for p in bag.rglob("*") if p.is_file())
    for _ in range(data.draw(st.integers(1, 2))):
        victim = data.draw(st.sampled_from(members))
        action = data.draw(st.sampled_from(["damage", "damage", "remove", "add"]))
        if action == "remove":
            victim.unlink(missing_ok=True)
        elif action == "add":
            (bag / "data" / data.draw(st.sampled_from(["extra.txt", "records/extra.pdf"]))).write_bytes(b"x")
        elif victim.exists():
            victim.write_bytes(_damage(data.draw, victim.read_bytes()))
    if data.draw(st.integers(0, 3)) == 0:  # a forger recomputes the manifests to hide the damage
        with contextlib.suppress(Exception):  # bagit itself gives up on some damage: the bag stays as it is
            bagit.Bag(str(bag)).save(manifests=True)
    _import(target, bag, source[2])


@FUZZ
@given(st.data())
def test_a_damaged_zip_bag_or_random_bytes_are_refused_or_imported_whole(
    source: tuple[Path, Path, dict[str, dict[str, str]]], target: Archive, scratch: Path, data: st.DataObject
) -> None:
    path = scratch / f"bag-{next(_n)}.zip"
    if data.draw(st.booleans()):
        path.write_bytes(_damage(data.draw, source[1].read_bytes()))
    else:
        with zipfile.ZipFile(source[1]) as zin, zipfile.ZipFile(path, "w") as zout:
            names = [i.filename for i in zin.infolist()]
            victim = data.draw(st.sampled_from(names))
            for info in zin.infolist():
                body = zin.read(info)
                zout.writestr(info, _damage(data.draw, body) if info.filename == victim else body)
    _import(target, path, source[2])
