"""The loopback without re-encoding: the browser's own encoded frames go straight back to it.

aiortc's receiver hands each complete encoded frame to a decoder thread through a queue; a
`ReceiverTap` takes that queue's place, sees every frame first, and passes on to the decoder only
what analysis needs. A `PacketLoopback` is the sender's track: it returns encoded packets, which
aiortc's sender packetises as they are (no encoder). Keyframe requests from the browser about the
loopback are forwarded to the browser's own sender, the only one that can make a keyframe.

`Passthrough` wires that up for one session's tracks. The private attributes it needs are
reached through `internals.py`.
"""

from __future__ import annotations

import asyncio
import fractions
import time
from collections import deque
from collections.abc import Callable
from typing import Any

import av
from aiortc import RTCPeerConnection, RTCRtpReceiver
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from av.frame import Frame

from server.media.rtc import internals, vp8
from server.media.rtc.tracks import MAX_PIXELS, read_frames

MAX_VIDEO_FRAMES = 30
"""Two seconds at 15 fps: a sender further behind than that starts again from a keyframe."""
MAX_AUDIO_FRAMES = 10
"""200 ms of Opus: older sound is worth less than a gap."""
KEYFRAME_REQUEST_INTERVAL = 0.5
"""At most two keyframe requests a second: the browser answers each with a whole keyframe."""


class EncodedFrame:
    """One complete frame as it arrived: its bytes, media time and what its header says."""

    __slots__ = ("clock_rate", "data", "keyframe", "timestamp")

    def __init__(self, data: bytes, timestamp: int, clock_rate: int, keyframe: bool) -> None:
        self.data = data
        self.timestamp = timestamp
        self.clock_rate = clock_rate
        self.keyframe = keyframe


class ReceiverTap:
    """Takes the place of a receiver's decoder queue; `decode` says whether frames go on to it.

    A VP8 keyframe above `MAX_PIXELS`, and every frame after it until a keyframe within the
    limit, never reaches the decoder: its header says its size before anything is decoded."""

    def __init__(self, receiver: RTCRtpReceiver, on_frame: Callable[[EncodedFrame], None]) -> None:
        self.decode = True
        self.decoded = 0
        """Frames passed on to the decoder."""
        self.oversized = 0
        """Frames kept from the decoder because their picture is above the limit."""
        self._receiver = receiver
        self._on_frame = on_frame
        self._too_large = False
        self._decoder = internals.decoder_queue(receiver)
        internals.replace_decoder_queue(receiver, self)

    def put(self, item: Any) -> None:
        if item is None:
            # The receiver is stopping: its decoder thread must see the end.
            self._decoder.put(None)
            return
        codec, frame = item
        data = bytes(frame.data)
        keyframe = codec.name == "VP8" and vp8.is_keyframe(data)
        if keyframe:
            size = vp8.keyframe_size(data)
            # Inter frames keep their keyframe's size, so the verdict lasts until the next one.
            self._too_large = size is not None and size[0] * size[1] > MAX_PIXELS
        self._on_frame(EncodedFrame(data, frame.timestamp, codec.clockRate, keyframe))
        if self._too_large:
            self.oversized += 1
        elif self.decode:
            self.decoded += 1
            self._decoder.put(item)

    def get(self, *args: Any, **kwargs: Any) -> Any:
        return self._decoder.get(*args, **kwargs)

    async def request_keyframe(self) -> None:
        """Asks the browser's sender for a keyframe: RTCP PLI to its media SSRC, not the RTX one."""
        for ssrc in internals.media_ssrcs(self._receiver):
            await internals.send_pli(self._receiver, ssrc)


class PacketLoopback(MediaStreamTrack):
    """A sender's track of pre-encoded frames, bounded: a slow sender drops frames, never memory.

    Frames are taken only once the sender has started reading, and a video loopback that had to
    drop frames waits for the next keyframe (asking for one), so the browser never gets a frame
    whose reference it missed."""

    def __init__(self, kind: str, request_keyframe: Callable[[], None]) -> None:
        super().__init__()
        self.kind = kind
        self.sent = 0
        self.dropped = 0
        self._request_keyframe = request_keyframe
        self._limit = MAX_VIDEO_FRAMES if kind == "video" else MAX_AUDIO_FRAMES
        self._frames: deque[av.Packet[Any]] = deque()
        self._ready = asyncio.Event()
        self._reading = False
        self._need_keyframe = kind == "video"

    def keyframe_wanted(self) -> None:
        """The browser lost the loopback's picture; the next keyframe mends it."""
        if self.kind == "video":
            self._request_keyframe()

    def put(self, frame: EncodedFrame) -> None:
        if not self._reading or self.readyState != "live":
            return
        if len(self._frames) >= self._limit:
            self.dropped += len(self._frames)
            self._frames.clear()
            if self.kind == "video":
                self._need_keyframe = True
                self._request_keyframe()
        if self._need_keyframe:
            if not frame.keyframe:
                self.dropped += 1
                return
            self._need_keyframe = False
        packet = av.Packet(frame.data)
        packet.pts = frame.timestamp
        packet.time_base = fractions.Fraction(1, frame.clock_rate)
        self._frames.append(packet)
        self._ready.set()

    def stop(self) -> None:
        super().stop()
        self._frames.clear()
        self._ready.set()

    async def recv(self) -> av.Packet[Any]:
        if not self._reading:
            self._reading = True
            # What arrived before the sender started is gone; start from a fresh keyframe.
            self.keyframe_wanted()
        while not self._frames:
            if self.readyState != "live":
                raise MediaStreamError
            self._ready.clear()
            await self._ready.wait()
        self.sent += 1
        return self._frames.popleft()


MediaArrived = Callable[[str, float], None]
"""Told (kind, media time in seconds) for every frame that arrives."""
Spawn = Callable[..., None]
"""Runs a coroutine function as one of the session's tasks: `spawn(name, work, *args)`."""


class Passthrough:
    """One session's loopback: each incoming track's encoded frames go straight back on a track
    of ours, and its decoded frames feed the analysers until decoding is switched off."""

    def __init__(
        self,
        pc: RTCPeerConnection,
        *,
        arrived: MediaArrived,
        rejected: Callable[[str], None],
        spawn: Spawn,
    ) -> None:
        self.pc = pc
        self.loopbacks: dict[str, PacketLoopback] = {}
        self._taps: dict[str, ReceiverTap] = {}
        self._arrived = arrived
        self._rejected = rejected
        self._spawn = spawn
        self._refused = False
        self._keyframe_requested = 0.0

    def add(self, track: MediaStreamTrack, feed: Callable[[Frame], None]) -> None:
        """Loops `track` back and feeds its decoded frames (one task reads them all, so nothing
        queues inside aiortc)."""
        kind = track.kind
        receiver = next(t.receiver for t in self.pc.getTransceivers() if t.receiver.track is track)
        loopback = PacketLoopback(kind, lambda: self._request_keyframe(kind))
        self._taps[kind] = ReceiverTap(receiver, lambda frame: self._on_encoded(loopback, frame))
        internals.on_keyframe_request(self.pc.addTrack(loopback), loopback.keyframe_wanted)
        self.loopbacks[kind] = loopback
        self._spawn(f"{kind} reader", read_frames, track, feed)

    def tap(self, kind: str) -> ReceiverTap | None:
        """The tap on the incoming track of `kind`, once it has arrived."""
        return self._taps.get(kind)

    def stop_decoding(self, kind: str | None = None) -> None:
        """From now on frames of `kind` (or of every kind) only go back, undecoded."""
        for name, tap in self._taps.items():
            if kind is None or name == kind:
                tap.decode = False

    def _on_encoded(self, loopback: PacketLoopback, frame: EncodedFrame) -> None:
        self._arrived(loopback.kind, frame.timestamp / frame.clock_rate)
        if loopback.kind == "video":
            size = vp8.keyframe_size(frame.data) if frame.keyframe else None
            if size is not None and size[0] * size[1] > MAX_PIXELS:
                if not self._refused:
                    self._refused = True
                    self._rejected(f"{size[0]}x{size[1]} video is above 1080p")
                return
        loopback.put(frame)

    def _request_keyframe(self, kind: str) -> None:
        now = time.monotonic()
        tap = self._taps.get(kind)
        if tap is None or now - self._keyframe_requested < KEYFRAME_REQUEST_INTERVAL:
            return
        self._keyframe_requested = now
        self._spawn("keyframe request", tap.request_keyframe)
