"""`/healthz`, `/readyz` and `/metrics` on a small archive of two departments: answers without login,
503 when a storage location fails, exact catalogue figures in the Prometheus text format, and no metrics
for a client that is neither loopback nor holds the token."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr

from dangan.core import load_settings
from dangan.services.accounts import add_user
from dangan.services.archive import Archive, open_archive
from dangan.services.intake import import_paths
from dangan.services.preservation import Jobs, audit_fixity
from dangan.store.catalog import Alert, RecordFile
from dangan.store.objects import object_key
from dangan.web import create_app
from tests.factories import package_dir
from tests.web.conftest import PASSWORD, login

DEPTS = {"秦皇岛市市场监督管理局": (1, 2), "秦皇岛市生态环境局": (3,)}
LOOPBACK = ("127.0.0.1", 50000)


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Archive, dict[str, dict[str, int]]]]:
    root = tmp_path_factory.mktemp("health")
    archive = open_archive(load_settings(root / "data", clamav_db=str(root / "no-signatures")))
    expected: dict[str, dict[str, int]] = {}
    for dept, seeds in DEPTS.items():
        for seed in seeds:
            pkg = package_dir(root / "in", seed, department=dept)
            listed = json.loads((pkg / "case.json").read_text(encoding="utf-8"))["files"]
            figures = expected.setdefault(dept, {"records": 0, "files": 0, "bytes": 0})
            figures["records"] += 1
            figures["files"] += len(listed)
            figures["bytes"] += sum((pkg / f["path"]).stat().st_size for f in listed)
    report = import_paths(archive, [root / "in"])
    assert len(report.accepted) == 3, report.as_json()["rejected"]
    try:
        yield archive, expected
    finally:
        archive.close()


def _families(text: str) -> dict[str, Any]:
    return {f.name: f for f in text_string_to_metric_families(text)}


def _samples(family: Any, name: str, **labels: str) -> list[float]:
    return [
        s.value
        for s in family.samples
        if s.name == name and all(s.labels.get(k) == v for k, v in labels.items())
    ]


def test_healthz_answers_without_login(env: tuple[Archive, Any]) -> None:
    with TestClient(create_app(env[0]), follow_redirects=False) as c:
        response = c.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_readyz_is_ready_with_clamav_advisory(env: tuple[Archive, Any]) -> None:
    with TestClient(create_app(env[0]), follow_redirects=False) as c:
        response = c.get("/readyz")
    doc = response.json()
    assert response.status_code == 200 and doc["ready"] is True
    assert set(doc["checks"]) == {
        "database",
        "storage:primary",
        "storage:replica",
        "job_queue",
        "keys",
        "clamav",
    }
    assert doc["checks"]["clamav"] is False and doc["advisory"] == ["clamav"]  # no signatures, still ready


def test_readyz_is_503_when_a_storage_location_fails(env: tuple[Archive, Any]) -> None:
    archive = env[0]
    replica = archive.settings.replica_path
    moved = replica.with_name("replica-away")
    replica.rename(moved)
    replica.write_text("a file where the replica folder was", encoding="utf-8")
    try:
        with TestClient(create_app(archive), follow_redirects=False) as c:
            response = c.get("/readyz")
    finally:
        replica.unlink()
        moved.rename(replica)
    doc = response.json()
    assert response.status_code == 503 and doc["ready"] is False
    assert doc["checks"]["storage:replica"] is False and doc["checks"]["storage:primary"] is True
    assert "replica" not in response.text.replace("storage:replica", "")  # verdicts only, no paths
    with TestClient(create_app(archive), follow_redirects=False) as c:
        assert c.get("/readyz").status_code == 200


def test_metrics_hold_the_catalogue_figures_exactly(env: tuple[Archive, dict[str, dict[str, int]]]) -> None:
    archive, expected = env
    first = archive.objects.replicas[0]
    with archive.db.read() as s:
        sample = s.query(RecordFile).first()
        assert sample is not None
        key = object_key(sample.sha256, sample.encrypted)
    first.delete(key)
    audit_fixity(archive, repair=True)  # one repaired copy, every file verified
    with archive.db.write() as s:
        s.add(Alert(rule="bulk_download", subject="li", window_key="w1", severity="high", summary="批量下载"))
        s.add(
            Alert(rule="bulk_download", subject="wang", window_key="w1", severity="high", summary="批量下载")
        )
    jobs = Jobs(archive.settings)
    jobs.audit()  # one task waiting in the queue
    with TestClient(create_app(archive), client=LOOPBACK, follow_redirects=False) as c:
        c.get("/healthz")
        c.get("/records/01AAAAAAAAAAAAAAAAAAAAAAAA")
        c.get("/no/such/page")
        response = c.get("/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    fams = _families(response.text)
    for dept, figures in expected.items():
        for what in ("records", "files", "bytes"):
            family = fams[f"dangan_ingest_{what}"]
            assert _samples(family, f"dangan_ingest_{what}_total", department=dept) == [figures[what]]
    total_files = sum(f["files"] for f in expected.values())
    fixity = fams["dangan_fixity_record_files"]
    assert _samples(fixity, "dangan_fixity_record_files", state="verified") == [total_files]
    assert _samples(fixity, "dangan_fixity_record_files", state="never_verified") == [0]
    assert _samples(fams["dangan_fixity_repairs"], "dangan_fixity_repairs_total") == [1]
    assert _samples(fams["dangan_fixity_failures"], "dangan_fixity_failures_total") == [0]
    assert _samples(fams["dangan_alerts_raised"], "dangan_alerts_raised_total", rule="bulk_download") == [2]
    assert _samples(fams["dangan_alerts_open"], "dangan_alerts_open", rule="bulk_download") == [2]
    assert _samples(fams["dangan_job_queue_depth"], "dangan_job_queue_depth") == [1]
    assert _samples(fams["dangan_catalogue_up"], "dangan_catalogue_up") == [1]
    latency = fams["dangan_http_request_duration_seconds"]
    routes = {s.labels["route"] for s in latency.samples}
    assert {"/healthz", "/records/{record_id}", "<unmatched>"} <= routes
    assert "01AAAAAAAAAAAAAAAAAAAAAAAA" not in response.text and "/no/such/page" not in response.text
    assert all(name.startswith("dangan_") for name in fams)


def test_metrics_are_refused_to_other_clients_without_the_token(env: tuple[Archive, Any]) -> None:
    archive = env[0]
    app = create_app(archive)
    with TestClient(app, follow_redirects=False) as c:  # client host "testclient": not loopback
        refused = c.get("/metrics")
        unknown = c.get("/no-such-address")
        assert refused.status_code == 404 and refused.status_code == unknown.status_code
        assert "dangan_" not in refused.text
        archive.settings.metrics_token = SecretStr("scrape-secret-42")
        try:
            assert c.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 404
            allowed = c.get("/metrics", headers={"Authorization": "Bearer scrape-secret-42"})
            assert allowed.status_code == 200 and "dangan_ingest_records_total" in allowed.text
        finally:
            archive.settings.metrics_token = None
    with TestClient(app, client=LOOPBACK, follow_redirects=False) as c:
        assert c.get("/metrics").status_code == 200
        forwarded = c.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"})
        assert forwarded.status_code == 404  # came through a proxy: the token is needed


def test_the_probes_need_no_session_and_are_not_in_the_api_schema(env: tuple[Archive, Any]) -> None:
    with TestClient(create_app(env[0]), follow_redirects=False) as c:
        paths = c.get("/api/openapi.json").json()["paths"]
        assert not {"/healthz", "/readyz", "/metrics"} & set(paths)
        assert c.post("/readyz").status_code == 405  # GET only


def test_the_sysadmin_home_says_plainly_that_virus_signatures_are_missing(env: tuple[Archive, Any]) -> None:
    archive = env[0]
    add_user(archive, "ops", PASSWORD, "sysadmin")
    with TestClient(create_app(archive), follow_redirects=False) as c:
        assert login(c, "ops").status_code == 303
        home = c.get("/").text
    assert "病毒检测：尚未下载病毒特征库" in home and "freshclam" in home
