"""Webhook subscriptions: a business system of department A receives, signed with HMAC-SHA-256 of the
body, exactly the new records it may see (its own and B's 无条件共享 ones, never 不予共享), retried on the
back-off schedule when its receiver fails, every attempt in the delivery log; the CLI manages them."""

from __future__ import annotations

import json
import shutil
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy import insert, select, update
from typer.testing import CliRunner

from dangan.access.totp import code_at, time_step
from dangan.core import ValidationFailed, load_settings, utcnow
from dangan.services.accounts import add_user, confirm_totp, create_api_key, get_principal, start_totp
from dangan.services.archive import Archive, open_archive
from dangan.services.intake import import_paths
from dangan.services.preservation import rotate_master_key
from dangan.services.share import (
    RuleForm,
    add_subscription,
    delivery_log,
    remove_subscription,
    run_webhooks,
    set_rule,
)
from dangan.share import BACKOFF, MAX_ATTEMPTS, SIGNATURE_HEADER, next_try, sign, signature_ok
from dangan.store.catalog import Database, Record, Subscription, upgrade
from dangan.store.crypto import load_keyring, unseal_text
from tests.factories import package_dir

A, B = "秦皇岛市市场监督管理局", "秦皇岛市生态环境局"
SHAPES = {
    "a_new": (A, "食品经营许可"),
    "b_free_new": (B, "排污许可证核发"),
    "b_not_shared_new": (B, "辐射安全许可"),
}


class Receiver:
    """A local HTTP endpoint that answers 500 to the first `fail` posts, then 200; keeps every body."""

    def __init__(self, secret: str = "", fail: int = 0) -> None:
        self.secret, self.fail = secret, fail
        self.bodies: list[bytes] = []
        self.signed_ok: list[bool] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                receiver.signed_ok.append(
                    signature_ok(receiver.secret, body, self.headers.get(SIGNATURE_HEADER))
                )
                receiver.bodies.append(body)
                status = 500 if len(receiver.bodies) <= receiver.fail else 200
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def world(tmp_path: Path) -> Iterator[Archive]:
    archive = open_archive(load_settings(tmp_path / "data"))
    add_user(archive, "keeper", "Dangan@2024", "archivist", clearance="机密")
    keeper = get_principal(archive, "keeper")
    set_rule(
        archive, keeper, RuleForm(B, "无条件共享", "执法协查", matter="排污许可证核发", departments=(A,))
    )
    set_rule(archive, keeper, RuleForm(B, "不予共享", "不共享", matter="辐射安全许可", to_all=True))
    create_api_key(archive, "a-system", A, scope="read")
    try:
        yield archive
    finally:
        archive.close()


def _ingest(archive: Archive, root: Path) -> dict[str, str]:
    for i, (label, (dept, matter)) in enumerate(SHAPES.items()):
        package_dir(root, 600 + i, department=dept, matter={"code": f"S-{i}", "name": matter},
                    security_level="内部", open_to_public=False, title=f"订阅测试{label}")  # fmt: skip
    assert not import_paths(archive, [root]).rejected
    with archive.db.read() as s:
        return {r.title.removeprefix("订阅测试"): r.id for r in s.scalars(select(Record)).unique()}


def test_the_schedule_and_the_signature_are_what_receivers_rely_on() -> None:
    now = utcnow()
    waits = [next_try(n, now) for n in range(1, MAX_ATTEMPTS)]
    assert (
        [w - now for w in waits if w] == [timedelta(minutes=m) for m in (1, 5, 30, 120, 720)] == list(BACKOFF)
    )
    assert next_try(MAX_ATTEMPTS, now) is None
    body = '{"a":"档案"}'.encode()
    assert sign("k", body).startswith("sha256=") and signature_ok("k", body, sign("k", body))
    assert not signature_ok("k", body + b" ", sign("k", body)) and not signature_ok(
        "other", body, sign("k", body)
    )


def test_a_failing_receiver_gets_exactly_the_shared_records_after_back_off(
    world: Archive, tmp_path: Path
) -> None:
    receiver = Receiver(fail=2)
    try:
        info, secret = add_subscription(world, "a-system", receiver.url)
        receiver.secret = secret
        ids = _ingest(world, tmp_path / "in")
        t0 = utcnow()
        first = run_webhooks(world, t0, timeout=5)
        assert (first.made, first.delivered, first.retried) == (1, 0, 1)
        assert run_webhooks(world, t0 + timedelta(seconds=30), timeout=5).as_json()["retried"] == 0  # not due
        assert run_webhooks(world, t0 + timedelta(seconds=61), timeout=5).retried == 1
        third = run_webhooks(world, t0 + timedelta(seconds=61 + 300), timeout=5)
        assert third.delivered == 1
        assert len(receiver.bodies) == 3 and all(receiver.signed_ok)
        assert len(set(receiver.bodies)) == 1  # a retry sends the same signed bytes
        doc = json.loads(receiver.bodies[-1])
        got = {e["record_id"] for e in doc["entries"]}
        assert got == {ids["a_new"], ids["b_free_new"]}  # never the 不予共享 one
        assert all(
            e["change"] == "created" and "*" in (e["record"]["id_number"] or "*") for e in doc["entries"]
        )
        (log,) = delivery_log(world, system="a-system")
        assert log["status"] == "delivered" and log["attempts"] == 3 and log["next_try_at"] is None
        assert [t["status_code"] for t in log["tries"]] == [500, 500, 200]
        assert run_webhooks(world, t0 + timedelta(hours=1), timeout=5).made == 0  # nothing new, nothing sent
        remove_subscription(world, info.id)
        _ingest(world, tmp_path / "more")
        assert run_webhooks(world, t0 + timedelta(hours=2), timeout=5).made == 0
    finally:
        receiver.close()


def test_a_delivery_is_given_up_after_the_schedule(world: Archive, tmp_path: Path) -> None:
    add_subscription(world, "a-system", "http://127.0.0.1:9/closed")  # nothing listens on the discard port
    _ingest(world, tmp_path / "in")
    at = utcnow()
    for n in range(MAX_ATTEMPTS):
        run_webhooks(world, at, timeout=2)
        at = at + (BACKOFF[n] if n < len(BACKOFF) else timedelta(0)) + timedelta(seconds=1)
    (log,) = delivery_log(world, system="a-system")
    assert log["status"] == "failed" and log["attempts"] == MAX_ATTEMPTS and log["next_try_at"] is None
    assert all(t["status_code"] is None and t["error"] for t in log["tries"])


def test_bad_subscriptions_are_refused_and_nothing_is_written(world: Archive) -> None:
    for system, url, code in (
        ("a-system", "ftp://x/y", "invalid_url"),
        ("no-such-system", "http://x/y", "no_read_key"),
    ):
        with pytest.raises(ValidationFailed) as err:
            add_subscription(world, system, url)
        assert err.value.code == code and any("\u4e00" <= ch <= "\u9fff" for ch in err.value.message)
    assert delivery_log(world) == []


def test_the_cli_adds_lists_and_shows_deliveries(world: Archive) -> None:
    from dangan.cli import app

    home = str(world.settings.home)
    runner = CliRunner()
    added = runner.invoke(app, ["subscription", "add", "--system", "a-system", "--url", "http://127.0.0.1:9/h",
                                "--data", home, "--json"])  # fmt: skip
    assert added.exit_code == 0, added.output
    doc = json.loads(added.stdout)
    assert doc["secret"].startswith("whsec_") and doc["department"] == A
    listed = json.loads(runner.invoke(app, ["subscription", "list", "--data", home, "--json"]).stdout)
    assert [s["id"] for s in listed["subscriptions"]] == [doc["id"]] and "secret" not in listed[
        "subscriptions"
    ][0]
    shown = runner.invoke(
        app, ["subscription", "deliveries", "--system", "a-system", "--data", home, "--json"]
    )
    assert json.loads(shown.stdout) == {"deliveries": []}
    bad = runner.invoke(app, ["subscription", "add", "--system", "a-system", "--url", "nope", "--data", home])
    assert bad.exit_code == 2
    removed = runner.invoke(app, ["subscription", "remove", doc["id"], "--data", home, "--json"])
    assert removed.exit_code == 0 and json.loads(removed.stdout)["active"] is False


def test_the_system_administrators_page_adds_and_shows_the_log(world: Archive) -> None:
    from fastapi.testclient import TestClient

    from dangan.web import create_app
    from tests.web.conftest import csrf_of, login

    add_user(world, "sysadmin", "Dangan@2024", "sysadmin")
    add_user(world, "clerk_a", "Dangan@2024", "clerk", department=A)
    app = create_app(world)
    with TestClient(app, follow_redirects=False) as admin, TestClient(app, follow_redirects=False) as clerk:
        assert login(admin, "sysadmin", "Dangan@2024").status_code == 303
        page = admin.get("/admin/subscriptions")
        assert page.status_code == 200 and "新建订阅" in page.text
        form = {"system": "a-system", "url": "http://127.0.0.1:9/h", "csrf_token": csrf_of(page.text)}
        made = admin.post("/admin/subscriptions", data=form)
        assert made.status_code == 201 and 'id="new-secret">whsec_' in made.text
        bad = admin.post("/admin/subscriptions", data={**form, "url": "javascript:alert(1)"})
        assert "回调地址须为" in bad.text
        assert login(clerk, "clerk_a", "Dangan@2024").status_code == 303
        assert clerk.get("/admin/subscriptions").status_code == 403
        assert clerk.get("/api/v1/subscriptions").status_code == 403
        listed = admin.get("/api/v1/subscriptions").json()
        assert [s["system"] for s in listed["subscriptions"]] == ["a-system"]


def _stored_secret(archive: Archive, sub_id: str) -> str:
    with archive.db.read() as s:
        row = s.get(Subscription, sub_id)
        assert row is not None
        return row.secret


def _set_stored_secret(archive: Archive, sub_id: str, value: str) -> None:
    with archive.db.write() as s:
        row = s.get(Subscription, sub_id)
        assert row is not None
        row.secret = value


def test_the_signing_secret_is_sealed_and_opens_only_for_its_own_subscription(
    world: Archive, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    receiver = Receiver()
    try:
        info, secret = add_subscription(world, "a-system", receiver.url)
        other, other_secret = add_subscription(world, "a-system", receiver.url + "/other")
        stored = _stored_secret(world, info.id)
        assert secret not in stored and "whsec_" not in stored, (
            "a copy of the catalogue holds no usable secret"
        )
        assert set(json.loads(stored)) == {"ct", "key", "nonce"}
        # A sealed secret moved onto another row does not open: that delivery waits, the other goes.
        _set_stored_secret(world, other.id, stored)
        _ingest(world, tmp_path / "in")
        receiver.secret = secret
        report = run_webhooks(world, utcnow(), timeout=5)
        assert report.delivered == 1 and receiver.signed_ok == [True]
        assert any(other.id in r.getMessage() for r in caplog.records if r.levelname == "ERROR")
        waiting = [d for d in delivery_log(world, system="a-system") if d["status"] == "pending"]
        assert len(waiting) == 1 and waiting[0]["attempts"] == 0
        assert other_secret != secret
    finally:
        receiver.close()


def test_a_secret_kept_in_clear_before_0029_is_sealed_on_first_use_and_still_signs(
    world: Archive, tmp_path: Path
) -> None:
    receiver = Receiver()
    try:
        info, secret = add_subscription(world, "a-system", receiver.url)
        _set_stored_secret(world, info.id, secret)  # as migration 0028 stored it
        receiver.secret = secret
        _ingest(world, tmp_path / "in")
        assert run_webhooks(world, utcnow(), timeout=5).delivered == 1 and receiver.signed_ok == [True]
        stored = _stored_secret(world, info.id)
        assert (
            secret not in stored
            and unseal_text(world.objects.keyring, stored, f"webhook:{info.id}") == secret
        )
    finally:
        receiver.close()


def test_a_key_rotation_rewraps_the_secrets_so_the_retired_key_can_go(world: Archive, tmp_path: Path) -> None:
    receiver = Receiver()
    try:
        info, secret = add_subscription(world, "a-system", receiver.url)
        enrolment = start_totp(world, "keeper")  # a second factor, sealed the same way
        old_key = world.objects.keyring.current.key_id
        before = _stored_secret(world, info.id)
        rotated = rotate_master_key(world, "keeper")
        assert rotated["secrets_rewrapped"] == 2 and rotated["old_key_id"] == old_key
        after = _stored_secret(world, info.id)
        assert (
            json.loads(after)["key"]["key_id"] == rotated["new_key_id"] != json.loads(before)["key"]["key_id"]
        )
        assert json.loads(after)["ct"] == json.loads(before)["ct"], "only the data key is re-wrapped"
        # The retired key discarded: the webhook still signs.
        shutil.rmtree(world.settings.master_key_path.parent / "retired")
        world.objects.use_keyring(load_keyring(world.settings.master_key_path, None))
        receiver.secret = secret
        _ingest(world, tmp_path / "in")
        assert run_webhooks(world, utcnow(), timeout=5).delivered == 1 and receiver.signed_ok == [True]
        now = time.time()
        assert confirm_totp(world, "keeper", code_at(enrolment.secret, time_step(now)), now), "TOTP opens too"
    finally:
        receiver.close()


def test_migration_0029_makes_room_for_a_sealed_secret(db_url: str) -> None:
    upgrade(db_url, "0028")
    db = Database(db_url)
    try:
        row = {"id": "01SUB0000000000000000000AA", "system": "s", "department": A, "clearance": "内部",
               "url": "http://127.0.0.1:9/h", "secret": "whsec_" + "x" * 43, "cursor": -1, "active": True,
               "created_at": utcnow(), "created_by": "t"}  # fmt: skip
        with db.write() as s:
            s.execute(insert(Subscription).values(**row))
        db.dispose()
        upgrade(db_url, "0029")
        db = Database(db_url)
        sealed = json.dumps(
            {"ct": "c" * 200, "key": {"key_id": "k", "wrapped": "w" * 120}, "nonce": "n" * 16}
        )
        with db.write() as s:
            s.execute(update(Subscription).values(secret=sealed))  # over 128 characters
        with db.read() as s:
            assert s.scalar(select(Subscription.secret)) == sealed
    finally:
        db.dispose()
