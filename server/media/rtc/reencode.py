"""The naive loopback: decode every frame, keep the newest, let aiortc re-encode it.

aiortc's example server does this. It costs several times the CPU of `passthrough.py` (the VP8
encoder dominates), so it is never the service's design; it is kept, behind
`GREENROOM_LOOPBACK=reencode`, only so that `greenroom bench media --design both` can measure the
two side by side on the same machine.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from aiortc import RTCPeerConnection
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from av.frame import Frame

from server.media.rtc.passthrough import MediaArrived, Spawn
from server.media.rtc.tracks import read_frames


class DecodedLoopback(MediaStreamTrack):
    """Decoded frames for aiortc's encoder, newest only."""

    def __init__(self, kind: str) -> None:
        super().__init__()
        self.kind = kind
        self._frame: Frame | None = None
        self._ready = asyncio.Event()

    def put(self, frame: Frame) -> None:
        self._frame = frame
        self._ready.set()

    def stop(self) -> None:
        super().stop()
        self._ready.set()

    async def recv(self) -> Frame:
        await self._ready.wait()
        frame, self._frame = self._frame, None
        self._ready.clear()
        if self.readyState != "live" or frame is None:
            raise MediaStreamError
        return frame


class Reencode:
    """One session's naive loopback; the same interface as `Passthrough`."""

    def __init__(
        self,
        pc: RTCPeerConnection,
        *,
        arrived: MediaArrived,
        rejected: Callable[[str], None],
        spawn: Spawn,
    ) -> None:
        self.pc = pc
        self._arrived = arrived
        self._spawn = spawn

    def add(self, track: MediaStreamTrack, feed: Callable[[Frame], None]) -> None:
        loopback = DecodedLoopback(track.kind)
        self.pc.addTrack(loopback)

        def loop_and_feed(frame: Frame) -> None:
            # With no tap on the stream, decoded frames tell when media arrives and how fast.
            if frame.pts is not None and frame.time_base is not None:
                self._arrived(track.kind, float(frame.pts * frame.time_base))
            loopback.put(frame)
            feed(frame)

        async def read() -> None:
            try:
                await read_frames(track, loop_and_feed)
            finally:
                loopback.stop()

        self._spawn(f"{track.kind} reader", read)

    def stop_decoding(self, kind: str | None = None) -> None:
        """Every frame is decoded, for the encoder, whatever is measured."""
