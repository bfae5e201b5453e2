"""A media process's measured headroom: how late its event loop runs and how much CPU it used
over the last seconds, and when it admitted its latest sessions. `admission.py` decides on
these figures; `Peers` asks before it takes a session.

Lag is the overshoot of a short sleep, measured by a monitor task, weighted by the time each
sample covers: one second of a blocked loop weighs as much as twenty quick ticks, so a stall is
not outvoted by the ticks around it. CPU is the process's own CPU time (every thread: aiortc
decodes in threads of its own) over a sliding window of wall time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque

from server.media.session.admission import AdmissionRules, Load, Refusal, refusal

log = logging.getLogger(__name__)

TICK_SECONDS = 0.05
"""How long the monitor sleeps between two lag samples."""
LAG_QUANTILE = 0.9
"""A loop late for more than a tenth of the window is late."""


def weighted_quantile(values: list[float], weights: list[float], q: float) -> float:
    """The smallest value at or below which at least `q` of the total weight lies."""
    if not values:
        return 0.0
    pairs = sorted(zip(values, weights, strict=True))
    total = sum(w for _, w in pairs)
    reached = 0.0
    for value, weight in pairs:
        reached += weight
        if reached >= q * total:
            return value
    return pairs[-1][0]


class Headroom:
    """The measurements of one media process; `start` and `stop` belong to its one owner."""

    def __init__(self, rules: AdmissionRules, *, tick_seconds: float = TICK_SECONDS) -> None:
        self.rules = rules
        self._tick = tick_seconds
        # (monotonic end, seconds covered, lag seconds) per sample, and (monotonic, CPU s).
        self._lags: deque[tuple[float, float, float]] = deque()
        self._cpu: deque[tuple[float, float]] = deque()
        self._admitted: deque[float] = deque()
        self._sleeping_since: float | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._sample_cpu(time.monotonic())
        self._task = asyncio.create_task(self._monitor(), name="headroom monitor")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def admitted(self) -> None:
        """A session was just admitted: its cost is reserved until the CPU window shows it."""
        self._admitted.append(time.monotonic())

    def load(self, *, sessions: int, decoding: int) -> Load:
        now = time.monotonic()
        self._forget(now)
        return Load(
            sessions=sessions,
            decoding=decoding,
            admitted_ages=tuple(now - at for at in self._admitted),
            lag_ms=self.lag_ms(now),
            cpu=self.cpu(now),
        )

    def refusal(self, *, sessions: int, decoding: int) -> Refusal | None:
        load = self.load(sessions=sessions, decoding=decoding)
        why = refusal(self.rules, load)
        if why is not None:
            # A warning: candidates are being turned away (they retry, then check locally).
            log.warning(
                "session refused (%s): lag %.0f ms, CPU %.2f cores, %d decoding, %d live",
                why,
                load.lag_ms,
                load.cpu,
                load.decoding,
                load.sessions,
            )
        return why

    def lag_ms(self, now: float | None = None) -> float:
        now = time.monotonic() if now is None else now
        self._forget(now)
        lags = [lag for _, _, lag in self._lags]
        weights = [covered for _, covered, _ in self._lags]
        # A tick overdue now counts too: the loop may have been stuck until this very call.
        if self._sleeping_since is not None and now - self._sleeping_since > self._tick:
            lags.append(now - self._sleeping_since - self._tick)
            weights.append(now - self._sleeping_since)
        return 1000.0 * weighted_quantile(lags, weights, LAG_QUANTILE)

    def cpu(self, now: float | None = None) -> float:
        """Cores used over the window (0 until a tenth of a second has been seen)."""
        now = time.monotonic() if now is None else now
        self._forget(now)
        if not self._cpu:
            return 0.0
        since, cpu_then = self._cpu[0]
        if now - since < 0.1:
            return 0.0
        return (time.process_time() - cpu_then) / (now - since)

    async def _monitor(self) -> None:
        while True:
            before = self._sleeping_since = time.monotonic()
            await asyncio.sleep(self._tick)
            after = time.monotonic()
            self._sleeping_since = None
            self._lags.append((after, after - before, max(0.0, after - before - self._tick)))
            self._sample_cpu(after)
            self._forget(after)

    def _sample_cpu(self, now: float) -> None:
        self._cpu.append((now, time.process_time()))

    def _forget(self, now: float) -> None:
        horizon = now - self.rules.window_seconds
        while self._lags and self._lags[0][0] < horizon:
            self._lags.popleft()
        # The oldest CPU sample kept is the last one at or before the horizon: the window is full.
        while len(self._cpu) > 1 and self._cpu[1][0] <= horizon:
            self._cpu.popleft()
        while self._admitted and self._admitted[0] < horizon:
            self._admitted.popleft()
