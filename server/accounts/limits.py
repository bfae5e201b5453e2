"""Failed sign-ins counted per account and per address, in a sliding window.

Kept in this process's memory: one instance's guarantee (a shared store is the multi-instance
issue's work); what it bounds is guessing speed, so a restart that forgets is acceptable.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field

MAX_KEYS = 100_000
"""Past this many distinct keys the oldest are forgotten, so the table cannot grow unbounded."""


@dataclass
class FailureWindow:
    limit: int
    seconds: float
    _failures: dict[str, deque[float]] = field(default_factory=dict)

    def retry_after(self, key: str, now: float) -> int | None:
        """Seconds until `key` may try again, or None if it may now."""
        times = self._failures.get(key)
        if times is None:
            return None
        while times and times[0] <= now - self.seconds:
            times.popleft()
        if not times:
            del self._failures[key]
            return None
        if len(times) < self.limit:
            return None
        return max(1, math.ceil(times[0] + self.seconds - now))

    def fail(self, key: str, now: float) -> None:
        times = self._failures.pop(key, None) or deque(maxlen=self.limit)
        times.append(now)
        self._failures[key] = times  # re-inserted: the dict's order is least recently failed
        while len(self._failures) > MAX_KEYS:
            del self._failures[next(iter(self._failures))]

    def forget(self, key: str) -> None:
        self._failures.pop(key, None)
