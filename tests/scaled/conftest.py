"""The scaled configuration on real servers started by the tests: PostgreSQL catalogue, S3 (SeaweedFS)
primary with a local replica, Redis for background jobs.

`scaled_env` is the environment a deployment would set (what the README documents); `scaled_archive`
is an archive opened with it; `archive` is overridden here, so the storage and ingest tests imported
into this folder's modules run against the scaled configuration too.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from dangan.core import Settings, load_settings

if TYPE_CHECKING:
    from dangan.services.archive import Archive


def scaled_settings(env: dict[str, str]) -> Settings:
    overrides = {k[len("DANGAN_") :].lower(): v for k, v in env.items() if k != "DANGAN_HOME"}
    return load_settings(env["DANGAN_HOME"], **overrides)


@pytest.fixture
def scaled_env(
    tmp_path: Path, pg_server: str, s3_server: dict[str, str], redis_server: str
) -> dict[str, str]:
    import redis

    from tests.pg import create_database

    redis.Redis.from_url(redis_server).flushdb()  # one queue per test: nothing left from the last one
    return {
        "DANGAN_HOME": str(tmp_path / "data"),
        "DANGAN_DATABASE_URL": create_database(pg_server),
        "DANGAN_PRIMARY_STORE": "s3",
        "DANGAN_REPLICAS": "local",
        "DANGAN_REPLICA_DIR": str(tmp_path / "replica"),
        "DANGAN_S3_ENDPOINT": s3_server["endpoint"],
        "DANGAN_S3_BUCKET": "dangan-scaled",
        "DANGAN_S3_PREFIX": uuid.uuid4().hex[:12],
        "DANGAN_S3_ACCESS_KEY": s3_server["access_key"],
        "DANGAN_S3_SECRET_KEY": s3_server["secret_key"],
        "DANGAN_REDIS_URL": redis_server,
        "DANGAN_MASTER_KEY_FILE": str(tmp_path / "keys" / "master.key"),
    }


@pytest.fixture
def scaled_archive(scaled_env: dict[str, str]) -> Iterator[Archive]:
    from dangan.services.archive import open_archive

    arc = open_archive(scaled_settings(scaled_env))
    try:
        yield arc
    finally:
        arc.close()


@pytest.fixture
def archive(scaled_archive: Archive) -> Archive:
    """Overrides the embedded `archive` of tests/conftest.py for the tests collected in this folder."""
    return scaled_archive


@pytest.fixture
def any_archive(scaled_archive: Archive) -> Archive:
    """Overrides `any_archive` (SQLite and PostgreSQL, local objects) with the scaled archive."""
    return scaled_archive
