"""Practice mode's sandboxes and exercises, without the web: built from a small template (8 cases)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select

from dangan.access import Principal, Role
from dangan.core import Conflict, load_settings
from dangan.domain import SecurityLevel
from dangan.services.archive import Archive
from dangan.services.intake import import_paths
from dangan.services.practice import (
    PracticeHub,
    broken_package,
    folder_name,
    read_answers,
    sandbox_settings,
    scoreboard,
    submit_answer,
)
from dangan.store.catalog import QuarantineEntry, Record, User

CLERK = Principal("zhang.san", Role.CLERK, "秦皇岛市生态环境局", SecurityLevel.INTERNAL, "张三")


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PracticeHub]:
    settings = load_settings(tmp_path_factory.mktemp("practice") / "data", redis_url="redis://127.0.0.1:1/0",
                             alert_webhook_url="http://127.0.0.1:1/hook", witness_dir="/tmp/witness")  # fmt: skip
    h = PracticeHub(settings, cases=8)
    assert h.build_now().ready
    yield h
    h.close()


def test_sandbox_settings_close_every_way_out(tmp_path: Path) -> None:
    real = load_settings(tmp_path / "data", database_url="postgresql+psycopg://x@db/real", primary_store="s3",
                         replicas="s3", redis_url="redis://r:6379/0", alert_webhook_url="http://hook",
                         witness_dir=str(tmp_path / "w"), drop_dir=str(tmp_path / "drop"), master_key="k" * 44)  # fmt: skip
    sandbox = sandbox_settings(real, tmp_path / "data" / "practice" / "u-x")
    assert (
        sandbox.db_url.startswith("sqlite:///")
        and str(tmp_path / "data" / "practice" / "u-x") in sandbox.db_url
    )
    assert (sandbox.primary_store, sandbox.replicas, sandbox.redis_url, sandbox.master_key) == (
        "local",
        "local",
        None,
        None,
    )
    assert sandbox.alert_webhook_url is None and sandbox.witness_dir is None and sandbox.drop_dir is None
    assert sandbox.home.resolve() not in sandbox.master_key_path.resolve().parents
    assert sandbox.fonds_name.endswith("（练习）") and real.home == tmp_path / "data"


def test_folder_names_stay_inside_practice() -> None:
    assert folder_name("clerk1") == "u-clerk1"
    for odd in ("..", "_template", "张三", "a/b", ".hidden"):
        name = folder_name(odd)
        assert name.startswith(("u-", "h-")) and "/" not in name and name not in ("..", "_template")


def test_enter_copies_the_template_with_the_trainee_account_and_reset_starts_again(hub: PracticeHub) -> None:
    sandbox = hub.enter(CLERK)
    me = hub.principal(sandbox, CLERK.username)
    assert (me.role, me.department, me.clearance) == (Role.CLERK, CLERK.department, SecurityLevel.INTERNAL)
    with sandbox.db.read() as s:
        records = s.scalar(select(func.count()).select_from(Record))
        assert records == 8 and s.scalar(select(User).where(User.username == "archivist")) is not None
    with sandbox.db.write() as s:
        s.execute(delete(Record))
    assert hub.enter(CLERK) is sandbox  # entering again keeps the trainee's work
    fresh = hub.reset(CLERK)
    with fresh.db.read() as s:
        assert s.scalar(select(func.count()).select_from(Record)) == 8


def test_template_must_be_ready_before_a_first_entry(tmp_path: Path) -> None:
    empty = PracticeHub(load_settings(tmp_path / "data"), cases=1)
    assert empty.status().state == "absent"
    with pytest.raises(Conflict):
        empty.enter(CLERK)


def _upload_broken(sandbox: Archive, tmp_path: Path) -> None:
    name, data = broken_package(CLERK, "hash_mismatch")
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        zf.extractall(tmp_path)
    report = import_paths(sandbox, [tmp_path / name.removesuffix(".zip")], actor=CLERK.username)
    assert not report.accepted and report.rejected


def test_exercises_are_checked_against_the_sandbox_and_scored(hub: PracticeHub, tmp_path: Path) -> None:
    sandbox = hub.reset(CLERK)
    me = hub.principal(sandbox, CLERK.username)
    folder = hub.folder(CLERK.username)
    board = scoreboard(sandbox, me, folder)
    kinds = {i.exercise.kind for i in board.items}
    assert kinds == {"count", "check_failure", "request", "handover"}  # certifying is the archivist's
    assert board.score == 0 and board.total > 0
    _upload_broken(sandbox, tmp_path)
    with sandbox.db.read() as s:
        assert s.scalar(select(func.count()).select_from(QuarantineEntry)) == 1
    wrong = submit_answer(sandbox, me, folder, "spot-check-failure", "4-1")
    assert not wrong.verdict.done
    right = submit_answer(sandbox, me, folder, "spot-check-failure", "1-3")
    assert right.verdict.done and read_answers(folder)["spot-check-failure"] == "1-3"
    after = scoreboard(sandbox, me, folder)
    assert after.score == right.exercise.points


def test_the_count_exercise_answer_comes_from_the_catalogue(hub: PracticeHub) -> None:
    archivist = Principal("archivist", Role.ARCHIVIST, None, SecurityLevel.SECRET)
    sandbox = hub.enter(archivist)
    me = hub.principal(sandbox, "archivist")
    state = next(
        i for i in scoreboard(sandbox, me, hub.folder("archivist")).items if i.exercise.kind == "count"
    )
    params = state.verdict.params
    assert state.verdict.answer == "number" and not state.verdict.done
    with sandbox.db.read() as s:
        expected = s.scalar(select(func.count()).select_from(Record).where(
            Record.result == params["result"], Record.year == params["year"],
            Record.matter.has(name=params["matter"])))  # fmt: skip
    assert expected is not None and str(params["year"]) in state.title and params["matter"] in state.title
    assert submit_answer(sandbox, me, hub.folder("archivist"), "count-refused", str(expected)).verdict.done
    assert not submit_answer(
        sandbox, me, hub.folder("archivist"), "count-refused", str(expected + 1)
    ).verdict.done
