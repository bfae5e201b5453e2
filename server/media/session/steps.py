"""The check's steps on one connection: camera, light and microphone over the measurement
window, then the speakers, then the verdict. Everything measured lives here, in plain analysers;
the session (`session.py`) owns the connection and hands frames and messages in."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from av.frame import Frame

from server.media.analysis.audio import AudioAnalyser, Samples
from server.media.analysis.network import (
    BrowserReport,
    Candidate,
    PhaseTimings,
    PingClock,
    TransportSample,
    summarise,
)
from server.media.analysis.uplink import PROBE, ProbeCount, Stamp, worth_probing
from server.media.analysis.video import FrameClock, VideoAnalyser
from server.media.rtc.tracks import audio_feeder, video_feeder
from server.media.session.protocol import (
    ChimeHeard,
    LiveAudio,
    LiveMetrics,
    LiveNetwork,
    LiveVideo,
    NextStep,
    Ping,
    ProbeRequest,
    ServerMessage,
)
from server.media.session.speakers import SpeakersStep
from server.media.verdict.result import AttemptHeader, build_result, judge_media
from server.media.verdict.rules import BITRATE_KBPS, LOSS_PCT, Speakers
from server.models.messages import Pong, SpeakersAnswer, Stats
from server.models.result import Browser, Result

METRICS_INTERVAL = 0.25
"""While measuring: the live meter follows speech."""
SETTLED_METRICS_INTERVAL = 0.4
"""After the verdict nothing is measured any more; the page only needs to know we are there."""
PING_EVERY = 1.0
"""Seconds between two round-trip pings."""
RATE_SETTLE_SECONDS = 1.0
"""The upload rate is counted from this long after the first frame: a sender starts with a
keyframe and a guess at the bandwidth, neither of which says what the connection carries."""


class Connection(Protocol):
    """What the steps need of the connection they measure."""

    async def sample(self) -> TransportSample: ...

    def candidate(self) -> Candidate | None: ...

    def stop_decoding(self, kind: str | None = None) -> None: ...

    def send(self, message: ServerMessage) -> None: ...

    def received_bytes(self) -> int:
        """Every byte the connection has received so far, without waiting."""
        ...


class Steps:
    def __init__(
        self,
        connection: Connection,
        *,
        measure_seconds: float,
        verdict_deadline: float,
        speakers_seconds: float,
    ) -> None:
        self.connection = connection
        self.measure_seconds = measure_seconds
        self.verdict_deadline = verdict_deadline
        self.speakers_seconds = speakers_seconds
        self.video = VideoAnalyser()
        self.audio = AudioAnalyser()
        self.frame_clock = FrameClock()
        self.pings = PingClock()
        self.browser_report = BrowserReport()
        self.speakers = SpeakersStep()
        self.result: Result | None = None
        self._started = time.monotonic()
        self._answered: float | None = None
        self._ice_connected: float | None = None
        self._dtls_connected: float | None = None
        self._first_media: float | None = None
        self._probe: tuple[ProbeCount, asyncio.Event] | None = None

    # What happens on the connection

    def answered(self) -> None:
        self._answered = time.monotonic()

    def ice_connected(self) -> None:
        if self._ice_connected is None:
            self._ice_connected = time.monotonic()

    def dtls_connected(self) -> None:
        if self._dtls_connected is None:
            self._dtls_connected = time.monotonic()

    def arrived(self, kind: str, media_time_s: float) -> None:
        """A frame of `kind` arrived (decoded or not), stamped with its media time."""
        if self._first_media is None:
            self._first_media = time.monotonic()
        if kind == "video":
            self.frame_clock.add(media_time_s)

    def feed(self, kind: str) -> Callable[[Frame], None]:
        """Where the decoded frames of an incoming track go."""
        return video_feeder(self.video) if kind == "video" else audio_feeder(self.audio, self._hear)

    def heard(self, message: Pong | SpeakersAnswer | Stats) -> None:
        """The page said something the steps use."""
        if isinstance(message, Pong):
            self.pings.answered(message.seq, time.monotonic())
        elif isinstance(message, SpeakersAnswer):
            self.speakers.decide(Speakers.CONFIRMED if message.heard else Speakers.NOT_HEARD)
        else:
            self.browser_report = BrowserReport(
                download_kbps=message.download_kbps,
                relay_protocol=message.relay_protocol,
                timings_ms={
                    name: value
                    for name, value in message.timings_ms.model_dump().items()
                    if value is not None
                },
            )

    def probed(self, size: int) -> None:
        """A binary message of `size` bytes arrived: part of the upload probe, if one runs."""
        if self._probe is None:
            return
        count, done = self._probe
        if count.arrived(size, Stamp(time.monotonic(), self.connection.received_bytes())):
            done.set()

    def _hear(self, samples: Samples, sample_rate: int) -> None:
        if self.speakers.hear(samples):
            self.connection.send(ChimeHeard())

    # The steps

    async def run(
        self, check_id: str, attempt_id: str, browser: Browser, started_at: datetime
    ) -> Result:
        """Measure camera, light and microphone; then the speakers; then the verdict."""
        first_sample = await self._measure()
        # The picture is judged: from now on its frames only go back, undecoded.
        self.connection.stop_decoding("video")
        # The network's figures cover the same window as the media's.
        last_sample = await self.connection.sample()
        rtts_ms, browser_report = self.pings.rtts_ms, self.browser_report
        media = judge_media(self.video.summary(), self.audio.summary())
        self.speakers.start(self.audio.sample_rate)
        self.connection.send(NextStep(checks=media))
        # The probe would crowd the media out of a slow path: it runs after the window, while the
        # candidate listens for the chime.
        probing = worth_probing(
            first_sample, last_sample, enough_kbps=BITRATE_KBPS[0], full_loss_pct=LOSS_PCT[0]
        )
        speakers, carried = await asyncio.gather(
            self.speakers.outcome(self.speakers_seconds),
            self._probe_upload() if probing else asyncio.sleep(0, None),
        )
        network = summarise(
            first=first_sample,
            last=last_sample,
            ping_rtts_ms=rtts_ms,
            candidate=self.connection.candidate(),
            timings=self._timings(),
            browser=browser_report,
            probe_kbps=carried,
        )
        header = AttemptHeader(
            check_id=check_id,
            attempt_id=attempt_id,
            started_at=started_at,
            finished_at=datetime.now(started_at.tzinfo),
            browser=browser,
        )
        self.result = build_result(header, media, speakers, network)
        return self.result

    async def _measure(self) -> TransportSample | None:
        """Waits for the measurement window (or the deadline); returns the counters at its start."""
        first_sample: TransportSample | None = None
        enough = self.measure_seconds
        while time.monotonic() - self._started < self.verdict_deadline:
            if first_sample is None and self._since_first_media() >= RATE_SETTLE_SECONDS:
                first_sample = await self.connection.sample()
            if self.video.duration_s >= enough and self.audio.duration_s >= enough:
                break
            await asyncio.sleep(0.1)
        return first_sample

    async def _probe_upload(self) -> float | None:
        """Ask the page for the upload burst; what the connection carried meanwhile, in kbit/s."""
        count, done = ProbeCount(PROBE), asyncio.Event()
        self._probe = (count, done)
        self.connection.send(
            ProbeRequest(bytes=PROBE.bytes, seconds=PROBE.seconds, chunk_bytes=PROBE.chunk_bytes)
        )
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(done.wait(), PROBE.seconds)
        self._probe = None
        return count.carried_kbps()

    async def report_live(self) -> None:
        """Live metrics for the page's meters, and a ping a second, until the session ends."""
        last_ping = 0.0
        while True:
            await asyncio.sleep(
                METRICS_INTERVAL if self.result is None else SETTLED_METRICS_INTERVAL
            )
            self.connection.send(self.live_metrics())
            if time.monotonic() - last_ping >= PING_EVERY:
                last_ping = time.monotonic()
                self.connection.send(Ping(seq=self.pings.send(last_ping)))

    def live_metrics(self) -> LiveMetrics:
        last = self.video.last
        level = self.audio.last_level_dbfs
        rtts = self.pings.rtts_ms
        return LiveMetrics(
            elapsed_s=round(self._since_first_media(), 2),
            video=LiveVideo(
                frames=self.video.frames,
                fps=self.video.fps,
                received_fps=self.frame_clock.fps,
                width=self.video.width or None,
                height=self.video.height or None,
                mean_luma=None if last is None else round(last.mean_luma, 1),
            ),
            audio=LiveAudio(
                rms_dbfs=None if level is None else round(level, 1),
                peak_dbfs=None if self.audio.samples == 0 else round(self.audio.peak_dbfs, 1),
                speech_s=round(self.audio.speech_seconds, 1),
            ),
            network=LiveNetwork(rtt_ms=rtts[-1] if rtts else None),
        )

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

    def _since_first_media(self) -> float:
        return 0.0 if self._first_media is None else time.monotonic() - self._first_media
