"""A per-client rate limit: a sliding one-minute window in memory."""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable

WINDOW = 60.0  # seconds


class RateLimiter:
    """At most `per_minute` hits per client in any 60 seconds; 0 means unlimited."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        """Args: per_minute: the limit. clock: seconds (a fake one in tests)."""
        self.per_minute = per_minute
        self.clock = clock
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, client: str) -> int:
        """Record a request; return 0 when allowed, else the seconds to wait (for Retry-After)."""
        if self.per_minute <= 0:
            return 0
        now = self.clock()
        with self._lock:
            hits = self._hits.setdefault(client, deque())
            while hits and now - hits[0] >= WINDOW:
                hits.popleft()
            if len(hits) >= self.per_minute:
                return max(1, math.ceil(WINDOW - (now - hits[0])))
            hits.append(now)
            if len(self._hits) > 10_000:  # forget idle clients so memory stays bounded
                self._hits = {k: v for k, v in self._hits.items() if v and now - v[-1] < WINDOW}
            return 0
