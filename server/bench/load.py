"""Cheap candidates for the media benchmark: aiortc peers that send pre-encoded media and count
what comes back without decoding it, so the load generator costs far less than the server."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import fractions
import json
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import av
import numpy as np
from aiortc import MediaStreamTrack

from server.bench.candidate import FakeCandidate
from server.bench.mix import CONNECT_SPACING, Arrival
from server.bench.visit import Visit, sleep_until, visit
from server.media.rtc.internals import host_addresses, on_keyframe_request

FPS = 15
WIDTH, HEIGHT = 640, 480
VIDEO_CLOCK = 90000
AUDIO_RATE = 48000
AUDIO_FRAME = 960
LOOP_SECONDS = 2


@dataclass(frozen=True)
class Media:
    """Two seconds of VP8 video (one keyframe, then deltas) and Opus audio, encoded once."""

    video: list[bytes]
    audio: list[bytes]


def encode_media(seed: int = 1) -> Media:
    rng = np.random.default_rng(seed)
    video = av.CodecContext.create("libvpx", "w")
    assert isinstance(video, av.VideoCodecContext)
    video.width, video.height, video.pix_fmt = WIDTH, HEIGHT, "yuv420p"
    video.time_base = fractions.Fraction(1, FPS)
    video.bit_rate = 800_000
    video.options = {"deadline": "realtime", "cpu-used": "8", "lag-in-frames": "0"}
    video.gop_size = FPS * LOOP_SECONDS * 10
    frames: list[bytes] = []
    base = np.full((HEIGHT, WIDTH), 130, dtype=np.int16)
    for i in range(FPS * LOOP_SECONDS):
        # A room with sensor noise: the encoder spends what a real camera's picture costs.
        luma = np.clip(base + rng.normal(0, 3, base.shape), 0, 255).astype(np.uint8)
        chroma = np.full((HEIGHT // 2, WIDTH), 128, dtype=np.uint8)
        frame = av.VideoFrame.from_ndarray(np.vstack([luma, chroma]), format="yuv420p")
        frame.pts = i
        frames += [bytes(p) for p in video.encode(frame)]
    frames += [bytes(p) for p in video.encode(None)]
    audio = av.CodecContext.create("libopus", "w")
    assert isinstance(audio, av.AudioCodecContext)
    audio.sample_rate, audio.layout, audio.format = AUDIO_RATE, "stereo", "s16"
    audio.bit_rate = 32_000
    t = np.arange(AUDIO_RATE * LOOP_SECONDS) / AUDIO_RATE
    voice = 0.1 * np.sin(2 * np.pi * 180 * t) * (0.5 + 0.5 * np.sin(2 * np.pi * 4 * t))
    samples = (voice * 32767).astype(np.int16)
    packets: list[bytes] = []
    for start in range(0, samples.size, AUDIO_FRAME):
        chunk = np.repeat(samples[start : start + AUDIO_FRAME], 2).reshape(1, -1)
        sound = av.AudioFrame.from_ndarray(chunk, format="s16", layout="stereo")
        sound.sample_rate = AUDIO_RATE
        sound.pts = start
        packets += [bytes(p) for p in audio.encode(sound)]
    return Media(video=frames, audio=packets)


class EncodedTrack(MediaStreamTrack):
    """Plays pre-encoded frames in a loop, in real time."""

    def __init__(self, kind: str, frames: list[bytes], step: int, clock: int, rate: float) -> None:
        super().__init__()
        self.kind = kind
        self.frames = frames
        self.step, self.clock, self.rate = step, clock, rate
        self.sent = 0
        self._offset = 0
        self._start: float | None = None

    def restart(self) -> None:
        """A keyframe was asked for, as a browser would answer it: the loop starts with one."""
        self._offset = self.sent

    async def recv(self) -> av.Packet[Any]:
        if self._start is None:
            self._start = time.monotonic()
        await asyncio.sleep(max(0.0, self._start + self.sent / self.rate - time.monotonic()))
        packet = av.Packet(self.frames[(self.sent - self._offset) % len(self.frames)])
        packet.pts = self.sent * self.step
        packet.time_base = fractions.Fraction(1, self.clock)
        self.sent += 1
        return packet


def candidate(media: Media, loopback: bool) -> FakeCandidate:
    """A candidate sending the pre-encoded media, answering a keyframe request as a browser
    does (its loop restarts at its keyframe), counting the loopback without decoding it."""
    video = EncodedTrack("video", media.video, VIDEO_CLOCK // FPS, VIDEO_CLOCK, FPS)
    audio = EncodedTrack("audio", media.audio, AUDIO_FRAME, AUDIO_RATE, AUDIO_RATE / AUDIO_FRAME)
    person = FakeCandidate(video, audio, decode_loopback=False, receive=loopback)
    for transceiver in person.pc.getTransceivers():
        if transceiver.sender.track is video:
            on_keyframe_request(transceiver.sender, video.restart)
    return person


@dataclass(frozen=True)
class Plan:
    """One load-generator process's share: its checks, when each arrives and how long it takes
    to answer the speakers step, and the measured window (wall clock)."""

    base_url: str
    tokens: list[str]
    loopback: bool
    start_at: float
    end_at: float
    arrivals: list[Arrival] = dataclasses.field(default_factory=list)
    """One per token; none: all at once, answering the speakers step at once."""
    arrive_from: float = 0.0
    """Wall clock the arrivals' offsets count from."""

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Plan:
        return cls(**{**data, "arrivals": [Arrival(**a) for a in data.get("arrivals", [])]})


@dataclass(frozen=True)
class Seen:
    """What one candidate saw, from when it was watched to the end of the window."""

    error: str
    metrics_at: list[float]
    received_fps: list[float]
    loopback_frames: int
    seconds: float = 0.0
    """How long it was watched; 0: the whole window."""
    admitted: bool = True
    """The server answered its offer."""
    refused: bool = False
    """It got 503 to its offer and to every retry."""
    busy: int = 0
    """503 answers it got."""


@contextlib.asynccontextmanager
async def arriving(
    http: aiohttp.ClientSession, base_url: str, tokens: list[str], media: Media, loopback: bool
) -> AsyncIterator[list[tuple[FakeCandidate, str]]]:
    """Candidates connecting one by one, not in one burst of offers; each with the error that
    stopped it (or ""). All are closed on the way out."""
    people: list[tuple[FakeCandidate, str]] = []
    try:
        for token in tokens:
            person = candidate(media, loopback)
            try:
                await person.connect(http, token, base_url)
                people.append((person, ""))
            except Exception as exc:
                people.append((person, f"{type(exc).__name__}: {exc}"))
            await asyncio.sleep(0.05)
        yield people
    finally:
        await asyncio.gather(*(p.close() for p, _ in people), return_exceptions=True)


async def run_plan(plan: Plan, media: Media) -> list[Seen]:
    arrivals = plan.arrivals or [Arrival(CONNECT_SPACING * i, 0.0) for i in range(len(plan.tokens))]
    visits = [Visit(candidate(media, plan.loopback)) for _ in plan.tokens]
    async with aiohttp.ClientSession() as http:
        tasks = [
            asyncio.create_task(
                visit(
                    v,
                    http,
                    plan.base_url,
                    token,
                    arrival,
                    arrive_at=plan.arrive_from + arrival.offset,
                    window_start=plan.start_at,
                )
            )
            for v, token, arrival in zip(visits, plan.tokens, arrivals, strict=True)
        ]
        try:
            await sleep_until(plan.end_at)
            return [seen(v, plan.end_at) for v in visits]
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await asyncio.gather(*(v.person.close() for v in visits), return_exceptions=True)


def seen(visit: Visit, end_at: float) -> Seen:
    person, since = visit.person, visit.watched_from
    error = visit.error or ("no metrics in the window" if visit.admitted and since is None else "")
    return Seen(
        error=error,
        metrics_at=[] if since is None else [t for t in person.metrics_at if since <= t <= end_at],
        received_fps=person.received_fps[-8:],
        loopback_frames=0 if since is None else person.received["video"] - visit.frames_before,
        seconds=0.0 if since is None else end_at - since,
        admitted=visit.admitted,
        # Still waiting to be let in when the window ends is being refused too.
        refused=visit.refused or (visit.busy > 0 and not visit.admitted),
        busy=visit.busy,
    )


def main() -> None:
    """`python -m server.bench.load`: a Plan as JSON on stdin, the candidates' figures on stdout."""
    plan = Plan.from_json(json.load(sys.stdin))
    with host_addresses(("127.0.0.1",)):
        seen = asyncio.run(run_plan(plan, encode_media()))
    json.dump([dataclasses.asdict(s) for s in seen], sys.stdout)


if __name__ == "__main__":
    main()
