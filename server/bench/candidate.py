"""A fake candidate: an aiortc peer that does what the check page does. It sends the tracks it
is given, answers pings, the upload probe and the speakers step, keeps what the server says, and
counts the loopback, decoded (as a browser shows it) or only as it arrives (cheap, for the
benchmark). The benchmark's load and the integration tests both use it."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from typing import Any, Literal, Protocol, runtime_checkable

import aiohttp
from aiortc import MediaStreamTrack, RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError

from server.media.rtc.passthrough import EncodedFrame, ReceiverTap
from server.media.session.protocol import PROBE_CHANNEL_LABEL
from server.models.messages import PageMessage, Pong, SpeakersAnswer

BURST_FIRST_STEP = 16 * 1024
BURST_STEP_SECONDS = 0.25
"""As the page's probe.js: the burst's first step, and how long each step has to drain."""

SpeakersReply = Literal["confirm", "deny", "ignore", "chime"]
"""What the candidate does at the speakers step: click "I heard it", "I didn't hear it",
nothing, or let the chime play into its microphone (see `Chiming`)."""


@runtime_checkable
class Chiming(Protocol):
    """An audio track that can switch to playing the chime, as a microphone beside a speaker."""

    def play_chime(self) -> None: ...


class Http(Protocol):
    """aiohttp's ClientSession, or the test client of an app."""

    def post(self, url: str, *, json: Any) -> Any: ...


class FakeCandidate:
    def __init__(
        self,
        video: MediaStreamTrack | None,
        audio: MediaStreamTrack | None,
        *,
        speakers: SpeakersReply = "confirm",
        decode_loopback: bool = True,
        receive: bool = True,
        probe: bool = True,
    ) -> None:
        """`receive=False` sends only (the server still loops back, nobody counts it);
        `probe=False` ignores the upload probe, as a client that does not know it would."""
        self.pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        self.speakers = speakers
        self.probe = probe
        self.audio = audio
        self.decode_loopback = decode_loopback
        self.messages: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.received = {"video": 0, "audio": 0}
        """Loopback frames that came back, per kind."""
        self.metrics_at: list[float] = []
        """Wall-clock arrival of every `metrics` message."""
        self.received_fps: list[float] = []
        """What the server said it receives, from every `metrics` message."""
        self.session_id = ""
        self.first_metrics = asyncio.Event()
        self._readers: list[asyncio.Task[None]] = []
        direction = "sendrecv" if receive else "sendonly"
        for track in (video, audio):
            if track is not None:
                self.pc.addTransceiver(track, direction=direction)
        self.channel = self.pc.createDataChannel("greenroom")
        self.channel.on("message", self._on_message)
        self.pc.on("track", self._on_track)

    def send(self, message: PageMessage) -> None:
        self.channel.send(message.model_dump_json())

    async def offer(self) -> dict[str, str]:
        await self.pc.setLocalDescription(await self.pc.createOffer())
        return {"sdp": self.pc.localDescription.sdp, "type": "offer"}

    async def connect(self, http: Http, token: str, base_url: str = "") -> None:
        """Posts the offer for the check at `token` and applies the answer (or raises)."""
        async with http.post(f"{base_url}/c/{token}/offer", json=await self.offer()) as response:
            answer = await response.json()
            if response.status != 200:
                raise OfferRefused(response.status, answer, response.headers.get("Retry-After"))
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

    def _on_message(self, text: str) -> None:
        message = json.loads(text)
        kind = message["type"]
        if kind == "ping":
            self.send(Pong(seq=message["seq"]))
        elif kind == "metrics":
            self.metrics_at.append(time.time())
            self.first_metrics.set()
            if (fps := message["video"].get("received_fps")) is not None:
                self.received_fps.append(fps)
        elif kind == "step" and message["step"] == "speakers":
            self._answer_speakers()
        elif kind == "probe" and self.probe:
            self._readers.append(asyncio.create_task(self._send_burst(message)))
        self.messages.put_nowait(message)

    async def _send_burst(self, request: dict[str, Any]) -> None:
        """What the page's probe.js does: the bytes asked for, on a channel of their own, in
        doubling steps until one does not drain in time."""
        end = time.monotonic() + float(request["seconds"])
        chunk = bytes(int(request["chunk_bytes"]))
        total, sent, step = int(request["bytes"]), 0, BURST_FIRST_STEP
        channel = self.pc.createDataChannel(
            PROBE_CHANNEL_LABEL, ordered=False, maxPacketLifeTime=500
        )
        opened, drained = asyncio.Event(), asyncio.Event()
        channel.on("open", opened.set)
        channel.on("bufferedamountlow", drained.set)
        channel.bufferedAmountLowThreshold = 0
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(opened.wait(), max(0.0, end - time.monotonic()))
            while sent < total and time.monotonic() < end and channel.readyState == "open":
                target = min(total, sent + step)
                drained.clear()
                while sent < target:
                    channel.send(chunk[: target - sent])
                    sent += min(len(chunk), target - sent)
                wait = min(BURST_STEP_SECONDS, end - time.monotonic())
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(drained.wait(), max(0.0, wait))
                if channel.bufferedAmount > 0:
                    break
                step *= 2
        finally:
            channel.close()

    def _answer_speakers(self) -> None:
        if self.speakers in ("confirm", "deny"):
            self.send(SpeakersAnswer(heard=self.speakers == "confirm"))
        elif self.speakers == "chime":
            assert isinstance(self.audio, Chiming), "the chime needs a track that can play it"
            self.audio.play_chime()

    def _on_track(self, track: MediaStreamTrack) -> None:
        if self.decode_loopback:
            self._readers.append(asyncio.create_task(self._count_decoded(track)))
            return
        receiver = next(t.receiver for t in self.pc.getTransceivers() if t.receiver.track is track)

        def count(frame: EncodedFrame) -> None:
            self.received[track.kind] += 1

        # Counted as they arrive, never decoded: the load generator stays cheap.
        ReceiverTap(receiver, count).decode = False

    async def _count_decoded(self, track: MediaStreamTrack) -> None:
        with contextlib.suppress(MediaStreamError):
            while True:
                await track.recv()
                self.received[track.kind] += 1


class OfferRefused(aiohttp.ClientError):
    def __init__(self, status: int, body: Any, retry_after: str | None = None) -> None:
        super().__init__(f"offer refused: {status} {body}")
        self.status = status
        self.body = body
        self.retry_after = int(retry_after) if retry_after and retry_after.isdigit() else None
        """Seconds the server asked us to wait (`Retry-After`), if it did."""
