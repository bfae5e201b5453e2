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
    """One load-generator process's share: its checks and the measured window (wall clock)."""

    base_url: str
    tokens: list[str]
    loopback: bool
    start_at: float
    end_at: float


@dataclass(frozen=True)
class Seen:
    """What one candidate saw in the measured window."""

    error: str
    metrics_at: list[float]
    received_fps: list[float]
    loopback_frames: int


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
    async with (
        aiohttp.ClientSession() as http,
        arriving(http, plan.base_url, plan.tokens, media, plan.loopback) as people,
    ):
        await asyncio.sleep(max(0.0, plan.start_at - time.time()))
        at_start = [p.received["video"] for p, _ in people]
        await asyncio.sleep(max(0.0, plan.end_at - time.time()))
        return [
            Seen(
                error=error,
                metrics_at=[t for t in person.metrics_at if plan.start_at <= t <= plan.end_at],
                received_fps=person.received_fps[-8:],
                loopback_frames=person.received["video"] - before,
            )
            for (person, error), before in zip(people, at_start, strict=True)
        ]


def main() -> None:
    """`python -m server.bench.load`: a Plan as JSON on stdin, the candidates' figures on stdout."""
    plan = Plan(**json.load(sys.stdin))
    with host_addresses(("127.0.0.1",)):
        seen = asyncio.run(run_plan(plan, encode_media()))
    json.dump([dataclasses.asdict(s) for s in seen], sys.stdout)


if __name__ == "__main__":
    main()
