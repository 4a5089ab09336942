"""Preservation formats: PRONOM at ingest, the policy, `preserve` (copies, idempotence, crash safety)."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from dangan.core import ConfigurationError, NotFound, load_settings
from dangan.digitize import check_pdfa, pdf_text
from dangan.domain import CopyStatus
from dangan.services.accounts import add_user, get_principal
from dangan.services.archive import Archive, open_archive
from dangan.services.intake import import_paths
from dangan.services.preservation import pending_count, preservation_copy_for, preserve
from dangan.services.preservation._preserve_policy import DEFAULT_ACCEPTED, PDFA_2B, policy_from
from dangan.store.catalog import Event, PreservationCopy, RecordFile
from tests.factories import package_dir


def _files(archive: Archive) -> list[RecordFile]:
    with archive.db.read() as s:
        return list(s.scalars(select(RecordFile).order_by(RecordFile.id)).all())


def _copies(archive: Archive) -> list[PreservationCopy]:
    with archive.db.read() as s:
        return list(s.scalars(select(PreservationCopy).order_by(PreservationCopy.id)).all())


def _fill(archive: Archive, tmp_path: Path) -> Archive:
    """One public record and one 秘密 record (encrypted at rest)."""
    package_dir(tmp_path / "in", 21, security_level="公开", open_to_public=True)
    package_dir(tmp_path / "in", 22, security_level="秘密", open_to_public=False)
    report = import_paths(archive, [tmp_path / "in"])
    assert len(report.accepted) == 2, report.as_json()
    return archive


@pytest.fixture
def two(archive: Archive, tmp_path: Path) -> Archive:
    return _fill(archive, tmp_path)


@pytest.fixture
def two_any(any_archive: Archive, tmp_path: Path) -> Archive:
    """The same on SQLite and on PostgreSQL."""
    return _fill(any_archive, tmp_path)


def test_pronom_format_is_recorded_at_ingest(two_any: Archive) -> None:
    files = _files(two_any)
    assert files and all(f.format_puid in ("fmt/17", "fmt/18") for f in files)
    assert all(f.format_name and "PDF" in f.format_name for f in files)
    assert {f.format_version for f in files} <= {"1.3", "1.4"}


def test_policy_defaults_and_overrides() -> None:
    policy = policy_from({})
    assert policy.action("fmt/18") == ("normalise", PDFA_2B)  # PDF 1.4 → PDF/A-2b
    assert policy.action("fmt/43") == ("keep", None)  # JPEG kept as it is
    assert policy.action("fmt/353") == ("keep", None)  # TIFF
    assert policy.action("dangan-fmt/ofd") == ("keep", None)
    assert policy.action("fmt/477") == ("recheck", PDFA_2B)  # PDF/A-2b: checked, copied only if it fails
    assert policy.action("fmt/189") == ("unsupported", None)  # Office Open XML: not a long-term format
    assert policy.action("") == ("unidentified", None)
    assert "fmt/354" in DEFAULT_ACCEPTED
    kept = policy_from({"normalise": {"pdf": "keep"}, "accepted": ["pdf", "pdfa"], "recheck_pdfa": False})
    assert kept.action("fmt/18") == ("keep", None) and kept.action("fmt/477") == ("keep", None)
    assert kept.candidates() == frozenset()
    assert policy_from({"normalise": {"pdf": "keep"}}).action("fmt/18") == ("keep", None)
    assert policy_from({"normalise": {"fmt/18": "keep"}}).action("fmt/17") == ("normalise", PDFA_2B)


@pytest.mark.parametrize(
    "table",
    [
        {"normalise": {"jpeg": "pdfa-2b"}},  # no JPEG → PDF/A converter
        {"normalise": {"pdf": "tiff"}},  # unknown target
        {"accepted": "fmt/18"},
        {"recheck_pdfa": "yes"},
        {"normalize": {}},  # misspelt key
    ],
)
def test_invalid_policy_is_a_chinese_configuration_error(table: dict[str, Any]) -> None:
    with pytest.raises(ConfigurationError) as exc:
        policy_from(table)
    assert "[preservation]" in exc.value.message


def test_policy_comes_from_dangan_toml(tmp_path: Path) -> None:
    home = tmp_path / "data"
    home.mkdir()
    (home / "dangan.toml").write_text('[preservation]\nnormalise = { pdf = "keep" }\n', encoding="utf-8")
    archive = open_archive(load_settings(home))
    try:
        package_dir(tmp_path / "in", 23)
        import_paths(archive, [tmp_path / "in"])
        summary = preserve(archive)
        assert summary.count("normalised") == 0 and not _copies(archive)
    finally:
        archive.close()


def test_preserve_makes_pdfa_copies_once_and_keeps_the_originals(two_any: Archive) -> None:
    before = [(f.id, f.sha256) for f in _files(two_any)]
    assert pending_count(two_any) == len(before)
    summary = preserve(two_any, actor="tester")
    assert summary.count("normalised") == len(before), summary.as_json()
    assert [(f.id, f.sha256) for f in _files(two_any)] == before  # originals untouched
    copies = _copies(two_any)
    assert len(copies) == len(before) and {c.status for c in copies} == {CopyStatus.DONE}
    for c in copies:
        assert c.format_puid == "fmt/477" and c.path and c.path.endswith(".pdfa.pdf")
        assert c.sha256 and c.sm3 and c.size
        with two_any.objects.plain_path(c.sha256, c.encrypted) as path:
            assert check_pdfa(path).passed
    with two_any.db.read() as s:
        events = s.scalars(select(Event).where(Event.kind == "preserve")).all()
        assert len(events) == len(before) and {e.actor for e in events} == {"tester"}
        assert {e.detail["copy"]["sha256"] for e in events} == {c.sha256 for c in copies}
    # idempotent: a second run has nothing to do and writes nothing
    again = preserve(two_any)
    assert again.as_json()["processed"] == 0 and pending_count(two_any) == 0
    assert len(_copies(two_any)) == len(copies)


def test_text_of_each_copy_equals_the_original(two: Archive) -> None:
    preserve(two)
    files = {f.id: f for f in _files(two)}
    for c in _copies(two):
        f = files[c.record_file_id]
        assert c.sha256 is not None  # a done copy has its content
        with (
            two.objects.plain_path(f.sha256, f.encrypted) as a,
            two.objects.plain_path(c.sha256, c.encrypted) as b,
        ):
            assert pdf_text(a) == pdf_text(b) != ""


def test_secret_copy_is_encrypted_and_hidden_from_users_who_cannot_read_the_record(two: Archive) -> None:
    preserve(two)
    files = {f.id: f for f in _files(two)}
    secret = [c for c in _copies(two) if files[c.record_file_id].encrypted]
    public = [c for c in _copies(two) if not files[c.record_file_id].encrypted]
    assert secret and public
    for c in secret:
        assert c.encrypted and c.sha256 is not None
        stored = two.objects.path_for(c.sha256, True).read_bytes()
        assert b"%PDF" not in stored[:1024] and two.objects.read(c.sha256, True).startswith(b"%PDF")
    assert not any(c.encrypted for c in public)
    add_user(two, "low", "Dangan@2024", "archivist", clearance="内部")
    add_user(two, "arch", "Dangan@2024", "archivist", clearance="秘密")
    low, arch = get_principal(two, "low"), get_principal(two, "arch")
    c = secret[0]
    f = files[c.record_file_id]
    with two.db.read() as s:
        row_file = s.get(RecordFile, f.id)
        assert row_file is not None
        record_id = row_file.record.id
    with pytest.raises(NotFound):
        preservation_copy_for(two, low, record_id, f.position)
    _record, _f, row, content = preservation_copy_for(two, arch, record_id, f.position)
    assert row.sha256 == c.sha256
    with content.path() as path:
        assert check_pdfa(path).passed


def test_files_identified_before_0012_are_identified_by_preserve(two: Archive) -> None:
    with two.db.write() as s:
        s.execute(update(RecordFile).values(format_puid=None, format_name=None, format_version=None))
    summary = preserve(two, limit=2)
    assert summary.as_json()["processed"] == 2 and summary.remaining == len(_files(two)) - 2
    preserve(two)
    assert all(f.format_puid in ("fmt/17", "fmt/18") for f in _files(two))


def test_a_crash_before_the_row_commits_leaves_no_copy_and_a_rerun_makes_it(
    two: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    svc = importlib.import_module("dangan.services.preservation._preserve")

    def boom(*args: Any, **kwargs: Any) -> bool:
        raise RuntimeError("simulated crash after the object was stored")

    monkeypatch.setattr(svc, "_decide", boom)
    with pytest.raises(RuntimeError):
        preserve(two, limit=1)
    assert not _copies(two)
    monkeypatch.undo()
    assert preserve(two).count("normalised") == len(_files(two))


def test_failed_conversion_is_recorded_and_retried_only_when_asked(
    two: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    pdfa = importlib.import_module("dangan.digitize.pdfa")
    from dangan.digitize import ConversionFailed

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise ConversionFailed("模拟转换失败", code="pdfa_invalid")

    monkeypatch.setattr(pdfa, "convert_to_pdfa", refuse)
    first = preserve(two, limit=1)
    assert first.count("failed") == 1 and first.items[0].message == "模拟转换失败"
    assert [c.status for c in _copies(two)] == [CopyStatus.FAILED]
    monkeypatch.undo()
    rest = preserve(two)
    assert rest.count("failed") == 0 and len(rest.items) == len(_files(two)) - 1  # not retried
    retried = preserve(two, retry_failed=True)
    assert retried.count("normalised") == 1
    assert {c.status for c in _copies(two)} == {CopyStatus.DONE}
