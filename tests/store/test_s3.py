"""Objects on a real S3-compatible server (SeaweedFS): as replica beside a local primary, and as primary."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from dangan.core import load_settings
from dangan.services.archive import open_archive
from dangan.services.intake import import_paths
from dangan.services.preservation import audit_fixity
from dangan.store.crypto import KeyRing, MasterKey
from dangan.store.objects import LocalLocation, ObjectStore, S3Location, object_key
from tests.factories import package_dir

pytestmark = pytest.mark.s3


def _s3(server: dict[str, str], prefix: str) -> S3Location:
    loc = S3Location.connect(server["endpoint"], "dangan-test", server["access_key"], server["secret_key"],
                             prefix=f"{uuid.uuid4().hex[:10]}/{prefix}", name="s3")  # fmt: skip
    loc.ensure_bucket()
    return loc


def test_s3_replica_gets_every_object_and_damage_is_seen(s3_server: dict[str, str], tmp_path: Path) -> None:
    s3 = _s3(s3_server, "replica")
    store = ObjectStore(LocalLocation(tmp_path / "objects"), [s3], KeyRing(MasterKey.generate("k")))
    obj = store.put_bytes(b"secret " * 50_000, encrypt=True)
    assert s3.exists(object_key(obj.sha256, True)) and s3.exists(object_key(obj.sha256, True) + ".key")
    assert store.verify(obj.sha256, True, s3)
    assert sorted(s3.list_keys()) == sorted(
        [object_key(obj.sha256, True), object_key(obj.sha256, True) + ".key"]
    )
    s3.client.put_object(Bucket=s3.bucket, Key=s3.prefix + object_key(obj.sha256, True), Body=b"overwritten")
    assert not store.verify(obj.sha256, True, s3)
    store.copy_object(obj.sha256, True, store.primary, s3)
    assert store.verify(obj.sha256, True, s3)


def test_archive_with_s3_primary_and_local_replica(s3_server: dict[str, str], tmp_path: Path) -> None:
    settings = load_settings(
        tmp_path / "data", primary_store="s3", replicas="local", s3_endpoint=s3_server["endpoint"], s3_bucket="dangan-test",
        s3_prefix=uuid.uuid4().hex[:10],
        s3_access_key=s3_server["access_key"], s3_secret_key=s3_server["secret_key"],
    )  # fmt: skip
    archive = open_archive(settings)
    try:
        for seed in range(3):
            package_dir(tmp_path / "in", 700 + seed)
        report = import_paths(archive, [tmp_path / "in"])
        assert len(report.accepted) == 3
        assert not list((tmp_path / "data" / "objects").rglob("*.enc")), "nothing stored locally as primary"
        clean = audit_fixity(archive)
        assert clean.objects_checked > 0 and not (clean.damaged or clean.missing)
        primary = archive.objects.primary
        victim = next(k for k in primary.list_keys() if not k.endswith(".key"))
        primary.delete(victim)
        found = audit_fixity(archive, repair=True)
        assert [m["location"] for m in found.missing] == ["s3-primary"] and len(found.repaired) == 1
        assert primary.exists(victim)
    finally:
        archive.close()
