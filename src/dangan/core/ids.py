"""Identifiers: time-ordered so that rows created together sort together (good for B-trees and humans)."""

from __future__ import annotations

import os
import time


def new_id() -> str:
    """A 26-character, lexicographically time-ordered id (ULID layout, Crockford base32)."""
    alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    value = (int(time.time() * 1000) << 80) | int.from_bytes(os.urandom(10), "big")
    chars = []
    for _ in range(26):
        chars.append(alphabet[value & 31])
        value >>= 5
    return "".join(reversed(chars))
