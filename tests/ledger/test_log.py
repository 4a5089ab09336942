"""The stored log on both catalogue backends: contiguous appends, rollback, proofs from stored nodes."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import inspect, select, text

from dangan.ledger import Entry, merkle
from dangan.ledger import log as ledger_log
from dangan.ledger.tables import ledger_entry, metadata
from dangan.store.catalog import Database, downgrade, upgrade


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    upgrade(db_url)
    database = Database(db_url)
    try:
        yield database
    finally:
        database.dispose()


def _entry(i: int) -> Entry:
    return Entry("view", "2026-01-02T03:04:05.000000Z", f"user{i}", f"R{i % 7}", None, {"n": i})


def _all_leaf_hashes(db: Database) -> list[bytes]:
    with db.read() as s:
        rows = s.execute(select(ledger_entry.c.leaf_index, ledger_entry.c.leaf_hash).order_by("leaf_index"))
        pairs = [(int(i), bytes(h)) for i, h in rows]
    assert [i for i, _ in pairs] == list(range(len(pairs)))  # contiguous from 0
    return [h for _, h in pairs]


def test_the_migration_creates_exactly_the_ledger_tables(db: Database, db_url: str) -> None:
    found = inspect(db.engine)
    for table in metadata.sorted_tables:
        columns = {c["name"]: c["nullable"] for c in found.get_columns(table.name)}
        assert columns == {c.name: c.nullable for c in table.columns}, table.name
    db.dispose()
    downgrade(db_url, "0002")
    assert not {"ledger_head", "ledger_entry", "ledger_checkpoint"} & set(
        inspect(db.engine).get_table_names()
    )
    upgrade(db_url)


def test_appends_proofs_and_roots_match_the_rfc(db: Database) -> None:
    for batch in (1, 2, 5, 13, 1, 40):
        with db.write() as s:
            first = ledger_log.head(s.connection()).size
            assert ledger_log.append(s.connection(), [_entry(first + i) for i in range(batch)]) == list(
                range(first, first + batch)
            )
    hashes = _all_leaf_hashes(db)
    n = len(hashes)
    assert hashes[5] == merkle.leaf_hash(_entry(5).body())
    with db.read() as s:
        conn = s.connection()
        head = ledger_log.head(conn)
        assert head.size == n and head.root() == merkle.root(hashes)
        for size in (1, 2, 3, 7, 8, 9, 33, n):
            assert ledger_log.root_at(conn, size) == merkle.root(hashes[:size])
            for index in {0, size // 2, size - 1}:
                proof = ledger_log.inclusion_proof_at(conn, index, size)
                assert proof == merkle.inclusion_proof(index, hashes[:size])
            for m in {1, size // 2 or 1, size}:
                assert ledger_log.consistency_proof_at(conn, m, size) == merkle.consistency_proof(
                    m, hashes[:size]
                )
        latest = ledger_log.latest_for_record(conn, "R3")
        assert latest is not None and latest.leaf_index == max(i for i in range(n) if i % 7 == 3)
        assert [i for i, *_ in ledger_log.scan(conn, batch=7)] == list(range(n))


def test_a_rollback_takes_the_append_back_and_leaves_no_gap(db: Database) -> None:
    with db.write() as s:
        ledger_log.append(s.connection(), [_entry(0), _entry(1)])
    with pytest.raises(RuntimeError), db.write() as s:
        ledger_log.append(s.connection(), [_entry(2)])
        raise RuntimeError("the change it records failed")
    with db.write() as s:
        assert ledger_log.append(s.connection(), [_entry(3)]) == [2]
    assert len(_all_leaf_hashes(db)) == 3


def test_parallel_writers_get_distinct_contiguous_indices(db: Database) -> None:
    taken: list[int] = []
    lock = threading.Lock()

    def writer(k: int) -> None:
        for i in range(10):
            with db.write() as s:
                got = ledger_log.append(s.connection(), [_entry(k * 100 + i)])
            with lock:
                taken.extend(got)

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(taken) == list(range(40))
    hashes = _all_leaf_hashes(db)
    with db.read() as s:
        assert ledger_log.head(s.connection()).root() == merkle.root(hashes)


def test_a_missing_node_is_reported_not_guessed(db: Database) -> None:
    with db.write() as s:
        ledger_log.append(s.connection(), [_entry(i) for i in range(4)])
        s.execute(text("DELETE FROM ledger_entry WHERE leaf_index = 1"))
    with db.read() as s, pytest.raises(ledger_log.LedgerCorrupt):
        ledger_log.inclusion_proof_at(s.connection(), 3, 4)
