"""The monitoring engine: findings stored once, alerts as events, webhook delivery and failure, ack."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
from sqlalchemy import create_engine, func, inspect, select

from dangan.access import Principal, Role
from dangan.core import ConfigurationError, NotFound, PermissionDenied, ValidationFailed, load_settings
from dangan.services.archive import Archive, log_event, open_archive
from dangan.services.oversight import acknowledge_alert, list_alerts, monitoring, run_monitor
from dangan.services.preservation import rotate_master_key
from dangan.store.catalog import Alert, Event, downgrade, upgrade

SEC = Principal(username="sec", role=Role.SECADMIN)
# Every hour a working hour, so that the wall clock of the test run cannot add off-hours alerts.
SMALL = {"alert_bulk_downloads": 3, "alert_denials": 3, "alert_interval_seconds": 0,
         "alert_work_hours": "00:00-24:00", "alert_workdays": "1-7"}  # fmt: skip


def _open(tmp_path: Path, **overrides: Any) -> Archive:
    return open_archive(load_settings(tmp_path / "data", **{**SMALL, **overrides}))


@pytest.fixture
def mon(tmp_path: Path) -> Iterator[Archive]:
    arc = _open(tmp_path)
    try:
        yield arc
    finally:
        arc.close()


class _Hook(BaseHTTPRequestHandler):
    received: ClassVar[list[dict[str, Any]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append(json.loads(body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def webhook() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    received: list[dict[str, Any]] = []
    handler = type("Hook", (_Hook,), {"received": received})
    server = HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/hook", received
    finally:
        server.shutdown()
        server.server_close()


def _downloads(archive: Archive, user: str, n: int) -> None:
    for _ in range(n):
        log_event(archive, "download", user, "R1", {"file": "a.pdf"})


def _alerts(archive: Archive) -> list[Alert]:
    with archive.db.read() as s:
        return list(s.scalars(select(Alert).order_by(Alert.id)))


def test_a_finding_becomes_one_alert_and_one_event_however_often_rules_run(mon: Archive) -> None:
    _downloads(mon, "zhang", 3)
    first = run_monitor(mon)
    assert [(a["rule"], a["subject"], a["status"]) for a in first.raised] == [
        ("bulk_download", "zhang", "open")
    ]
    _downloads(mon, "zhang", 1)  # the same burst goes on
    assert run_monitor(mon).raised == [] and run_monitor(mon).raised == []
    assert len(_alerts(mon)) == 1
    with mon.db.read() as s:
        events = s.scalars(select(Event).where(Event.kind == "alert")).all()
    assert [(e.actor, e.detail["rule"], e.detail["alert_id"]) for e in events] == [
        ("system", "bulk_download", first.raised[0]["id"])
    ]


def test_nothing_suspicious_raises_nothing(mon: Archive) -> None:
    _downloads(mon, "zhang", 2)
    log_event(mon, "denied", "li", "R1")
    report = run_monitor(mon)
    assert report.events == 3 and report.raised == [] and _alerts(mon) == []


def test_events_older_than_the_lookback_are_not_evaluated(mon: Archive) -> None:
    from datetime import timedelta

    from dangan.core import utcnow

    _downloads(mon, "zhang", 3)
    assert run_monitor(mon, now=utcnow() + timedelta(hours=25)).raised == []


def test_denials_of_record_reads_raise_an_alert(mon: Archive) -> None:
    for _ in range(3):
        log_event(mon, "denied", "li", "R9", {"action": "read"})
    assert [a["rule"] for a in run_monitor(mon).raised] == ["repeated_denials"]


def test_key_rotation_raises_a_config_change_alert(mon: Archive) -> None:
    rotate_master_key(mon, actor="ops")
    raised = run_monitor(mon).raised
    assert [(a["rule"], a["subject"]) for a in raised] == [("config_change", "ops")]
    assert "key_rotation" in raised[0]["summary"]


def test_webhook_receives_the_alert_as_json(
    tmp_path: Path, webhook: tuple[str, list[dict[str, Any]]]
) -> None:
    url, received = webhook
    arc = _open(tmp_path, alert_webhook_url=url)
    try:
        _downloads(arc, "zhang", 3)
        report = run_monitor(arc)
        assert report.notified == 1 and report.webhook_failures == []
        assert [(m["fonds"], m["alert"]["rule"], m["alert"]["subject"]) for m in received] == [
            ("Z001", "bulk_download", "zhang")
        ]
        assert run_monitor(arc).notified == 0 and len(received) == 1  # sent once
        assert _alerts(arc)[0].webhook_sent_at is not None
    finally:
        arc.close()


def test_webhook_failure_is_recorded_not_raised_and_retried(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    arc = _open(tmp_path, alert_webhook_url=f"http://127.0.0.1:{port}/hook", alert_webhook_timeout=2)
    try:
        _downloads(arc, "zhang", 3)
        report = run_monitor(arc)
        assert len(report.raised) == 1 and report.notified == 0
        assert [f["alert_id"] for f in report.webhook_failures] == [report.raised[0]["id"]]
        alert = _alerts(arc)[0]
        assert alert.webhook_sent_at is None and alert.webhook_attempts == 1 and alert.webhook_error
        for _ in range(3):
            run_monitor(arc)
        assert _alerts(arc)[0].webhook_attempts == 3  # gives up after three tries
        assert list_alerts(arc, SEC)[0]["webhook"].startswith("URLError")
    finally:
        arc.close()


def test_acknowledge_with_a_note_is_an_event_and_closes_the_alert(mon: Archive) -> None:
    _downloads(mon, "zhang", 3)
    alert_id = run_monitor(mon).raised[0]["id"]
    with pytest.raises(ValidationFailed) as exc:
        acknowledge_alert(mon, SEC, alert_id, "  ")
    assert exc.value.code == "note_required"
    done = acknowledge_alert(mon, SEC, alert_id, "已核实：批量调档，经批准")
    assert done["status"] == "acknowledged" and done["acknowledged_by"] == "sec"
    with pytest.raises(ValidationFailed):
        acknowledge_alert(mon, SEC, alert_id, "再次处理")
    with pytest.raises(NotFound):
        acknowledge_alert(mon, SEC, 999, "不存在")
    with mon.db.read() as s:
        ack = s.scalars(select(Event).where(Event.kind == "alert_ack")).one()
    assert ack.actor == "sec" and ack.detail["note"] == "已核实：批量调档，经批准"
    assert [a["id"] for a in list_alerts(mon, SEC, "open")] == []
    assert [a["id"] for a in list_alerts(mon, SEC, "acknowledged")] == [alert_id]
    _downloads(mon, "zhang", 1)
    assert run_monitor(mon).raised == []  # the acknowledged burst is not raised again


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.SECADMIN])
def test_only_the_security_officer_sees_and_acknowledges_alerts(mon: Archive, role: Role) -> None:
    user = Principal(username="x", role=role)
    with pytest.raises(PermissionDenied):
        list_alerts(mon, user)
    with pytest.raises(PermissionDenied):
        acknowledge_alert(mon, user, 1, "说明")


def test_bad_working_hours_setting_is_a_clear_error(tmp_path: Path) -> None:
    arc = _open(tmp_path, alert_work_hours="朝九晚五")
    try:
        with pytest.raises(ConfigurationError) as exc:
            run_monitor(arc)
        assert "DANGAN_ALERT_WORK_HOURS" in exc.value.message
    finally:
        arc.close()
    arc = _open(tmp_path, alert_timezone="Mars/Olympus")
    try:
        with pytest.raises(ConfigurationError) as exc:
            run_monitor(arc)
        assert "DANGAN_ALERT_TIMEZONE" in exc.value.message
    finally:
        arc.close()


def test_the_serve_thread_runs_the_rules(tmp_path: Path) -> None:
    import time

    arc = _open(tmp_path, alert_interval_seconds=0.05)
    try:
        _downloads(arc, "zhang", 3)
        with monitoring(arc) as thread:
            assert thread is not None
            for _ in range(200):  # wait for the thread's first run (up to 10 s), not a timing assertion
                if _alerts(arc):
                    break
                time.sleep(0.05)
        assert not thread.is_alive()
        assert [a.rule for a in _alerts(arc)] == ["bulk_download"]
    finally:
        arc.close()


def test_runs_on_both_catalogue_backends(any_archive: Archive) -> None:
    for _ in range(50):  # the default threshold (default hours too: an off-hours alert may come along)
        log_event(any_archive, "download", "zhang", "R1")
    raised = run_monitor(any_archive).raised
    assert [a["rule"] for a in raised if a["rule"] != "off_hours"] == ["bulk_download"]
    assert run_monitor(any_archive).raised == []
    with any_archive.db.read() as s:
        assert s.scalar(select(func.count()).select_from(Alert).where(Alert.rule == "bulk_download")) == 1


def test_0010_up_down_up(db_url: str) -> None:
    upgrade(db_url, "0010")
    engine = create_engine(db_url)
    try:
        assert "alert" in inspect(engine).get_table_names()
        assert "ix_event_actor" in {i["name"] for i in inspect(engine).get_indexes("event")}
        uniques = [u["column_names"] for u in inspect(engine).get_unique_constraints("alert")]
        assert ["rule", "subject", "window_key"] in uniques
        downgrade(db_url, "0009")
        inspector = inspect(engine)
        assert "alert" not in inspector.get_table_names()
        assert "ix_event_actor" not in {i["name"] for i in inspector.get_indexes("event")}
        upgrade(db_url)
        assert "alert" in inspect(engine).get_table_names()
    finally:
        engine.dispose()
