"""Login hardening: failed logins throttled per address, and a password change revokes old sessions."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from dangan.core import ValidationFailed
from dangan.services.accounts import add_user, set_password
from dangan.services.archive import Archive
from dangan.store.catalog import Event
from dangan.web import create_app
from dangan.web.ratelimit import MAX_FAILURES, FailureLimiter
from tests.web.conftest import PASSWORD, login

NEW_PASSWORD = "Neues@2025x"


def test_limiter_counts_failures_in_a_sliding_window() -> None:
    now = [1000.0]
    limiter = FailureLimiter(max_failures=3, window=60, clock=lambda: now[0])
    for _ in range(3):
        assert not limiter.blocked("10.0.0.1")
        limiter.failed("10.0.0.1")
        now[0] += 10
    assert limiter.blocked("10.0.0.1") and not limiter.blocked("10.0.0.2")
    assert limiter.retry_after("10.0.0.1") == 31  # the first failure (t=1000) leaves at t=1060
    now[0] += 31
    assert not limiter.blocked("10.0.0.1")


@pytest.fixture
def app_archive(archive: Archive) -> Archive:
    add_user(archive, "keeper", PASSWORD, "archivist", clearance="秘密")
    return archive


def test_one_address_guessing_many_accounts_is_throttled(app_archive: Archive) -> None:
    with TestClient(create_app(app_archive), follow_redirects=False) as c:
        for n in range(MAX_FAILURES):
            assert login(c, f"guess{n}", "Wrong@pass1").status_code == 401
        refused = login(c, "keeper")  # even the right password waits
        assert refused.status_code == 429 and "登录失败次数过多" in refused.text
        assert int(refused.headers["retry-after"]) > 0
        assert c.get("/records").status_code == 303  # no session was made
    with TestClient(create_app(app_archive), follow_redirects=False) as fresh:
        assert login(fresh, "keeper").status_code == 303  # a successful login is never counted


def test_password_change_revokes_existing_sessions(app_archive: Archive) -> None:
    app = create_app(app_archive)
    with TestClient(app, follow_redirects=False) as old, TestClient(app, follow_redirects=False) as new:
        assert login(old, "keeper").status_code == 303
        assert old.get("/records").status_code == 200
        set_password(app_archive, "keeper", NEW_PASSWORD, actor="keeper")
        assert old.get("/records").status_code == 303  # the old session is void at once
        assert login(new, "keeper").status_code == 401
        assert login(new, "keeper", NEW_PASSWORD).status_code == 303
        assert new.get("/records").status_code == 200
    with app_archive.db.read() as s:
        assert s.scalar(select(Event).where(Event.kind == "password_change")) is not None


def test_password_change_keeps_the_policy(app_archive: Archive) -> None:
    with pytest.raises(ValidationFailed):
        set_password(app_archive, "keeper", "short")
