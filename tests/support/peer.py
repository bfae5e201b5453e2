"""An aiortc client peer in the test process, standing in for the candidate's browser."""

from __future__ import annotations

import asyncio
import contextlib
import fractions
import json
import time
from collections.abc import Sequence
from typing import Any, Literal

import av
import numpy as np
import numpy.typing as npt
from aiohttp.test_utils import TestClient
from aiortc import (
    MediaStreamTrack,
    RTCConfiguration,
    RTCPeerConnection,
    RTCSessionDescription,
)
from aiortc.mediastreams import MediaStreamError

from tests.support.synthetic import SAMPLE_RATE, Luma

VIDEO_CLOCK = 90000
AUDIO_FRAME = 960  # 20 ms at 48 kHz


class PictureTrack(MediaStreamTrack):
    """Plays the given luma planes in a loop at `fps` (grey chroma)."""

    kind = "video"

    def __init__(self, pictures: Sequence[Luma], fps: int = 15) -> None:
        super().__init__()
        self.pictures = list(pictures)
        self.fps = fps
        self.sent = 0
        self._start: float | None = None

    async def recv(self) -> av.VideoFrame:
        if self._start is None:
            self._start = time.monotonic()
        await asyncio.sleep(max(0.0, self._start + self.sent / self.fps - time.monotonic()))
        y = self.pictures[self.sent % len(self.pictures)]
        h, w = y.shape
        chroma = np.full((h // 2, w), 128, dtype=np.uint8)
        frame = av.VideoFrame.from_ndarray(np.vstack([y, chroma]), format="yuv420p")
        frame.pts = self.sent * VIDEO_CLOCK // self.fps
        frame.time_base = fractions.Fraction(1, VIDEO_CLOCK)
        self.sent += 1
        return frame


class SoundTrack(MediaStreamTrack):
    """Plays int16 mono samples in a loop, 20 ms a frame, in real time."""

    kind = "audio"

    def __init__(self, samples: npt.NDArray[np.int16]) -> None:
        super().__init__()
        self.frames = self._framed(samples)
        self.sent = 0
        self._start: float | None = None

    @staticmethod
    def _framed(samples: npt.NDArray[np.int16]) -> npt.NDArray[np.int16]:
        padded = np.concatenate((samples, np.zeros(-samples.size % AUDIO_FRAME, dtype=np.int16)))
        return padded.reshape(-1, AUDIO_FRAME)

    def play(self, samples: npt.NDArray[np.int16]) -> None:
        """From the next frame on, loop these samples instead."""
        self.frames = self._framed(samples)

    async def recv(self) -> av.AudioFrame:
        if self._start is None:
            self._start = time.monotonic()
        due = self._start + self.sent * AUDIO_FRAME / SAMPLE_RATE
        await asyncio.sleep(max(0.0, due - time.monotonic()))
        # Stereo, as aiortc's Opus encoder sends: a mono frame would be upmixed 3 dB lower.
        mono = self.frames[self.sent % len(self.frames)]
        data = np.repeat(mono, 2).reshape(1, -1)
        frame = av.AudioFrame.from_ndarray(data, format="s16", layout="stereo")
        frame.sample_rate = SAMPLE_RATE
        frame.pts = self.sent * AUDIO_FRAME
        frame.time_base = fractions.Fraction(1, SAMPLE_RATE)
        self.sent += 1
        return frame


SpeakersAnswer = Literal["confirm", "deny", "ignore", "chime"]
"""What the peer does at the speakers step: click "I heard it", "I didn't hear it", nothing, or
let the chime play into its microphone (its SoundTrack plays `chime` from then on)."""


class ClientPeer:
    """Does what the check page does: sends synthetic media, answers pings and the speakers step,
    collects data-channel messages and counts loopback frames."""

    def __init__(
        self,
        video: MediaStreamTrack | None,
        audio: MediaStreamTrack | None,
        *,
        speakers: SpeakersAnswer = "confirm",
        chime: npt.NDArray[np.int16] | None = None,
    ) -> None:
        self.pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        self.messages: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.received = {"video": 0, "audio": 0}
        self.session_id = ""
        self.speakers = speakers
        self.audio = audio
        self.chime = chime
        self._readers: list[asyncio.Task[None]] = []
        for track in (video, audio):
            if track is not None:
                self.pc.addTransceiver(track, direction="sendrecv")
        self.channel = self.pc.createDataChannel("greenroom")
        self.channel.on("message", self._on_message)
        self.pc.on("track", self._on_track)

    def send(self, message: dict[str, Any]) -> None:
        self.channel.send(json.dumps(message))

    def _on_message(self, text: str) -> None:
        message = json.loads(text)
        if message["type"] == "ping":
            self.send({"type": "pong", "seq": message["seq"]})
        elif message["type"] == "step" and message["step"] == "speakers":
            if self.speakers in ("confirm", "deny"):
                self.send({"type": "speakers", "heard": self.speakers == "confirm"})
            elif self.speakers == "chime":
                assert isinstance(self.audio, SoundTrack)
                assert self.chime is not None
                self.audio.play(self.chime)
        self.messages.put_nowait(message)

    def _on_track(self, track: MediaStreamTrack) -> None:
        self._readers.append(asyncio.create_task(self._count(track)))

    async def _count(self, track: MediaStreamTrack) -> None:
        with contextlib.suppress(MediaStreamError):
            while True:
                await track.recv()
                self.received[track.kind] += 1

    async def offer(self) -> dict[str, str]:
        await self.pc.setLocalDescription(await self.pc.createOffer())
        return {"sdp": self.pc.localDescription.sdp, "type": "offer"}

    async def connect(self, client: TestClient[Any, Any], token: str) -> None:
        response = await client.post(f"/c/{token}/offer", json=await self.offer())
        assert response.status == 200, await response.text()
        answer = await response.json()
        self.session_id = answer["session_id"]
        await self.pc.setRemoteDescription(RTCSessionDescription(answer["sdp"], answer["type"]))

    async def next_message(self, kind: str, within: float = 15.0) -> dict[str, Any]:
        async with asyncio.timeout(within):
            while True:
                message = await self.messages.get()
                if message["type"] == kind:
                    return message

    async def close(self) -> None:
        for reader in self._readers:
            reader.cancel()
        await asyncio.gather(*self._readers, return_exceptions=True)
        await self.pc.close()
