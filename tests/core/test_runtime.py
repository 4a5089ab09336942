"""The malloc arena cap of `dangan serve` / `dangan worker`: applied once, inherited by children, and an
operator's own MALLOC_ARENA_MAX wins. In a subprocess: the cap is process-wide."""

from __future__ import annotations

import os
import subprocess
import sys

SCRIPT = """
import os, subprocess, sys
from dangan.core import limit_malloc_arenas
applied = limit_malloc_arenas()
child = subprocess.run([sys.executable, "-c", "import os; print(os.environ.get('MALLOC_ARENA_MAX'))"],
                       capture_output=True, text=True).stdout.strip()
print(applied, os.environ.get("MALLOC_ARENA_MAX"), child)
"""


def _run(env: dict[str, str]) -> list[str]:
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_the_cap_is_applied_and_inherited() -> None:
    env = {k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"}
    assert _run(env) == ["True", "2", "2"]


def test_an_operators_setting_wins() -> None:
    env = {k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"} | {"MALLOC_ARENA_MAX": "4"}
    assert _run(env) == ["False", "4", "4"]
