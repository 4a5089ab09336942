"""TOTP (RFC 6238) codes and recovery codes: the arithmetic only; storage and replay state live in services.

Codes are 6 digits over 30-second steps (what every authenticator app shows by default). One step either
side is accepted for clock drift, and the caller passes the last step already used so that a code, once
accepted, is refused for the rest of its window (a shoulder-surfed or phished code cannot be replayed).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

import pyotp

PERIOD = 30
DIGITS = 6
DRIFT_STEPS = 1
RECOVERY_CODES = 8
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: codes are read off paper
_CODE = re.compile(rf"^[0-9]{{{DIGITS}}}$")  # ASCII digits only (not full-width ones)


def new_secret() -> str:
    """A fresh base32 secret of 160 bits (RFC 4226's recommended length)."""
    return pyotp.random_base32(32)


def provisioning_uri(secret: str, username: str, issuer: str) -> str:
    """The otpauth:// URI an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=PERIOD).provisioning_uri(
        name=username, issuer_name=issuer
    )


def time_step(now: float) -> int:
    return int(now) // PERIOD


def code_at(secret: str, step: int) -> str:
    return pyotp.TOTP(secret, digits=DIGITS, interval=PERIOD).generate_otp(step)


def looks_like_code(code: str) -> bool:
    return bool(_CODE.match(code.replace(" ", "")))


def matching_step(secret: str, code: str, now: float, after_step: int = -1) -> int | None:
    """The time step `code` belongs to (within the drift allowed), if it is later than `after_step`."""
    code = code.replace(" ", "")
    if not _CODE.match(code):
        return None
    base = time_step(now)
    for step in range(max(0, base - DRIFT_STEPS), base + DRIFT_STEPS + 1):
        if step > after_step and hmac.compare_digest(code_at(secret, step), code):
            return step
    return None


def new_recovery_codes(count: int = RECOVERY_CODES) -> list[str]:
    """Single-use codes for a lost phone: 15 characters of a 31-letter alphabet (74 bits) each."""
    return [
        "-".join("".join(secrets.choice(_ALPHABET) for _ in range(5)) for _ in range(3)) for _ in range(count)
    ]


def normalize_recovery_code(code: str) -> str:
    return "".join(c for c in code.lower() if c.isalnum())


def recovery_digest(code: str) -> str:
    """How a recovery code is stored. 74 random bits make a plain SHA-256 as strong as a slow hash."""
    return hashlib.sha256(normalize_recovery_code(code).encode()).hexdigest()
