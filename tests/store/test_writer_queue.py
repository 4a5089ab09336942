"""SQLite writers queue on a lock file before BEGIN IMMEDIATE: in order, across threads and processes."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

from sqlalchemy import text

from dangan.store.catalog import Database
from dangan.store.catalog._db import WriterQueue


def test_a_second_writer_waits_for_the_first_to_finish(tmp_path: Path) -> None:
    queue = WriterQueue(tmp_path / "db-writer.lock")
    order: list[str] = []
    first_in, second_started = threading.Event(), threading.Event()

    def first() -> None:
        with queue.held():
            order.append("first in")
            first_in.set()
            second_started.wait(5)
            # the second is running and must still be outside
            threading.Event().wait(0.05)
            order.append("first out")

    def second() -> None:
        first_in.wait(5)
        second_started.set()
        with queue.held():
            order.append("second in")

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert order == ["first in", "first out", "second in"]


def test_a_holder_in_another_process_is_waited_for_and_its_death_frees_the_lock(tmp_path: Path) -> None:
    lock = tmp_path / "db-writer.lock"
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time\nfrom pathlib import Path\nfrom dangan.store.catalog._db import WriterQueue\n"
         "with WriterQueue(Path(sys.argv[1])).held():\n    print('held', flush=True)\n    time.sleep(60)\n",
         str(lock)],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        entered = threading.Event()

        def waiter() -> None:
            with WriterQueue(lock).held():
                entered.set()

        t = threading.Thread(target=waiter)
        t.start()
        assert not entered.wait(0.3)  # queued behind the other process
        holder.kill()  # SIGKILL: the kernel drops its lock
        holder.wait()
        assert entered.wait(10)
        t.join(10)
    finally:
        holder.kill()
        holder.wait()


def test_after_its_timeout_a_writer_goes_on_to_sqlites_own_lock(tmp_path: Path) -> None:
    lock = tmp_path / "db-writer.lock"
    with WriterQueue(lock).held():
        done = threading.Event()

        def impatient() -> None:
            with WriterQueue(lock, timeout=0.05).held():
                done.set()

        t = threading.Thread(target=impatient)
        t.start()
        assert done.wait(10)
        t.join(10)


def test_sqlite_database_writes_through_the_queue_beside_its_file(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'catalogue.db'}")
    try:
        with db.write() as s:
            s.execute(text("CREATE TABLE t (x INTEGER)"))
            s.execute(text("INSERT INTO t VALUES (1)"))
        with db.read() as s:
            assert s.execute(text("SELECT x FROM t")).scalar_one() == 1
        assert (tmp_path / "catalogue.db-writer.lock").exists()
    finally:
        db.dispose()
    memory = Database("sqlite:///:memory:")
    try:
        assert memory._queue is None
    finally:
        memory.dispose()
