"""One candidate's media session: a peer connection, the loopback, and every task working for it.

What is measured and in what order is `steps.py`; what goes over the data channel is
`protocol.py`; the loopback is `rtc/passthrough.py`. The session wires them to one
RTCPeerConnection and owns its whole life: `close()` releases all of it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

from aiortc import (
    RTCConfiguration,
    RTCDataChannel,
    RTCIceServer,
    RTCPeerConnection,
    RTCSessionDescription,
)
from aiortc.mediastreams import MediaStreamTrack
from av.frame import Frame

from server.errors import Conflict, InvalidInput
from server.ids import new_id
from server.media.analysis.network import Candidate, TransportSample
from server.media.rtc import datagrams, internals, probe
from server.media.rtc.candidates import CandidatePolicy
from server.media.rtc.codecs import answer_video_with_vp8
from server.media.rtc.passthrough import Passthrough
from server.media.rtc.reencode import Reencode
from server.media.rtc.sdp import Offer
from server.media.rtc.tracks import MediaRejected
from server.media.session.protocol import (
    CHANNEL_LABEL,
    PROBE_CHANNEL_LABEL,
    PageChannel,
    ServerMessage,
    Verdict,
    count_probe,
)
from server.media.session.steps import Steps
from server.models.messages import Bye, Hello, PageMessage
from server.models.result import Browser, Result

log = logging.getLogger(__name__)

STRICT_CANDIDATES = CandidatePolicy()
"""Global addresses only: what a server on the internet may send to."""


@dataclass(frozen=True)
class SessionLimits:
    measure_seconds: float
    """Media time, from the first frame, that the verdict is judged on."""
    verdict_deadline: float
    """Seconds after the offer by which a verdict is given with whatever arrived."""
    connect_seconds: float
    """Seconds the browser has to complete ICE and DTLS after the answer."""
    session_seconds: float
    """Hard limit on the whole session."""
    speakers_seconds: float
    """How long the speakers step waits for the chime to be heard or the candidate to answer."""
    loopback: Literal["passthrough", "reencode"] = "passthrough"
    """`reencode` is the naive design, kept only to be measured against."""
    candidates: CandidatePolicy = STRICT_CANDIDATES
    """Which of the browser's candidate addresses we may send to."""


ResultSink = Callable[[Result], Coroutine[Any, Any, None]]
"""Stores a finished attempt's result."""
AbandonSink = Callable[[str], Coroutine[Any, Any, None]]
"""Told the check id when a session ends without a verdict."""


class Loopback(Protocol):
    """Sends what arrives back to the browser (`Passthrough`, or the naive `Reencode`)."""

    def add(self, track: MediaStreamTrack, feed: Callable[[Frame], None]) -> None: ...

    def stop_decoding(self, kind: str | None = None) -> None: ...


LOOPBACKS: dict[str, Callable[..., Loopback]] = {"passthrough": Passthrough, "reencode": Reencode}


class MediaSession:
    """Owns one RTCPeerConnection and every task working for it."""

    def __init__(
        self,
        *,
        check_id: str,
        browser: Browser,
        limits: SessionLimits,
        ice_servers: list[RTCIceServer],
        on_result: ResultSink,
        on_abandoned: AbandonSink,
        on_closed: Callable[[MediaSession], None],
    ) -> None:
        self.id = new_id()
        self.check_id = check_id
        self.browser = browser
        self.limits = limits
        self.pc = RTCPeerConnection(RTCConfiguration(iceServers=ice_servers))
        self.steps = Steps(
            self,
            measure_seconds=limits.measure_seconds,
            verdict_deadline=limits.verdict_deadline,
            speakers_seconds=limits.speakers_seconds,
        )
        self.loopback: Loopback = LOOPBACKS[limits.loopback](
            self.pc, arrived=self.steps.arrived, rejected=self._reject, spawn=self._spawn
        )
        self.gates: list[datagrams.IceGate] = []
        """What guards the UDP side of each ICE connection, once the offer is applied."""
        self._channel: PageChannel | None = None
        self._probe_channel = False
        self._on_result = on_result
        self._on_abandoned = on_abandoned
        self._on_closed = on_closed
        self._storing: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._started_at = datetime.now(UTC)
        self._closed = False
        self._done = asyncio.Event()

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def result(self) -> Result | None:
        return self.steps.result

    async def answer(self, offer: Offer) -> str:
        """Accept the browser's offer and return our answer SDP (ICE candidates included)."""
        self.pc.on("track", self._on_track)
        self.pc.on("datachannel", self._on_datachannel)
        self.pc.on("connectionstatechange", self._on_connection_state)
        self.pc.on("iceconnectionstatechange", self._on_ice_state)
        try:
            if "video" in offer.kinds:
                answer_video_with_vp8(self.pc)
            await self.pc.setRemoteDescription(RTCSessionDescription(sdp=offer.sdp, type="offer"))
            self.gates = datagrams.guard(self.pc, self.limits.candidates)
            answer = await self.pc.createAnswer()
            await self.pc.setLocalDescription(answer)
        # aiortc rejects SDP it cannot use with assorted exception types; all mean a bad offer,
        # unless a newer offer for the same check closed this session meanwhile.
        except Exception as exc:
            if self._closed:
                raise Conflict("a newer attempt replaced this one", code="replaced") from exc
            log.info("session %s: offer rejected: %s", self.id, type(exc).__name__)
            raise InvalidInput("the offer cannot be answered", code="invalid_sdp") from exc
        if self._closed:
            raise Conflict("a newer attempt replaced this one", code="replaced")
        self.steps.answered()
        self._spawn("steps", self._run_steps)
        self._spawn("time limit", self._close_after, self.limits.session_seconds)
        self._spawn("connect timeout", self._require_connection)
        return str(self.pc.localDescription.sdp)

    async def wait_closed(self) -> None:
        await self._done.wait()

    async def close(self) -> None:
        """Stop every task, then the peer connection. Safe to call more than once, from anywhere."""
        if self._closed:
            await self._done.wait()
            return
        self._closed = True
        try:
            current = asyncio.current_task()
            others = [t for t in self._tasks if t is not current]
            for task in others:
                task.cancel()
            await asyncio.gather(*others, return_exceptions=True)
            await self.pc.close()
            stored = False
            if self._storing is not None:
                # A verdict being stored is the attempt's whole point: let it finish.
                outcome = await asyncio.gather(self._storing, return_exceptions=True)
                stored = not isinstance(outcome[0], BaseException)
            if not stored:
                await self._on_abandoned(self.check_id)
        except Exception:
            log.exception("session %s: error while closing", self.id)
        finally:
            self._on_closed(self)
            self._done.set()
            log.info("session %s closed", self.id)

    # What the steps need of the connection

    async def sample(self) -> TransportSample:
        return await probe.sample(self.pc)

    def candidate(self) -> Candidate | None:
        return probe.selected_candidate(self.pc)

    def stop_decoding(self, kind: str | None = None) -> None:
        self.loopback.stop_decoding(kind)

    def received_bytes(self) -> int:
        return internals.received_bytes(self.pc)

    def send(self, message: ServerMessage) -> None:
        if self._channel is not None:
            self._channel.send(message)

    # Peer connection events

    def _on_track(self, track: MediaStreamTrack) -> None:
        self.loopback.add(track, self.steps.feed(track.kind))

    def _on_datachannel(self, channel: RTCDataChannel) -> None:
        if channel.label == PROBE_CHANNEL_LABEL and not self._probe_channel:
            self._probe_channel = True
            count_probe(channel, self.steps.probed)
            return
        if channel.label != CHANNEL_LABEL or self._channel is not None:
            channel.close()
            return
        self._channel = PageChannel(channel, self._on_message)
        self._spawn("metrics", self.steps.report_live)

    def _on_message(self, message: PageMessage) -> None:
        if isinstance(message, Bye):
            log.info("session %s: the page left", self.id)
            self._spawn("close", self.close)
        elif not isinstance(message, Hello):
            self.steps.heard(message)

    def _on_ice_state(self) -> None:
        if self.pc.iceConnectionState == "completed":
            self.steps.ice_connected()

    def _on_connection_state(self) -> None:
        if self.pc.connectionState == "connected":
            self.steps.dtls_connected()
        if self.pc.connectionState in ("failed", "closed", "disconnected"):
            log.info("session %s: connection %s", self.id, self.pc.connectionState)
            self._spawn("close", self.close)

    def _reject(self, why: str) -> None:
        log.info("session %s: %s", self.id, why)
        self._spawn("close", self.close)

    # Work

    async def _run_steps(self) -> None:
        result = await self.steps.run(self.check_id, new_id(), self.browser, self._started_at)
        self._storing = asyncio.create_task(self._on_result(result))
        self._storing.add_done_callback(self._report_store_failure)
        # Shielded: closing the session while the attempt is being written must not lose it.
        with contextlib.suppress(Exception):
            await asyncio.shield(self._storing)
        # The measurement is valid even if storing failed (that is logged): the candidate sees it.
        self.send(Verdict(result=result))
        # Judged and stored: from now on every frame only goes back, undecoded.
        self.stop_decoding()

    def _report_store_failure(self, task: asyncio.Task[None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            log.error(
                "session %s: storing the attempt failed: %s",
                self.id,
                type(task.exception()).__name__,
            )

    async def _close_after(self, seconds: float) -> None:
        await asyncio.sleep(seconds)
        log.info("session %s: time limit reached", self.id)
        await self.close()

    async def _require_connection(self) -> None:
        await asyncio.sleep(self.limits.connect_seconds)
        if self.pc.connectionState != "connected":
            log.info("session %s: no connection after %ss", self.id, self.limits.connect_seconds)
            await self.close()

    def _spawn(self, name: str, work: Callable[..., Coroutine[Any, Any, None]], *args: Any) -> None:
        # The coroutine is made inside the task, so a task cancelled before it starts leaves
        # no coroutine behind un-awaited.
        if self._closed:
            return
        task = asyncio.create_task(
            self._guarded(name, work, *args), name=f"session {self.id}: {name}"
        )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _guarded(
        self, name: str, work: Callable[..., Coroutine[Any, Any, None]], *args: Any
    ) -> None:
        # A failing task that is still referenced would log nothing: log it and end the session.
        try:
            await work(*args)
        except asyncio.CancelledError:
            raise
        except MediaRejected as exc:
            log.info("session %s: %s", self.id, exc)
            await self.close()
        except Exception:
            log.exception("session %s: %s failed", self.id, name)
            await self.close()
