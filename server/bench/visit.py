"""One benchmark candidate's visit, as a person with the check page makes it: arrive at its time;
while the server is busy (503), wait as asked and post again, as the page does; answer the
speakers step after a while; then look at the result, with the loopback on, until the window
ends. What it saw is counted from when it is watched (its first metrics, or the window's start
if later) to the window's end."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

import aiohttp

from server.bench.candidate import FakeCandidate, OfferRefused
from server.bench.mix import Arrival
from server.models.messages import SpeakersAnswer

BUSY_RETRIES = 3
"""As the page (`BUSY_RETRIES` in widget/js/api.js): asked again this many times, then refused."""
MIN_WAIT_SECONDS = 1.0
MAX_WAIT_SECONDS = 8.0
"""The page's bounds on how long it waits as a `Retry-After` asks."""


@dataclass
class Visit:
    person: FakeCandidate
    admitted: bool = False
    """The server answered the offer."""
    refused: bool = False
    """503 to the offer and to every retry."""
    busy: int = 0
    """503 answers seen."""
    error: str = ""
    watched_from: float | None = None
    """Wall-clock start of what counts: first metrics, or the window's start if later."""
    frames_before: int = 0
    """Loopback frames that had come back before `watched_from`."""


async def sleep_until(wall_clock: float) -> None:
    await asyncio.sleep(max(0.0, wall_clock - time.time()))


async def visit(
    visit: Visit,
    http: aiohttp.ClientSession,
    base_url: str,
    token: str,
    arrival: Arrival,
    *,
    arrive_at: float,
    window_start: float,
) -> None:
    """Fills in `visit` as things happen; cancelled when the window ends."""
    person = visit.person
    if arrival.speakers_s > 0:
        person.speakers = "ignore"  # answered below, after a while
    await sleep_until(arrive_at)
    for attempt in range(BUSY_RETRIES + 1):
        try:
            await person.connect(http, token, base_url)
            break
        except OfferRefused as exc:
            if exc.status != 503:
                visit.error = str(exc)
                return
            visit.busy += 1
            if attempt == BUSY_RETRIES:
                visit.refused = True
                return
            wait = exc.retry_after or 0
            await asyncio.sleep(min(MAX_WAIT_SECONDS, max(MIN_WAIT_SECONDS, wait)))
        except Exception as exc:
            visit.error = f"{type(exc).__name__}: {exc}"
            return
    visit.admitted = True
    speakers = None
    if arrival.speakers_s > 0:
        speakers = asyncio.create_task(answer_speakers(person, arrival.speakers_s))
    try:
        await person.first_metrics.wait()
        await sleep_until(window_start)
        visit.watched_from = time.time()
        visit.frames_before = person.received["video"]
        if speakers is not None:
            await speakers
    finally:
        if speakers is not None:
            speakers.cancel()


async def answer_speakers(person: FakeCandidate, after: float) -> None:
    await person.next_message("step", within=3600)
    await asyncio.sleep(after)
    if person.channel.readyState == "open":
        person.send(SpeakersAnswer(heard=True))
