"""4-1 through a real clamd daemon (started here with our own one-signature database)."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from dangan.checks import Verdict

from .conftest import EICAR, add_file, item_of, run, write_eicar_database

CLAMD = shutil.which("clamd") or "/usr/sbin/clamd"


@pytest.fixture(scope="module")
def clamd_socket(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("clamd")
    (root / "db").mkdir()
    write_eicar_database(root / "db" / "dangan-test.ndb")
    sock = root / "clamd.sock"
    conf = root / "clamd.conf"
    conf.write_text(
        f"Foreground yes\nLocalSocket {sock}\nDatabaseDirectory {root / 'db'}\nLogFile {root / 'clamd.log'}\n",
        encoding="utf-8",
    )
    assert Path(CLAMD).exists(), "clamd is missing: run scripts/setup.sh (Debian clamav-daemon)"
    proc = subprocess.Popen(
        [CLAMD, f"--config-file={conf}"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 60
        while not sock.exists():
            assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else "clamd exited"
            assert time.monotonic() < deadline, "clamd did not start"
            time.sleep(0.1)
        yield str(sock)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_clamd_passes_a_clean_package_and_catches_eicar(pkg: Path, clamd_socket: str) -> None:
    clean = item_of(run(pkg, clamd_socket=clamd_socket), "4-1")
    assert clean.verdict is Verdict.PASS and clean.evidence["engine"] == "clamd"
    add_file(pkg, "附件/说明.txt", b"prefix " + EICAR, "其他材料")
    item = item_of(run(pkg, clamd_socket=clamd_socket), "4-1")
    assert item.verdict is Verdict.FAIL
    assert item.evidence["found"] == {"附件/说明.txt": "Dangan.Test.EICAR.UNOFFICIAL"}


def test_unreachable_clamd_warns(pkg: Path, tmp_path: Path) -> None:
    item = item_of(run(pkg, clamd_socket=str(tmp_path / "nobody.sock")), "4-1")
    assert item.verdict is Verdict.WARN and "clamd" in item.evidence["reason"]
    assert "联系系统管理员" in item.message and "sock" not in item.message  # no setting shown to a reader
