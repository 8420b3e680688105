"""Per-key rate limiting: an in-process token bucket.

In: a key name and the limit (requests per minute). Out: `RateLimiter.acquire()` returns 0 when the request
may proceed, else the whole seconds to wait (for `Retry-After`). Buckets hold `limit` tokens (the burst) and
refill at `limit / 60` per second. State lives in this process only: with `bloomtune serve --workers N` each
worker counts separately, so the effective limit is up to N times the setting.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self._clock = clock
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def acquire(self, key: str) -> int:
        """Take one token for `key`: 0 if granted, else seconds until one is available (at least 1)."""
        if self.per_minute <= 0:
            return 0
        rate = self.per_minute / 60.0
        now = self._clock()
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                bucket = self._buckets[key] = _Bucket(float(self.per_minute), now)
            bucket.tokens = min(float(self.per_minute), bucket.tokens + (now - bucket.updated) * rate)
            bucket.updated = now
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return 0
            return max(1, math.ceil((1.0 - bucket.tokens) / rate))
