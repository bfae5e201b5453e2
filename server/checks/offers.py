"""How often offers may start media sessions: per check link and per client address, in a
sliding window.

An offer costs a peer connection, UDP sockets and connectivity checks, so a link (or an address)
that posts them in a loop is told to wait with 429 + `Retry-After`. A candidate reloading the
page posts one offer a load (four when the server is busy and the page asks again), far below
the limits. Counts are kept in this process's memory: one instance's guarantee, forgotten on a
restart (what they bound is a rate). The multi-instance store replaces `OfferWindow` behind
`OfferLimits.take`.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable

from server.errors import TooManyOffers

WINDOW_SECONDS = 600.0
"""Ten minutes: a page reloaded a few times stays well inside a limit over this long."""
MAX_KEYS = 100_000
"""Past this many links or addresses the least recently counted are forgotten."""


class OfferWindow:
    """Events per key over the last `seconds`, at most `limit` of them."""

    def __init__(self, limit: int, seconds: float) -> None:
        self.limit = limit
        self.seconds = seconds
        self._times: dict[str, deque[float]] = {}

    def retry_after(self, key: str, now: float) -> int | None:
        """Seconds until `key` may have one more, or None if it may now."""
        times = self._times.get(key)
        if times is None:
            return None
        while times and times[0] <= now - self.seconds:
            times.popleft()
        if not times:
            del self._times[key]
            return None
        if len(times) < self.limit:
            return None
        return max(1, math.ceil(times[0] + self.seconds - now))

    def remove_newest(self, key: str) -> None:
        times = self._times.get(key)
        if times:
            times.pop()

    def add(self, key: str, now: float) -> None:
        times = self._times.pop(key, None) or deque(maxlen=self.limit)
        times.append(now)
        self._times[key] = times  # re-inserted: the dict's order is least recently counted
        while len(self._times) > MAX_KEYS:
            del self._times[next(iter(self._times))]


class OfferLimits:
    def __init__(
        self,
        per_link: int,
        per_address: int,
        *,
        seconds: float = WINDOW_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._links = OfferWindow(per_link, seconds)
        self._addresses = OfferWindow(per_address, seconds)
        self._clock = clock

    def take(self, link: str, address: str) -> None:
        """Counts one offer for the link and the address, or raises TooManyOffers (429) and
        counts nothing. No await inside: concurrent offers cannot all pass the check."""
        now = self._clock()
        waits = [
            wait
            for wait in (
                self._links.retry_after(link, now),
                self._addresses.retry_after(address, now),
            )
            if wait is not None
        ]
        if waits:
            raise TooManyOffers(
                "too many check starts; wait a little and try again", retry_after=max(waits)
            )
        self._links.add(link, now)
        self._addresses.add(address, now)

    def give_back(self, link: str, address: str) -> None:
        """Uncounts one offer `take` counted: it started no session (the media side was busy
        or refused it), and the page's retries on a busy server must not use up its limit."""
        self._links.remove_newest(link)
        self._addresses.remove_newest(address)
