"""Repeated timings of one operation, summarised the way targets are stated: p50, p95, max."""

from __future__ import annotations

import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Timing:
    runs: int
    p50_ms: float
    p95_ms: float
    max_ms: float


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile: the smallest value with at least `share` of them at or
    below it (so the p95 of 20 runs is the 19th fastest, never an interpolation)."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    rank = max(1, math.ceil(round(share * len(ordered), 9)))
    return ordered[rank - 1]


def summarise(seconds: list[float]) -> Timing:
    milliseconds = [1000 * s for s in seconds]
    return Timing(
        runs=len(milliseconds),
        p50_ms=round(percentile(milliseconds, 0.50), 2),
        p95_ms=round(percentile(milliseconds, 0.95), 2),
        max_ms=round(max(milliseconds), 2),
    )


async def timed(operation: Callable[[], Awaitable[Any]], runs: int, warmup: int) -> Timing:
    """`runs` timings of `operation` after `warmup` untimed ones (caches, prepared statements,
    the connection pool)."""
    for _ in range(warmup):
        await operation()
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        await operation()
        seconds.append(time.perf_counter() - started)
    return summarise(seconds)
