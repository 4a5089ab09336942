"""Alembic, driven from code: `upgrade(url)` brings any catalogue to the newest schema.

Alembic is imported when a migration runs, not with the package: import workers and short CLI
commands that open an existing catalogue never need it. Every command opens the archive, and loading
Alembic with its migration scripts costs ≈ 0.2 s, so `upgrade(url)` first compares the revision stored
in the catalogue with the head of the scripts (read from their source, without importing them) and
calls Alembic only when they differ: a new or older catalogue is upgraded exactly as before.
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path
from typing import TYPE_CHECKING

from dangan.store.catalog._db import make_engine

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def _literal_assignments(path: Path) -> dict[str, object]:
    """Module-level `name = <literal>` (annotated or not) of one migration script."""
    found: dict[str, object] = {}
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        else:
            continue
        if isinstance(target, ast.Name):
            try:
                found[target.id] = ast.literal_eval(value)
            except ValueError:
                continue
    return found


@functools.cache
def head_revisions() -> frozenset[str] | None:
    """The revisions no script builds on, as Alembic's `heads`; None when a script is not plain enough
    to read this way (then `upgrade` leaves the decision to Alembic)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        found = _literal_assignments(path)
        revision, down = found.get("revision"), found.get("down_revision")
        if not isinstance(revision, str) or found.get("depends_on") is not None:
            return None
        revisions.add(revision)
        if isinstance(down, str):
            parents.add(down)
        elif isinstance(down, tuple | list):
            parents.update(str(d) for d in down)
        elif down is not None:
            return None
    heads = frozenset(revisions - parents)
    return heads or None


def stored_revisions(url: str) -> frozenset[str]:
    """What the catalogue's `alembic_version` table says; empty for a new catalogue."""
    from sqlalchemy import inspect

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            if not inspect(conn).has_table("alembic_version"):
                return frozenset()
            return frozenset(conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalars())
    finally:
        engine.dispose()


def upgrade(url: str, revision: str = "head") -> None:
    if revision == "head" and (heads := head_revisions()) and stored_revisions(url) == heads:
        return
    from alembic import command

    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    from alembic import command

    command.downgrade(alembic_config(url), revision)
