"""Every event written while a web request is served says from where: `record_event` adds the client.

Before, only access events (`log_event`) carried the address; API-key, user-admin, login and
utilization events written with `record_event` directly did not.
"""

from __future__ import annotations

from sqlalchemy import select

from dangan.services.accounts import add_user, create_api_key
from dangan.services.archive import CLIENT_ADDRESS, Archive, log_event
from dangan.store.catalog import Event

DEPT = "秦皇岛市市场监督管理局"


def _last(archive: Archive, kind: str) -> Event:
    with archive.db.read() as s:
        event = s.scalars(select(Event).where(Event.kind == kind).order_by(Event.id.desc())).first()
    assert event is not None
    return event


def test_events_inside_a_request_carry_the_client_address(archive: Archive) -> None:
    token = CLIENT_ADDRESS.set("203.0.113.7")
    try:
        create_api_key(archive, "sys.a", DEPT, actor="secadmin")
        add_user(archive, "reader2", "Dangan@2024", "reader", clearance="内部")
        log_event(archive, "denied", "reader2", None, {"path": "/x", "client": "198.51.100.1"})
    finally:
        CLIENT_ADDRESS.reset(token)
    assert _last(archive, "apikey_create").detail["client"] == "203.0.113.7"
    assert _last(archive, "user_add").detail["client"] == "203.0.113.7"
    # an address the caller already named is kept, never overwritten
    assert _last(archive, "denied").detail == {"path": "/x", "client": "198.51.100.1"}


def test_events_outside_a_request_have_no_client(archive: Archive) -> None:
    create_api_key(archive, "sys.b", DEPT, actor="cli")
    assert "client" not in _last(archive, "apikey_create").detail
