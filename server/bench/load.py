"""Cheap candidates for the media benchmark: aiortc peers that send pre-encoded media and count
what comes back without decoding it, so the load generator costs far less than the server."""

from __future__ import annotations

import asyncio
import fractions
import json
import sys
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import av
import numpy as np
from aiortc import MediaStreamTrack, RTCConfiguration, RTCPeerConnection, RTCSessionDescription

from server.media.ice import restrict_host_addresses
from server.media.passthrough import EncodedFrame, ReceiverTap

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


@dataclass
class Candidate:
    """One benchmark session, seen from the browser's side."""

    index: int
    loopback: bool
    pc: RTCPeerConnection = field(init=False)
    connected_at: float | None = None
    metrics_at: list[float] = field(default_factory=list)
    received_fps: list[float] = field(default_factory=list)
    loopback_frames: int = 0
    loopback_window: list[float] = field(default_factory=list)
    verdict: bool = False
    error: str = ""
    first_metrics: asyncio.Event = field(default_factory=asyncio.Event)

    def __post_init__(self) -> None:
        self.pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))


async def connect(
    http: aiohttp.ClientSession, base_url: str, token: str, candidate: Candidate, media: Media
) -> None:
    pc = candidate.pc
    direction = "sendrecv" if candidate.loopback else "sendonly"
    video = EncodedTrack("video", media.video, VIDEO_CLOCK // FPS, VIDEO_CLOCK, FPS)
    sender = pc.addTransceiver(video, direction).sender
    sender._send_keyframe = video.restart  # type: ignore[method-assign]
    pc.addTransceiver(
        EncodedTrack("audio", media.audio, AUDIO_FRAME, AUDIO_RATE, AUDIO_RATE / AUDIO_FRAME),
        direction,
    )
    channel = pc.createDataChannel("greenroom")

    @channel.on("message")
    def on_message(text: str) -> None:
        message = json.loads(text)
        if message["type"] == "ping":
            channel.send(json.dumps({"type": "pong", "seq": message["seq"]}))
        elif message["type"] == "metrics":
            candidate.metrics_at.append(time.time())
            candidate.first_metrics.set()
            fps = message["video"].get("received_fps")
            if fps is not None:
                candidate.received_fps.append(fps)
        elif message["type"] == "step":
            channel.send(json.dumps({"type": "speakers", "heard": True}))
        elif message["type"] == "verdict":
            candidate.verdict = True

    def count(frame: EncodedFrame) -> None:
        candidate.loopback_frames += 1

    @pc.on("track")
    def on_track(track: MediaStreamTrack) -> None:
        receiver = next(t.receiver for t in pc.getTransceivers() if t.receiver.track is track)
        # Counted as they arrive, never decoded: the load generator stays cheap.
        tap = ReceiverTap(receiver, count if track.kind == "video" else lambda frame: None)
        tap.decode = False

    await pc.setLocalDescription(await pc.createOffer())
    async with http.post(
        f"{base_url}/c/{token}/offer",
        json={"sdp": pc.localDescription.sdp, "type": "offer"},
    ) as response:
        body = await response.json()
        if response.status != 200:
            raise RuntimeError(f"offer refused: {response.status} {body}")
    await pc.setRemoteDescription(RTCSessionDescription(body["sdp"], "answer"))
    candidate.connected_at = time.monotonic()


@dataclass(frozen=True)
class Plan:
    """One load-generator process's share: its checks and the measured window (wall clock)."""

    base_url: str
    tokens: list[str]
    loopback: bool
    start_at: float
    end_at: float


async def run_plan(plan: Plan, media: Media) -> list[dict[str, Any]]:
    people = [Candidate(i, plan.loopback) for i in range(len(plan.tokens))]
    async with aiohttp.ClientSession() as http:
        try:
            for person, token in zip(people, plan.tokens, strict=True):
                try:
                    await connect(http, plan.base_url, token, person, media)
                except Exception as exc:
                    person.error = f"{type(exc).__name__}: {exc}"
                # Candidates arrive one by one, not in one burst of offers.
                await asyncio.sleep(0.05)
            await asyncio.sleep(max(0.0, plan.start_at - time.time()))
            at_start = [p.loopback_frames for p in people]
            await asyncio.sleep(max(0.0, plan.end_at - time.time()))
            return [
                {
                    "error": person.error,
                    "metrics_at": [
                        t for t in person.metrics_at if plan.start_at <= t <= plan.end_at
                    ],
                    "received_fps": person.received_fps[-8:],
                    "loopback_frames": person.loopback_frames - before,
                }
                for person, before in zip(people, at_start, strict=True)
            ]
        finally:
            await asyncio.gather(*(p.pc.close() for p in people), return_exceptions=True)


def main() -> None:
    """`python -m server.bench.load`: a Plan as JSON on stdin, the candidates' figures on stdout."""
    plan = Plan(**json.load(sys.stdin))
    restrict_host_addresses(("127.0.0.1",))
    results = asyncio.run(run_plan(plan, encode_media()))
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
