"""Exchange packages: export records as a BagIt bag, import it into another archive, and refuse bags that
are tampered with, incomplete or claim records of another archive — with nothing written."""

from __future__ import annotations

import json
import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import bagit  # type: ignore[import-untyped]  # the LoC reference validator, as another archive would run it
import pytest
from sqlalchemy import func, select

from dangan.access import Principal, Role
from dangan.core import PermissionDenied, load_settings
from dangan.domain import SecurityLevel
from dangan.services.archive import Archive, open_archive, record_snapshot
from dangan.services.intake import import_paths
from dangan.services.share import export_records, import_exchange
from dangan.services.utilisation import search
from dangan.store.catalog import Event, Record
from tests.cli.invoke import invoke
from tests.factories import demo_archive, package_dir
from tests.helpers import json_of

ARCHIVIST = Principal("archivist", Role.ARCHIVIST, clearance=SecurityLevel.SECRET)
PASSWORD = "Exchange-Pass-2024!"


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Archive, Path]]:
    """An archive of four demo cases (3–4 files each) and a folder bag of all of them."""
    root = tmp_path_factory.mktemp("source")
    with demo_archive(root, 4, seed=7) as (archive, _cases):
        report = export_records(archive, ARCHIVIST, root / "bag", record_ids=_ids(archive))
        assert (report.records, report.files) == (4, 14)
        yield archive, root / "bag"


def _ids(archive: Archive) -> list[str]:
    with archive.db.read() as s:
        return list(s.scalars(select(Record.id).order_by(Record.seq)))


def _fresh(path: Path) -> Archive:
    return open_archive(load_settings(path))


def _content(archive: Archive) -> dict[tuple[str, str], tuple[dict[str, Any], dict[str, bytes]]]:
    """Per source key: the catalogue fields (but the 档号 each archive gives) and every file's bytes."""
    out = {}
    with archive.db.read() as s:
        for r in s.scalars(select(Record)).unique():
            meta = {k: v for k, v in record_snapshot(r).items() if k != "archival_code"}
            meta["document"] = r.document
            files = {f.path: b"".join(archive.objects.iter_plain(f.sha256, f.encrypted)) for f in r.files}
            out[(r.source_system, r.source_id)] = (meta, files)
    return out


def _nothing_written(archive: Archive) -> None:
    with archive.db.read() as s:
        assert s.scalar(select(func.count()).select_from(Record)) == 0
        assert s.scalar(select(func.count()).select_from(Event)) == 0
    objects = archive.settings.home / "objects"
    assert not objects.exists() or not any(p.is_file() for p in objects.rglob("*"))


def test_round_trip_through_a_zip_reproduces_metadata_and_files(
    source: tuple[Archive, Path], tmp_path: Path
) -> None:
    archive, bag = source
    bagit.Bag(str(bag)).validate()  # the LoC validator accepts the folder bag
    info = (bag / "bag-info.txt").read_text(encoding="utf-8")
    assert "External-Identifier: dangan:Z001:" in info and "Payload-Oxum: " in info
    rid = _ids(archive)[0]
    xml = (bag / "data" / "metadata" / f"{rid}.xml").read_text(encoding="utf-8")
    assert "<题名>" in xml and "<档号>" in xml and "<电子文件号>" + rid in xml
    assert json.loads((bag / "data" / "checks" / f"{rid}.json").read_text(encoding="utf-8"))["passed"]
    proof = json.loads((bag / "data" / "proofs" / f"{rid}.json").read_text(encoding="utf-8"))
    assert proof["checkpoint"]["tree_size"] == proof["tree_size"] > proof["leaf_index"]

    out = tmp_path / "exchange.zip"
    export_records(archive, ARCHIVIST, out, record_ids=_ids(archive))
    with zipfile.ZipFile(out) as zf:
        zf.extractall(tmp_path / "unzipped")
    bagit.Bag(str(tmp_path / "unzipped" / "exchange")).validate()

    target = _fresh(tmp_path / "target")
    try:
        report = import_exchange(target, out)
        assert len(report.accepted) == 4 and not report.rejected, report.as_json()
        assert _content(target) == _content(archive)
        again = import_exchange(target, bag)  # the same records from the folder bag: stored once
        assert (len(again.accepted), len(again.duplicates)) == (0, 4)
    finally:
        target.close()


def _copy(bag: Path, dest: Path) -> Path:
    shutil.copytree(bag, dest)
    return dest


def _first_file(bag: Path) -> Path:
    return next(p for p in sorted((bag / "data" / "records").rglob("*.pdf")))


def _tamper_file(bag: Path) -> None:
    f = _first_file(bag)
    f.write_bytes(f.read_bytes()[:-1] + b"X")


def _remove_file(bag: Path) -> None:
    _first_file(bag).unlink()


def _edit_info(bag: Path) -> None:
    info = bag / "bag-info.txt"
    info.write_text(info.read_text(encoding="utf-8").replace("Z001", "Z999"), encoding="utf-8")


def _rewrite_case_and_rehash(bag: Path) -> None:
    """A forger who edits a case.json and recomputes every manifest: the bag is valid, the ledger is not."""
    case = next((bag / "data" / "records").glob("*/case.json"))
    doc = json.loads(case.read_text(encoding="utf-8"))
    doc["title"] = doc["title"] + "（已改）"
    case.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    bagit.Bag(str(bag)).save(manifests=True)


def _rewrite_xml_and_rehash(bag: Path) -> None:
    """A forger who edits the DA/T 46 XML (what another system reads) and recomputes every manifest."""
    xml = next((bag / "data" / "metadata").glob("*.xml"))
    text = xml.read_text(encoding="utf-8")
    assert "<题名>" in text
    xml.write_text(text.replace("<题名>", "<题名>（已改）", 1), encoding="utf-8")
    bagit.Bag(str(bag)).save(manifests=True)


def _rename_source_and_rehash(bag: Path) -> None:
    """bag-info's Source-Organization names another archive; the tag manifest is recomputed to match."""
    forged = bagit.Bag(str(bag))
    forged.info["Source-Organization"] = "另一档案馆（全宗号 Z999）"
    forged.save(manifests=True)


@pytest.mark.parametrize(
    ("damage", "code"),
    [(_tamper_file, "bag_checksum_mismatch"), (_remove_file, "bag_file_missing"),
     (_edit_info, "bag_tag_checksum_mismatch"), (_rewrite_case_and_rehash, "exchange_mismatch"),
     (_rewrite_xml_and_rehash, "exchange_mismatch"), (_rename_source_and_rehash, "exchange_source_mismatch")],
)  # fmt: skip
def test_damaged_bags_are_refused_and_nothing_is_written(
    source: tuple[Archive, Path], tmp_path: Path, damage: Any, code: str
) -> None:
    bag = _copy(source[1], tmp_path / "bag")
    damage(bag)
    target = _fresh(tmp_path / "target")
    try:
        report = import_exchange(target, bag)
        assert not report.accepted and len(report.rejected) == 1
        codes = {p.code for p in report.rejected[0].problems}
        assert code in codes, codes
        _nothing_written(target)
    finally:
        target.close()


def test_a_bag_claiming_a_record_archived_here_differently_is_refused(
    source: tuple[Archive, Path], tmp_path: Path
) -> None:
    archive, bag = source
    with archive.db.read() as s:
        first = s.scalars(select(Record).order_by(Record.seq)).first()
        assert first is not None
        doc = dict(first.document)
    target = _fresh(tmp_path / "target")
    try:  # the target already holds the same source key with other content
        pkg = package_dir(tmp_path / "in", 3, source_system=doc["source_system"], source_id=doc["source_id"])
        assert len(import_paths(target, [pkg]).accepted) == 1
        report = import_exchange(target, bag)
        assert "exchange_conflict" in {p.code for p in report.rejected[0].problems}
        with target.db.read() as s:
            assert s.scalar(select(func.count()).select_from(Record)) == 1
    finally:
        target.close()


def test_the_policy_decides_what_a_user_may_export(archive: Archive, tmp_path: Path) -> None:
    dept, other = "秦皇岛市市场监督管理局", "秦皇岛市生态环境局"
    pkgs = [package_dir(tmp_path / "in", 1, department=dept),
            package_dir(tmp_path / "in", 2, department=dept, security_level="秘密", open_to_public=False),
            package_dir(tmp_path / "in", 4, department=other)]  # fmt: skip
    report = import_paths(archive, pkgs)
    assert not report.rejected, report.as_json()["rejected"]
    by_origin = {o.origin: o.record_id or "" for o in report.accepted}
    own, secret, foreign = (by_origin[str(p)] for p in pkgs)
    clerk = Principal("clerk", Role.CLERK, department=dept, clearance=SecurityLevel.INTERNAL)
    head = Principal("head", Role.DEPT_HEAD, department=dept, clearance=SecurityLevel.INTERNAL)
    out = tmp_path / "out"
    for user, ids, code in [(clerk, [foreign], "export_not_found"), (clerk, [secret], "export_not_found"),
                            (clerk, [own], "export_masked"), (head, [own, foreign], "export_not_found")]:  # fmt: skip
        with pytest.raises(PermissionDenied) as refused:
            export_records(archive, user, out, record_ids=ids)
        assert refused.value.code == "export_refused"
        assert code in {p.code for p in refused.value.problems}
        assert not out.exists()
    assert export_records(archive, head, out, record_ids=[own]).records == 1  # sees personal data in clear


def test_cli_export_by_query_and_import(source: tuple[Archive, Path], tmp_path: Path) -> None:
    archive, _bag = source
    data = str(archive.settings.home)
    invoke("user", "add", "arch2", "--role", "archivist", "--clearance", "秘密", "--password-stdin",
           "--data", data, input=PASSWORD + "\n")  # fmt: skip
    query = "卫生"
    expected = search(archive, ARCHIVIST, query, limit=100).total
    assert expected >= 1
    out = tmp_path / "q.zip"
    proc = invoke("export", "--query", query, "--as", "arch2", "--out", str(out), "--json", "--data", data)
    assert proc.returncode == 0, proc.stderr
    doc = json_of(proc)
    assert set(doc) == {"out", "records", "files", "bytes"}
    assert (doc["records"], doc["out"]) == (expected, str(out))
    assert invoke("export", "--as", "arch2", "--out", str(tmp_path / "n"), "--data", data).returncode == 2
    imported = json_of(invoke("import", str(out), "--json", "--data", str(tmp_path / "other")))
    assert len(imported["accepted"]) == expected and not imported["rejected"]
