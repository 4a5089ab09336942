"""`dangan embed`: vectors for the records without one, in as many runs as one likes; one JSON document."""

from __future__ import annotations

from pathlib import Path

from dangan.index import MODEL
from tests.cli.invoke import invoke
from tests.factories import package_dir
from tests.helpers import json_of


def test_embed_in_two_runs_then_nothing_left(tmp_path: Path) -> None:
    data = str(tmp_path / "data")
    for seq in (630, 631, 632):
        assert invoke("import", str(package_dir(tmp_path / "in", seq)), "--data", data).returncode == 0
    first = json_of(invoke("embed", "--limit", "2", "--data", data, "--json"))
    assert first == {"embedded": 2, "pending": 1, "model": MODEL, "failed": []}
    second = invoke("embed", "--data", data)
    assert second.returncode == 0 and "生成语义向量 1 件，尚余 0 件" in second.stderr and not second.stdout
    assert json_of(invoke("embed", "--data", data, "--json"))["embedded"] == 0
    assert invoke("embed", "--limit", "0", "--data", data).returncode == 2, "a limit below 1 is a usage error"
