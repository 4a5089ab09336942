"""Run `dangan` in this process (Typer's CliRunner): the same app, arguments, stdin, environment, stdout,
stderr and exit status as `tests.helpers.run_dangan`, without a new interpreter for every call.

The result is a `CompletedProcess`, so `tests.helpers.json_of` and the assertions read it unchanged. An
exception the command does not turn into an exit status is raised here rather than read as exit 1:
a crash must fail the test, not pass for "problems found". A few tests in `test_cli.py` still run real
processes to prove the stdout and exit-status contract end to end.
"""

from __future__ import annotations

import subprocess

from typer.testing import CliRunner

from dangan.cli import app

_RUNNER = CliRunner()


def invoke(
    *args: str, env: dict[str, str] | None = None, input: str | None = None
) -> subprocess.CompletedProcess[str]:
    result = _RUNNER.invoke(app, list(args), input=input, env=env, catch_exceptions=False, prog_name="dangan")
    return subprocess.CompletedProcess(["dangan", *args], result.exit_code, result.stdout, result.stderr)
