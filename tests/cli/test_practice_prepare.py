"""`dangan practice prepare`: the practice template built ahead (scripts/start.sh runs it after the demo),
so the first trainee's sandbox is a folder copy, not a ~20 s build behind a progress page."""

from __future__ import annotations

from pathlib import Path

from dangan.access import Principal, Role
from dangan.core import load_settings
from dangan.domain import SecurityLevel
from dangan.services.practice import PracticeHub
from tests.cli.invoke import invoke
from tests.helpers import json_of

CLERK = Principal("li.si", Role.CLERK, "秦皇岛市生态环境局", SecurityLevel.INTERNAL, "李四")
ROOT = Path(__file__).resolve().parents[2]


def test_prepare_builds_once_and_the_first_trainee_does_not_wait(tmp_path: Path) -> None:
    data = str(tmp_path / "data")
    first = invoke("practice", "prepare", "--data", data, "--cases", "4", "--json")
    assert first.returncode == 0, first.stderr
    doc = json_of(first)
    assert doc["ready"] is True and doc["built"] is True
    template = Path(doc["template"])
    ready = template / "READY"

    def stamp() -> tuple[int, int, list[str]]:
        return ready.stat().st_mtime_ns, ready.stat().st_ino, sorted(p.name for p in template.iterdir())

    before = stamp()

    again = json_of(invoke("practice", "prepare", "--data", data, "--cases", "4", "--json"))
    assert again == {**doc, "built": False}
    assert stamp() == before
    assert not [p for p in template.parent.iterdir() if p.name.startswith((".build-", ".trash-"))]

    hub = PracticeHub(load_settings(Path(data)))  # as the web app makes it: the default template size
    try:
        assert hub.status().ready
        sandbox = hub.enter(CLERK)  # no prepare() first: nothing to build
        assert hub._thread is None, "entering practice mode started a template build"
        assert hub.principal(sandbox, CLERK.username).role is Role.CLERK
    finally:
        hub.close()


def test_prepare_says_how_to_use_it_and_start_script_runs_it() -> None:
    helped = invoke("practice", "prepare", "--help")
    assert helped.returncode == 0 and "练习环境" in helped.stdout
    start = (ROOT / "scripts" / "start.sh").read_text(encoding="utf-8")
    assert start.index("dangan demo") < start.index("dangan practice prepare") < start.index("dangan serve")
