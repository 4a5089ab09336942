"""The embedded search engine is derived data: fed through the outbox written with each record, never out
of step after a crash, rebuilt by `dangan reindex`, and answering exactly what the catalogue answers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from dangan.access import ANONYMOUS, Principal, Role
from dangan.core import load_settings
from dangan.demo import generate_cases, write_case
from dangan.domain import SecurityLevel
from dangan.index import backlog, engine_for, engine_root, forget_engine
from dangan.services.archive import Archive, open_archive
from dangan.services.intake import import_paths
from dangan.services.utilisation import reindex, search
from dangan.store.catalog import Record, SearchOutbox

TODAY = date(2026, 6, 30)
KEEPER = Principal("keeper", Role.ARCHIVIST, clearance=SecurityLevel.CONFIDENTIAL)
QUERIES = (
    "2019年以来",
    "申请书",
    "去年的食品经营许可",
    "工商局",
    "不予许可的",
    "法定代表人",
    "2022年上半年 现场核查",
)


@pytest.fixture(scope="module")
def packages(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("engine-in")
    for demo_case in generate_cases(40, seed=21):
        write_case(demo_case, root)
    return root


@pytest.fixture
def archive(tmp_path: Path, packages: Path) -> Iterator[Archive]:
    arc = open_archive(load_settings(tmp_path / "data", search_engine="engine"))
    assert not import_paths(arc, [packages]).rejected
    try:
        yield arc
    finally:
        arc.close()


def _answer(archive: Archive, user: Principal, query: str) -> tuple[int, list[str], object]:
    result = search(archive, user, query, limit=500, today=TODAY, facets=True, sort="date")
    return result.total, sorted(h.record_id for h in result.hits), result.facets


def test_each_record_enters_the_outbox_with_itself_and_a_search_applies_it(archive: Archive) -> None:
    with archive.db.read() as s:
        assert backlog(s) == s.scalar(select(func.count()).select_from(Record)) == 40
    search(archive, KEEPER, "申请书", today=TODAY)  # a small backlog is applied by the search itself
    with archive.db.read() as s:
        assert backlog(s) == 0
    assert engine_for(archive.settings.home).size() == 40


def test_engine_and_catalogue_give_the_same_answers(archive: Archive, tmp_path: Path) -> None:
    clerk = Principal(
        "clerk", Role.CLERK, department="秦皇岛市市场监督管理局", clearance=SecurityLevel.INTERNAL
    )
    same_data = open_archive(load_settings(archive.settings.home, search_engine="sql"))
    try:
        for user in (KEEPER, clerk, ANONYMOUS):
            for query in QUERIES:
                assert _answer(archive, user, query) == _answer(same_data, user, query), (
                    user.username,
                    query,
                )
    finally:
        same_data.close()


def test_searches_use_the_catalogue_while_the_engine_is_behind(archive: Archive) -> None:
    reindex(archive)
    with archive.db.write() as s:  # as if a bulk import had just queued more than a search applies itself
        s.add_all([SearchOutbox(record_seq=seq) for seq in range(1, 2500)])
    before = search(archive, KEEPER, "申请书", today=TODAY, limit=500)
    assert before.total == 40  # answered by the catalogue: nothing lost, nothing doubled
    with archive.db.read() as s:
        assert backlog(s) == 2499  # not applied inside the search
    assert reindex(archive)["pending"] == 0


def test_killed_indexer_leaves_nothing_out_of_step(archive: Archive) -> None:
    """SIGKILL `dangan reindex --rebuild` mid-batch: the next run finishes the job and the engine holds
    every record exactly once."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DANGAN_")} | {
        "DANGAN_SEARCH_ENGINE": "engine"
    }
    cmd = [
        sys.executable,
        "-m",
        "dangan",
        "reindex",
        "--rebuild",
        "--batch",
        "3",
        "--data",
        str(archive.settings.home),
    ]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    killed_with = None
    while time.monotonic() < deadline and proc.poll() is None:
        with archive.db.read() as s:
            left = backlog(s)
        if 0 < left < 40:  # some batches applied, some not
            proc.send_signal(signal.SIGKILL)
            killed_with = left
            break
        time.sleep(0.005)
    proc.wait(30)
    assert killed_with is not None, "the indexer finished before it could be killed; use a smaller batch"
    report = reindex(archive)
    assert report["pending"] == 0 and report["documents"] == 40
    assert _answer(archive, KEEPER, "2019年以来")[0] == 40


def test_damaged_engine_files_fall_back_to_the_catalogue_until_rebuilt(archive: Archive) -> None:
    from dangan.index import engine_root, forget_engine

    reindex(archive)
    forget_engine(archive.settings.home)
    (engine_root(archive.settings.home) / "meta.json").write_bytes(b"\x00 not json")
    with archive.db.write() as s:
        s.add(SearchOutbox(record_seq=1))  # a change is pending, so the engine must be opened to apply it
    assert search(archive, KEEPER, "2019年以来", today=TODAY).total == 40  # the catalogue answered
    report = reindex(archive, rebuild=True)
    assert report["pending"] == 0 and report["documents"] == 40


def test_the_parser_keys_are_kept_on_disk_and_rebuilt_when_the_catalogue_changes(archive: Archive) -> None:
    """A command is a new process: it reads the keys the last one built, unless departments, matters,
    records or synonyms changed since (or the shipped tables did)."""
    import dangan.index._catalogue as cat
    from dangan.store.catalog import SearchSynonym

    cache = archive.settings.home / "index"
    with archive.db.read() as s:
        first = cat.catalogue_keys(s, cache)
    assert (cache / "parser-keys.pickle").is_file()
    cat._cache.clear()  # as a new process would start
    built: list[int] = []
    real_build = cat.build_keys
    cat.build_keys = lambda vocab: built.append(1) or real_build(vocab)  # type: ignore[func-returns-value]
    try:
        with archive.db.read() as s:
            assert [k.text for k in cat.catalogue_keys(s, cache)] == [k.text for k in first]
        assert built == []  # read from disk
        with archive.db.write() as s:
            s.add(SearchSynonym(kind="departments", alias="老工商", target="市场监督管理局", updated_by="t"))
        cat._cache.clear()
        with archive.db.read() as s:
            keys = cat.catalogue_keys(s, cache)
        assert built == [1] and any(k.text == "老工商" for k in keys)
    finally:
        cat.build_keys = real_build


def _age_index(archive: Archive) -> None:
    """As if the last commit were a minute old: counts are kept only for a settled index state."""
    meta = engine_root(archive.settings.home) / "meta.json"
    old = time.time() - 60
    os.utime(meta, (old, old))


def test_totals_and_facets_are_kept_per_index_state_and_per_reader(
    archive: Archive, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clerk = Principal(
        "clerk", Role.CLERK, department="秦皇岛市市场监督管理局", clearance=SecurityLevel.INTERNAL
    )
    first = search(archive, KEEPER, "申请书", today=TODAY, facets=True)  # applies the outbox
    _age_index(archive)
    engine = engine_for(archive.settings.home)
    counted: list[object] = []
    real = engine.facets

    def spy(query: object) -> dict[str, list[tuple[object, int]]]:
        counted.append(query)
        return real(query)

    monkeypatch.setattr(engine, "facets", spy)
    page1 = search(archive, KEEPER, "申请书", today=TODAY, facets=True, limit=10)
    page2 = search(archive, KEEPER, "申请书", today=TODAY, facets=True, limit=10, offset=10)
    assert len(counted) == 1  # the second page reused the count and the facets
    assert page1.total == page2.total == first.total and page1.facets == page2.facets == first.facets
    assert not {h.record_id for h in page1.hits} & {h.record_id for h in page2.hits}
    theirs = search(archive, clerk, "申请书", today=TODAY, facets=True)
    assert len(counted) == 2 and theirs.total < page1.total  # another reader is counted anew
    more = tmp_path / "more"
    write_case(next(iter(generate_cases(1, seed=77))), more)
    assert not import_paths(archive, [more]).rejected
    search(archive, KEEPER, "申请书", today=TODAY)  # applies the new record; a new index state
    _age_index(archive)
    after = search(archive, KEEPER, "申请书", today=TODAY, facets=True)
    assert after.total == first.total + 1 and len(counted) == 3


def test_trigrams_follow_the_runs_of_the_bigram_stream() -> None:
    from dangan.index._engine import _trigram_phrase, trigrams

    assert trigrams(["海港", "港区", "区", "申请", "请书", "书", "2023"]) == ["海港区", "|", "申请书", "|"]
    assert trigrams(["海港", "港", "港区", "区"]) == []  # two runs of two: no trigram spans them
    assert _trigram_phrase(["现场", "场核", "核查"]) == ["现场核", "场核查"]
    assert _trigram_phrase(["许可"]) is None and _trigram_phrase(["ab", "bc"]) is None


def test_a_new_engine_version_is_filled_before_it_answers(archive: Archive) -> None:
    search(archive, KEEPER, "申请书", today=TODAY)  # this version's engine, in step
    home = archive.settings.home
    root = engine_root(home)
    forget_engine(home)
    older = root.with_name("engine-v0")
    root.rename(older)  # as if this version had never run here: only an older one's files
    result = search(archive, KEEPER, "申请书", today=TODAY, limit=500)
    assert result.total == 40 and not older.exists()
    with archive.db.read() as s:
        assert backlog(s) == 0
    assert engine_for(home).size() == 40


def test_a_record_indexed_again_replaces_its_document(archive: Archive) -> None:
    search(archive, KEEPER, "申请书", today=TODAY)
    engine = engine_for(archive.settings.home)
    with archive.db.read() as s:
        seqs = list(s.scalars(select(Record.seq).limit(3)))
        engine.apply(s, seqs)  # a changed record, a redo, a rebuild's overlap: applied again
        engine.apply(s, seqs)
    assert engine.size() == 40
    assert search(archive, KEEPER, "申请书", today=TODAY, limit=500).total == 40
