"""Failed-login throttling per client address: password guessing across many accounts from one place.

The per-account lockout (services/users.py) stops guessing one password; this stops one address from
trying many accounts. Failures are counted in a sliding window in memory (per app process — behind several
processes each keeps its own count, which still bounds the rate); successful logins are not counted, so
an office behind one NAT address is not locked out by its own users.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

MAX_FAILURES = 20
WINDOW_SECONDS = 600.0
MAX_TRACKED = 10_000  # addresses remembered at most (the oldest are forgotten first)


class FailureLimiter:
    def __init__(
        self,
        max_failures: int = MAX_FAILURES,
        window: float = WINDOW_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.max_failures = max_failures
        self.window = window
        self._clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        hits = self._failures.get(key)
        if hits is None:
            return deque()
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        if not hits:
            del self._failures[key]
        return hits

    def blocked(self, key: str) -> bool:
        """True while `key` has had `max_failures` failures within the window."""
        with self._lock:
            return len(self._recent(key, self._clock())) >= self.max_failures

    def retry_after(self, key: str) -> int:
        """Seconds until the oldest counted failure leaves the window."""
        with self._lock:
            now = self._clock()
            hits = self._recent(key, now)
            return max(1, int(hits[0] + self.window - now) + 1) if hits else 0

    def failed(self, key: str) -> None:
        with self._lock:
            now = self._clock()
            hits = self._recent(key, now)
            if key not in self._failures:
                if len(self._failures) >= MAX_TRACKED:
                    self._failures.pop(next(iter(self._failures)))
                self._failures[key] = hits
            hits.append(now)


class RateLimiter:
    """At most `limit` requests per key in any `window` seconds (sliding log): the per-API-key budget.

    A business system that loops on a push cannot starve the archive; the refusal says when to retry.
    """

    def __init__(self, limit: int, window: float = 60.0, clock: Callable[[], float] = time.monotonic):
        self.limit = limit
        self.window = window
        self._clock = clock
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str) -> int:
        """Count one request; 0 when allowed, else the seconds until one is allowed again (not counted)."""
        with self._lock:
            now = self._clock()
            hits = self._hits.get(key)
            if hits is None:
                if len(self._hits) >= MAX_TRACKED:
                    self._hits.pop(next(iter(self._hits)))
                hits = self._hits[key] = deque()
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                return max(1, int(hits[0] + self.window - now) + 1)
            hits.append(now)
            return 0
