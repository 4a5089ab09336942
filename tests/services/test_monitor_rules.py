"""Each monitoring rule, pure: a case that triggers it and one that does not, and stable window keys."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from dangan.services.oversight._monitor_rules import (
    Ev,
    Thresholds,
    bulk_downloads,
    config_changes,
    evaluate,
    fixity_failures,
    heavy_readers,
    off_hours,
    parse_days,
    parse_hours,
    repeated_denials,
)

# Wednesday 2026-11-25 10:00 in Shanghai = 02:00 UTC: inside working hours.
WORK = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
T = Thresholds(
    bulk_downloads=5, bulk_minutes=10, denials=3, denial_minutes=10, peer_factor=3.0, peer_min_reads=10
)


def _evs(kind: str, actor: str, start: datetime, count: int, step: timedelta) -> list[Ev]:
    return [Ev(i, start + i * step, kind, actor, "R1") for i in range(count)]


def test_bulk_download_triggers_once_per_burst_with_a_stable_key() -> None:
    events = _evs("download", "zhang", WORK, 7, timedelta(minutes=1))
    found = bulk_downloads(events, T)
    assert [(f.rule, f.subject, f.detail["count"]) for f in found] == [("bulk_download", "zhang", 7)]
    # the next run sees the burst go on: still one finding, under the same key
    later = events + _evs("download", "zhang", WORK + timedelta(minutes=7), 3, timedelta(minutes=1))
    assert [(f.window_key, f.detail["count"]) for f in bulk_downloads(later, T)] == [
        ("2026-11-25T02:00Z", 10)
    ]
    assert found[0].window_key == "2026-11-25T02:00Z"


def test_bulk_download_below_threshold_or_spread_out_does_not_trigger() -> None:
    assert bulk_downloads(_evs("download", "zhang", WORK, 4, timedelta(minutes=1)), T) == []
    assert bulk_downloads(_evs("download", "zhang", WORK, 20, timedelta(minutes=3)), T) == []
    assert (
        bulk_downloads(_evs("view", "zhang", WORK, 20, timedelta(seconds=5)), T) == []
    )  # views are not downloads
    mixed = _evs("download", "a", WORK, 3, timedelta(minutes=1)) + _evs(
        "download", "b", WORK, 3, timedelta(minutes=1)
    )
    assert bulk_downloads(mixed, T) == []  # per user, not in total


def test_repeated_denials_trigger_and_not() -> None:
    denied = [
        *_evs("denied", "li", WORK, 2, timedelta(minutes=1)),
        Ev(9, WORK + timedelta(minutes=3), "login_failed", "li"),
    ]
    found = repeated_denials(denied, T)
    assert [(f.rule, f.subject, f.detail["count"]) for f in found] == [("repeated_denials", "li", 3)]
    assert repeated_denials(_evs("denied", "li", WORK, 3, timedelta(minutes=6)), T) == []
    assert repeated_denials(_evs("view", "li", WORK, 10, timedelta(seconds=1)), T) == []


def test_off_hours_triggers_at_night_and_at_weekends_not_in_office_hours() -> None:
    night = WORK.replace(hour=14)  # 22:00 Shanghai
    saturday = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)  # Saturday 11:00 Shanghai
    found = off_hours([Ev(1, night, "view", "wang", "R1"), Ev(2, saturday, "login", "wang"),
                       Ev(3, night, "view", "anonymous", "R2")], T)  # fmt: skip
    assert [(f.rule, f.subject, f.window_key) for f in found] == [
        ("off_hours", "wang", "2026-11-25"),
        ("off_hours", "wang", "2026-11-28"),
    ]
    inside = [
        Ev(1, WORK, "view", "wang"),
        Ev(2, WORK.replace(hour=9, minute=59), "download", "wang"),
    ]  # 17:59
    assert off_hours(inside, T) == []
    assert off_hours([Ev(1, night, "ingest", "wang")], T) == []  # not an access


def test_off_hours_uses_the_configured_hours_days_and_zone() -> None:
    t = Thresholds(work_start=time(0, 0), work_end=time(23, 59), workdays=frozenset(range(1, 8)), tz="UTC")
    assert off_hours([Ev(1, WORK.replace(hour=23, minute=0), "view", "wang")], t) == []
    assert parse_hours("08:30-17:30") == (time(8, 30), time(17, 30))
    assert parse_hours("00:00-24:00") == (time(0, 0), time.max)
    assert parse_days("1-5") == frozenset({1, 2, 3, 4, 5}) and parse_days("1,3,6-7") == frozenset(
        {1, 3, 6, 7}
    )
    for bad in ("18:00-08:00", "8点到6点"):
        with pytest.raises(ValueError):
            parse_hours(bad)
    with pytest.raises(ValueError):
        parse_days("0-8")


def test_heavy_reader_triggers_against_peers_and_minimum() -> None:
    step = timedelta(seconds=30)
    peers = [e for name in ("a", "b", "c") for e in _evs("view", name, WORK, 4, step)]
    found = heavy_readers(peers + _evs("view", "greedy", WORK, 13, step), T)
    assert [(f.rule, f.subject, f.window_key, f.detail["peer_median"]) for f in found] == [
        ("heavy_reader", "greedy", "2026-11-25", 4)
    ]
    # 12 is not more than 3 × 4; 9 reads are under the minimum of 10 even with no peers at all
    assert heavy_readers(peers + _evs("view", "busy", WORK, 12, step), T) == []
    assert heavy_readers(_evs("download", "alone", WORK, 9, step), T) == []
    assert [f.subject for f in heavy_readers(_evs("download", "alone", WORK, 10, step), T)] == ["alone"]


def test_fixity_failures_trigger_per_event_repairs_do_not() -> None:
    bad = Ev(
        7, WORK, "fixity_failure", "system", "R1", {"sha256": "ab" * 32, "locations": {"local": "damaged"}}
    )
    alert = Ev(
        8, WORK, "fixity_alert", "jobs", "R1", {"sha256": "cd" * 32, "locations": {"primary": "missing"}}
    )
    found = fixity_failures([bad, alert], T)
    assert [(f.rule, f.window_key, f.severity) for f in found] == [
        ("fixity_failure", "event-7", "高"),
        ("fixity_failure", "event-8", "高"),
    ]
    assert fixity_failures([Ev(9, WORK, "fixity_repair", "system", "R1", {"sha256": "ab" * 32})], T) == []


def test_config_changes_trigger_for_keys_and_users_not_for_reads() -> None:
    events = [Ev(1, WORK, "key_rotation", "ops"), Ev(2, WORK, "apikey_revoke", "admin"),
              Ev(3, WORK, "user_role", "sec"), Ev(4, WORK, "view", "sec", "R1")]  # fmt: skip
    found = config_changes(events, T)
    assert [(f.subject, f.window_key, f.detail["kind"]) for f in found] == [
        ("ops", "event-1", "key_rotation"), ("admin", "event-2", "apikey_revoke"), ("sec", "event-3", "user_role"),
    ]  # fmt: skip
    assert config_changes([Ev(4, WORK, "view", "sec", "R1"), Ev(5, WORK, "login", "sec")], T) == []
    changed = config_changes(
        [Ev(6, WORK, "user_update", "sec", None, {"username": "wang", "changes": {}})], T
    )
    assert "user_update wang（操作人 sec）" in changed[0].summary and changed[0].detail["username"] == "wang"


def test_evaluate_runs_every_rule() -> None:
    events = [*_evs("download", "zhang", WORK, 6, timedelta(seconds=10)), Ev(99, WORK, "key_rotation", "ops")]
    assert sorted({f.rule for f in evaluate(events, T)}) == ["bulk_download", "config_change"]
