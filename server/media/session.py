"""One candidate's media session: a peer connection, its analysers, live metrics and the verdict."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

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
from server.media import probe, vp8
from server.media.answer import with_start_bitrate
from server.media.audio import AudioAnalyser, Samples
from server.media.messages import Bye, Pong, SpeakersAnswer, Stats, parse_message
from server.media.network import (
    BrowserReport,
    PhaseTimings,
    PingClock,
    TransportSample,
    summarise,
)
from server.media.offer import Offer
from server.media.passthrough import (
    EncodedFrame,
    PacketLoopback,
    ReceiverTap,
    forward_keyframe_requests,
)
from server.media.result import build_result, judge_media
from server.media.speakers import SpeakersStep
from server.media.tracks import (
    MAX_PIXELS,
    DecodedLoopback,
    MediaRejected,
    audio_feeder,
    read_frames,
    video_feeder,
)
from server.media.verdict import Speakers
from server.media.video import FrameClock, VideoAnalyser
from server.store.ids import new_id

log = logging.getLogger(__name__)

METRICS_INTERVAL = 0.25
"""While measuring: the live meter follows speech."""
SETTLED_METRICS_INTERVAL = 0.4
"""After the verdict nothing is measured any more; the page only needs to know we are there."""
PING_EVERY = 1.0
"""Metrics ticks between two round-trip pings (once a second)."""
CHANNEL_LABEL = "greenroom"
RATE_SETTLE_SECONDS = 1.0
KEYFRAME_REQUEST_INTERVAL = 0.5


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
    reencode: bool = False
    """Decode and re-encode the loopback: the naive design, kept only to be measured against."""


ResultSink = Callable[[dict[str, Any]], Coroutine[Any, Any, None]]
"""Stores a finished attempt's result."""
AbandonSink = Callable[[str], Coroutine[Any, Any, None]]
"""Told the check id when a session ends without a verdict."""


class MediaSession:
    """Owns one RTCPeerConnection and every task working for it; `close()` releases all of it."""

    def __init__(
        self,
        *,
        check_id: str,
        browser: dict[str, str],
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
        self.video = VideoAnalyser()
        self.audio = AudioAnalyser()
        self.result: dict[str, Any] | None = None
        self.frame_clock = FrameClock()
        self.loopbacks: dict[str, PacketLoopback] = {}
        self._taps: dict[str, ReceiverTap] = {}
        self._keyframe_requested = 0.0
        self._rejected = False
        self.pings = PingClock()
        self.browser_report = BrowserReport()
        self.speakers = SpeakersStep()
        self._channel: RTCDataChannel | None = None
        self._on_result = on_result
        self._on_abandoned = on_abandoned
        self._on_closed = on_closed
        self._storing: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._started_at = datetime.now(UTC)
        self._started = time.monotonic()
        self._answered: float | None = None
        self._ice_connected: float | None = None
        self._dtls_connected: float | None = None
        self._first_media: float | None = None
        self._closed = False
        self._done = asyncio.Event()

    @property
    def closed(self) -> bool:
        return self._closed

    async def answer(self, offer: Offer) -> str:
        """Accept the browser's offer and return our answer SDP (ICE candidates included)."""
        self.pc.on("track", self._on_track)
        self.pc.on("datachannel", self._on_datachannel)
        self.pc.on("connectionstatechange", self._on_connection_state)
        self.pc.on("iceconnectionstatechange", self._on_ice_state)
        try:
            await self.pc.setRemoteDescription(RTCSessionDescription(sdp=offer.sdp, type="offer"))
            answer = await self.pc.createAnswer()
            await self.pc.setLocalDescription(
                RTCSessionDescription(sdp=with_start_bitrate(answer.sdp), type="answer")
            )
        # aiortc rejects SDP it cannot use with assorted exception types; all mean a bad offer,
        # unless a newer offer for the same check closed this session meanwhile.
        except Exception as exc:
            if self._closed:
                raise Conflict("a newer attempt replaced this one", code="replaced") from exc
            log.info("session %s: offer rejected: %s", self.id, type(exc).__name__)
            raise InvalidInput("the offer cannot be answered", code="invalid_sdp") from exc
        if self._closed:
            raise Conflict("a newer attempt replaced this one", code="replaced")
        self._answered = time.monotonic()
        self._spawn("steps", self._run_steps)
        self._spawn("time limit", self._close_after, self.limits.session_seconds)
        self._spawn("connect timeout", self._require_connection)
        return self.pc.localDescription.sdp

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

    # Peer connection events

    def _on_track(self, track: MediaStreamTrack) -> None:
        # The browser's encoded frames go straight back on the same transceiver; the decoded
        # ones feed the analysers. One task of this session reads every decoded frame (so nothing
        # queues inside aiortc) and ends with the session.
        kind = track.kind
        feed = video_feeder(self.video) if kind == "video" else audio_feeder(self.audio, self._hear)
        if self.limits.reencode:
            decoded = DecodedLoopback(kind)
            self.pc.addTrack(decoded)
            self._spawn(f"{kind} reader", read_frames, track, self._counted(kind, feed), decoded)
            return
        receiver = next(t.receiver for t in self.pc.getTransceivers() if t.receiver.track is track)
        loopback = PacketLoopback(kind, lambda: self._request_keyframe(kind))
        self._taps[kind] = ReceiverTap(receiver, lambda frame: self._on_encoded(loopback, frame))
        forward_keyframe_requests(self.pc.addTrack(loopback), loopback)
        self.loopbacks[kind] = loopback
        self._spawn(f"{kind} reader", read_frames, track, feed)

    def _counted(self, kind: str, feed: Callable[[Frame], None]) -> Callable[[Frame], None]:
        """With no tap on the stream, decoded frames tell when media arrives and how fast."""

        def counted(frame: Frame) -> None:
            self._media_arrived()
            if kind == "video" and frame.pts is not None and frame.time_base is not None:
                self.frame_clock.add(float(frame.pts * frame.time_base))
            feed(frame)

        return counted

    def _on_encoded(self, loopback: PacketLoopback, frame: EncodedFrame) -> None:
        self._media_arrived()
        if loopback.kind == "video":
            self.frame_clock.add(frame.timestamp / frame.clock_rate)
            size = vp8.keyframe_size(frame.data) if frame.keyframe else None
            if size is not None and size[0] * size[1] > MAX_PIXELS and not self._rejected:
                self._rejected = True
                log.info("session %s: %dx%d video is above 1080p", self.id, *size)
                self._spawn("close", self.close)
                return
        loopback.put(frame)

    def _request_keyframe(self, kind: str) -> None:
        # One request per half second: the browser answers each with a whole keyframe.
        now = time.monotonic()
        tap = self._taps.get(kind)
        if tap is None or now - self._keyframe_requested < KEYFRAME_REQUEST_INTERVAL:
            return
        self._keyframe_requested = now
        self._spawn("keyframe request", tap.request_keyframe)

    def _on_datachannel(self, channel: RTCDataChannel) -> None:
        if channel.label != CHANNEL_LABEL or self._channel is not None:
            channel.close()
            return
        self._channel = channel
        channel.on("message", self._on_message)
        self._spawn("metrics", self._send_metrics)

    def _on_message(self, raw: str | bytes) -> None:
        # An exception here would unwind into aiortc's transport and end the connection.
        try:
            self._handle(raw)
        except Exception:
            log.exception("session %s: a page message could not be handled", self.id)

    def _handle(self, raw: str | bytes) -> None:
        message = parse_message(raw)
        if isinstance(message, Pong):
            self.pings.answered(message.seq, time.monotonic())
        elif isinstance(message, SpeakersAnswer):
            self.speakers.decide(Speakers.CONFIRMED if message.heard else Speakers.NOT_HEARD)
        elif isinstance(message, Stats):
            self.browser_report = BrowserReport(
                download_kbps=message.download_kbps,
                relay_protocol=message.relay_protocol,
                timings_ms=message.timings_ms,
            )
        elif isinstance(message, Bye):
            log.info("session %s: the page left", self.id)
            self._spawn("close", self.close)

    def _on_ice_state(self) -> None:
        if self.pc.iceConnectionState == "completed" and self._ice_connected is None:
            self._ice_connected = time.monotonic()

    def _on_connection_state(self) -> None:
        if self.pc.connectionState == "connected" and self._dtls_connected is None:
            self._dtls_connected = time.monotonic()
        if self.pc.connectionState in ("failed", "closed", "disconnected"):
            log.info("session %s: connection %s", self.id, self.pc.connectionState)
            self._spawn("close", self.close)

    def _media_arrived(self) -> None:
        if self._first_media is None:
            self._first_media = time.monotonic()

    def _hear(self, samples: Samples, sample_rate: int) -> None:
        if self.speakers.hear(samples):
            log.info("session %s: the chime was heard", self.id)
            self._send({"type": "speakers", "heard_by_server": True})

    # Work

    async def _send_metrics(self) -> None:
        last_ping = 0.0
        while True:
            await asyncio.sleep(
                METRICS_INTERVAL if self.result is None else SETTLED_METRICS_INTERVAL
            )
            self._send({"type": "metrics", **self.live_metrics()})
            if time.monotonic() - last_ping >= PING_EVERY:
                last_ping = time.monotonic()
                self._send({"type": "ping", "seq": self.pings.send(last_ping)})

    def live_metrics(self) -> dict[str, Any]:
        last = self.video.last
        level = self.audio.last_level_dbfs
        return {
            "elapsed_s": round(self._since_first_media(), 2),
            "video": {
                "frames": self.video.frames,
                "fps": self.video.fps,
                "received_fps": self.frame_clock.fps,
                "width": self.video.width or None,
                "height": self.video.height or None,
                "mean_luma": None if last is None else round(last.mean_luma, 1),
            },
            "audio": {
                "rms_dbfs": None if level is None else round(level, 1),
                "peak_dbfs": None if self.audio.samples == 0 else round(self.audio.peak_dbfs, 1),
                "speech_s": round(self.audio.speech_seconds, 1),
            },
            "network": {"rtt_ms": rtts[-1] if (rtts := self.pings.rtts_ms) else None},
        }

    async def _run_steps(self) -> None:
        """Measure camera, light and microphone; then the speakers; then store the verdict."""
        first_sample = await self._measure()
        if "video" in self._taps:
            # The picture is judged: from now on its frames only go back, undecoded.
            self._taps["video"].decode = False
        # The network's figures cover the same window as the media's.
        last_sample = await probe.sample(self.pc)
        rtts_ms, browser_report = self.pings.rtts_ms, self.browser_report
        media = judge_media(self.video.summary(), self.audio.summary())
        self.speakers.start(self.audio.sample_rate)
        self._send(
            {
                "type": "step",
                "step": "speakers",
                "checks": {name: outcome.as_json() for name, outcome in media.items()},
            }
        )
        speakers = await self.speakers.outcome(self.limits.speakers_seconds)
        network = summarise(
            first=first_sample,
            last=last_sample,
            ping_rtts_ms=rtts_ms,
            candidate=probe.selected_candidate(self.pc),
            timings=self._timings(),
            browser=browser_report,
        )
        self.result = build_result(
            check_id=self.check_id,
            attempt_id=new_id(),
            started_at=self._started_at,
            finished_at=datetime.now(UTC),
            browser=self.browser,
            media=media,
            speakers=speakers,
            network=network,
        )
        self._storing = asyncio.create_task(self._on_result(self.result))
        self._storing.add_done_callback(self._report_store_failure)
        # Shielded: closing the session while the attempt is being written must not lose it.
        with contextlib.suppress(Exception):
            await asyncio.shield(self._storing)
        # The measurement is valid even if storing failed (that is logged): the candidate sees it.
        self._send({"type": "verdict", "result": self.result})
        # Judged and stored: from now on every frame only goes back, undecoded.
        for tap in self._taps.values():
            tap.decode = False

    async def _measure(self) -> TransportSample | None:
        """Waits for the measurement window (or the deadline); returns the counters at its start.

        The rate is counted from a second after the first frame: a sender starts with a keyframe
        and a guess at the bandwidth, neither of which says what the connection carries."""
        first_sample: TransportSample | None = None
        enough = self.limits.measure_seconds
        while time.monotonic() - self._started < self.limits.verdict_deadline:
            if first_sample is None and self._since_first_media() >= RATE_SETTLE_SECONDS:
                first_sample = await probe.sample(self.pc)
            if self.video.duration_s >= enough and self.audio.duration_s >= enough:
                break
            await asyncio.sleep(0.1)
        return first_sample

    def _timings(self) -> PhaseTimings:
        def since_answer(moment: float | None) -> float | None:
            if moment is None or self._answered is None:
                return None
            return 1000.0 * (moment - self._answered)

        return PhaseTimings(
            ice_ms=since_answer(self._ice_connected),
            dtls_ms=since_answer(self._dtls_connected),
            first_frame_ms=since_answer(self._first_media),
        )

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

    def _since_first_media(self) -> float:
        return 0.0 if self._first_media is None else time.monotonic() - self._first_media

    def _send(self, message: dict[str, Any]) -> None:
        if self._channel is not None and self._channel.readyState == "open":
            self._channel.send(json.dumps(message))

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
