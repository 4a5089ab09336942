"""`Archive`: one data directory opened — settings, catalogue, objects — handed to every use case."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from dangan.core import Settings
from dangan.domain import ArchivalCodeRule
from dangan.store import Database, LocalObjectStore, ensure_fonds, upgrade


@dataclass
class Archive:
    settings: Settings
    db: Database
    objects: LocalObjectStore
    code_rule: ArchivalCodeRule

    @property
    def staging(self) -> Path:
        path = self.settings.home / "staging"
        path.mkdir(parents=True, exist_ok=True)
        return path

    def close(self) -> None:
        self.db.dispose()


def open_archive(settings: Settings, *, migrate: bool = True) -> Archive:
    """Open (and, on first use, create) the archive at `settings.home`."""
    settings.check_production()
    settings.home.mkdir(parents=True, exist_ok=True)
    if migrate:
        upgrade(settings.db_url)
    db = Database(settings.db_url)
    with db.write() as session:
        ensure_fonds(session, settings.fonds_code, settings.fonds_name)
    return Archive(
        settings=settings,
        db=db,
        objects=LocalObjectStore(settings.objects_dir),
        code_rule=ArchivalCodeRule(settings.archival_code_rule),
    )
