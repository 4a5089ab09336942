"""TOTP arithmetic against RFC 6238's own test vector, clock drift, and the replay rule."""

from __future__ import annotations

import base64
from urllib.parse import parse_qs, urlsplit

from dangan.access import matching_step, new_recovery_codes, new_secret, provisioning_uri, recovery_digest
from dangan.access.totp import code_at, time_step

RFC_SECRET = base64.b32encode(b"12345678901234567890").decode()  # RFC 6238 Appendix B, SHA-1


def test_rfc6238_vectors_truncated_to_six_digits() -> None:
    # Appendix B gives 8 digits: 94287082 at T=59, 07081804 at T=1111111109, 14050471 at T=1111111111.
    assert code_at(RFC_SECRET, time_step(59)) == "287082"
    assert code_at(RFC_SECRET, time_step(1111111109)) == "081804"
    assert code_at(RFC_SECRET, time_step(1111111111)) == "050471"


def test_one_step_of_drift_either_way_and_no_more() -> None:
    now = 1_800_000_000.0
    step = time_step(now)
    for offset in (-1, 0, 1):
        assert matching_step(RFC_SECRET, code_at(RFC_SECRET, step + offset), now) == step + offset
    assert matching_step(RFC_SECRET, code_at(RFC_SECRET, step - 2), now) is None
    assert matching_step(RFC_SECRET, code_at(RFC_SECRET, step + 2), now) is None


def test_a_code_at_or_before_the_last_used_step_is_refused() -> None:
    now = 1_800_000_000.0
    step = time_step(now)
    code = code_at(RFC_SECRET, step)
    assert matching_step(RFC_SECRET, code, now, after_step=step - 1) == step
    assert matching_step(RFC_SECRET, code, now, after_step=step) is None  # replay within the window
    older = code_at(RFC_SECRET, step - 1)
    assert matching_step(RFC_SECRET, older, now, after_step=step) is None  # an older code too


def test_malformed_codes_never_match() -> None:
    for bad in ("", "12345", "1234567", "abcdef", "28708２"):
        assert matching_step(RFC_SECRET, bad, 59) is None
    assert matching_step(RFC_SECRET, "287 082", 59) == 1  # spaces as apps display them


def test_secrets_uris_and_recovery_codes() -> None:
    secret = new_secret()
    assert len(base64.b32decode(secret)) == 20 and secret != new_secret()
    uri = provisioning_uri(secret, "zhang.san", "秦皇岛市行政审批档案馆")
    parts = urlsplit(uri)
    assert parts.scheme == "otpauth" and parts.netloc == "totp"
    assert parse_qs(parts.query)["secret"] == [secret]
    assert parse_qs(parts.query)["issuer"] == ["秦皇岛市行政审批档案馆"]
    codes = new_recovery_codes()
    assert len(codes) == len(set(codes)) == 8
    assert recovery_digest(codes[0]) == recovery_digest(" " + codes[0].upper().replace("-", " ") + " ")
    assert recovery_digest(codes[0]) != recovery_digest(codes[1])
