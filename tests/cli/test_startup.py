"""Every `dangan` command starts by importing the CLI: libraries only a few commands use stay out of it."""

from __future__ import annotations

import subprocess
import sys

# huey brings the Redis and PostgreSQL clients (the job queue: serve and worker), openpyxl the XLSX
# exports, rjieba the query segmenter (search only): ≈ 0.3 s of every command's start-up between them.
LOADED_ON_USE = ("huey", "redis", "psycopg", "openpyxl", "rjieba")


def test_the_cli_does_not_import_what_only_some_commands_use() -> None:
    code = f"import sys, dangan.cli; print(' '.join(m for m in {LOADED_ON_USE!r} if m in sys.modules))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert loaded.split() == []
