"""`greenroom bench media --soak N`: N short sessions, two at a time, against a server with
media workers; the memory of the server and of each worker is sampled every `SAMPLE_EVERY`
sessions, with nothing live. Whether memory comes back down is read from the samples."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import urllib.request
from dataclasses import dataclass, field

import aiohttp

from server.bench.load import Media, arriving
from server.bench.procfs import own_rss_mb, process_tree
from server.bench.server import Server

SAMPLE_EVERY = 100
"""Sessions between two samples."""
AT_ONCE = 2
"""Candidates connecting and leaving together."""
STREAM_SECONDS = 0.5
"""How long a candidate stays after the server's first live reading reached it."""
FIRST_METRICS_SECONDS = 10.0
"""A candidate that has no live reading within this long counts as a failure."""
QUIET_SECONDS = 15.0
"""How long a sample waits for the server to report no live session."""
SETTLE_SECONDS = 2.0
"""And then, for what a worker does once its sessions have ended (it trims its heap)."""


@dataclass(frozen=True)
class Sample:
    sessions: int
    """Sessions run before this sample."""
    server_mb: float
    """The HTTP process alone."""
    workers_mb: list[float]
    """Each media worker, by pid order (a recycled worker's replacement is a new pid)."""
    total_mb: float
    worker_pids: list[int]
    failures: int
    """Failures so far."""
    seconds: float
    """Since the soak started."""


@dataclass
class Soak:
    sessions: int
    workers: int
    failures: int = 0
    samples: list[Sample] = field(default_factory=list)

    @property
    def growth_first_mb(self) -> float:
        """Total RSS from the first sample to the next: warm-up."""
        if len(self.samples) < 2:
            return 0.0
        return round(self.samples[1].total_mb - self.samples[0].total_mb, 1)

    @property
    def growth_after_per_100_mb(self) -> float:
        """Total RSS per 100 sessions after the first sample interval: what a leak would be."""
        if len(self.samples) < 3:
            return 0.0
        first, last = self.samples[1], self.samples[-1]
        return round(100 * (last.total_mb - first.total_mb) / (last.sessions - first.sessions), 2)

    def summary(self) -> dict[str, object]:
        return {
            "sessions": self.sessions,
            "workers": self.workers,
            "at_once": AT_ONCE,
            "failures": self.failures,
            "growth_first_mb": self.growth_first_mb,
            "growth_after_per_100_mb": self.growth_after_per_100_mb,
            "samples": [s.__dict__ for s in self.samples],
        }


def live_sessions(server: Server) -> int:
    with urllib.request.urlopen(server.base_url + "/healthz", timeout=5) as response:
        return int(json.load(response).get("sessions", 0))


async def quiet(server: Server) -> None:
    """Until the server says no session is live (closing ones settle their checks first)."""
    deadline = time.monotonic() + QUIET_SECONDS
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError, ValueError):
            if await asyncio.to_thread(live_sessions, server) == 0:
                break
        await asyncio.sleep(0.2)
    await asyncio.sleep(SETTLE_SECONDS)


def sample(server: Server, sessions: int, failures: int, started: float) -> Sample:
    pid = server.process.pid
    # Each process on its own: a replaced worker may stop between two reads (then it is left out).
    read = [(p, round(own_rss_mb(p), 1)) for p in sorted(process_tree(pid)) if p != pid]
    workers = [p for p, mb in read if mb]
    workers_mb = [mb for _, mb in read if mb]
    server_mb = round(own_rss_mb(pid), 1)
    return Sample(
        sessions=sessions,
        server_mb=server_mb,
        workers_mb=workers_mb,
        total_mb=round(server_mb + sum(workers_mb), 1),
        worker_pids=workers,
        failures=failures,
        seconds=round(time.monotonic() - started, 1),
    )


async def pair(http: aiohttp.ClientSession, server: Server, tokens: list[str], media: Media) -> int:
    """Candidates connecting together, streaming briefly and leaving: how many failed."""
    failed = 0
    async with arriving(http, server.base_url, tokens, media, True) as people:
        for person, error in people:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(person.first_metrics.wait(), FIRST_METRICS_SECONDS)
            failed += bool(error) or not person.metrics_at
        await asyncio.sleep(STREAM_SECONDS)
    return failed


async def soak(
    server: Server, tokens: list[str], media: Media, sessions: int, workers: int
) -> Soak:
    """`sessions` sessions over `tokens` in turn, `AT_ONCE` at a time; a sample before the first
    and after every `SAMPLE_EVERY`, each once nothing is live."""
    result = Soak(sessions=sessions, workers=workers)
    started = time.monotonic()
    async with aiohttp.ClientSession() as http:
        # Warm up once, so that one-off imports and caches are in the first sample.
        await pair(http, server, tokens[:AT_ONCE], media)
        await quiet(server)
        result.samples.append(sample(server, 0, 0, started))
        done = 0
        while done < sessions:
            batch = [tokens[(done + i) % len(tokens)] for i in range(min(AT_ONCE, sessions - done))]
            result.failures += await pair(http, server, batch, media)
            done += len(batch)
            if done % SAMPLE_EVERY == 0 or done == sessions:
                await quiet(server)
                result.samples.append(sample(server, done, result.failures, started))
                print("soak:", json.dumps(result.samples[-1].__dict__), flush=True)
    return result
