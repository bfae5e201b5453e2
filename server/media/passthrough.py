"""The loopback without re-encoding: the browser's own encoded frames go straight back to it.

aiortc's receiver hands each complete encoded frame to a decoder thread through a queue; a
`ReceiverTap` takes that queue's place, sees every frame first, and passes on to the decoder only
what analysis needs. A `PacketLoopback` is the sender's track: it returns encoded packets, which
aiortc's sender packetises as they are (no encoder). Keyframe requests from the browser about the
loopback are forwarded to the browser's own sender, the only one that can make a keyframe.

The private attributes touched here belong to the pinned aiortc minor version;
tests/integration/test_passthrough.py fails loudly when they move.
"""

from __future__ import annotations

import asyncio
import fractions
import queue
from collections import deque
from collections.abc import Callable
from typing import Any

import av
from aiortc import RTCRtpReceiver, RTCRtpSender
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from server.media import vp8

MAX_VIDEO_FRAMES = 30
"""Two seconds at 15 fps: a sender further behind than that starts again from a keyframe."""
MAX_AUDIO_FRAMES = 10
"""200 ms of Opus: older sound is worth less than a gap."""


class EncodedFrame:
    """One complete frame as it arrived: its bytes, media time and what its header says."""

    __slots__ = ("clock_rate", "data", "keyframe", "timestamp")

    def __init__(self, data: bytes, timestamp: int, clock_rate: int, keyframe: bool) -> None:
        self.data = data
        self.timestamp = timestamp
        self.clock_rate = clock_rate
        self.keyframe = keyframe


class ReceiverTap:
    """Takes the place of a receiver's decoder queue; `decode` says whether frames go on to it."""

    def __init__(self, receiver: RTCRtpReceiver, on_frame: Callable[[EncodedFrame], None]) -> None:
        self.decode = True
        self._receiver = receiver
        self._on_frame = on_frame
        self._decoder: queue.Queue[Any] = receiver._RTCRtpReceiver__decoder_queue  # type: ignore[attr-defined]
        receiver._RTCRtpReceiver__decoder_queue = self  # type: ignore[attr-defined]

    def put(self, item: Any) -> None:
        if item is None:
            # The receiver is stopping: its decoder thread must see the end.
            self._decoder.put(None)
            return
        codec, frame = item
        data = bytes(frame.data)
        keyframe = codec.name == "VP8" and vp8.is_keyframe(data)
        self._on_frame(EncodedFrame(data, frame.timestamp, codec.clockRate, keyframe))
        if self.decode:
            self._decoder.put(item)

    def get(self, *args: Any, **kwargs: Any) -> Any:
        return self._decoder.get(*args, **kwargs)

    async def request_keyframe(self) -> None:
        """Asks the browser's sender for a keyframe: RTCP PLI to its media SSRC, not the RTX one."""
        receiver = self._receiver
        streams: dict[int, Any] = receiver._RTCRtpReceiver__remote_streams  # type: ignore[attr-defined]
        rtx: dict[int, int] = receiver._RTCRtpReceiver__rtx_ssrc  # type: ignore[attr-defined]
        for ssrc in [s for s in streams if s not in rtx]:
            await receiver._send_rtcp_pli(ssrc)


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


def forward_keyframe_requests(sender: RTCRtpSender, loopback: PacketLoopback) -> None:
    """aiortc's sender would force its encoder; with no encoder, the request goes upstream."""
    sender._send_keyframe = loopback.keyframe_wanted  # type: ignore[method-assign]
