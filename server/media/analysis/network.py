"""Network measurement: pure bookkeeping over counters sampled from one connection.

The session samples the connection's counters (`TransportSample`) about once a second and times
data-channel pings; this module turns them into the numbers the rules judge. Nothing here knows
aiortc: `probe.py` reads the counters.
"""

from __future__ import annotations

import statistics
from collections import deque
from dataclasses import dataclass, field
from typing import Literal

CandidateType = Literal["host", "srflx", "relay"]
Transport = Literal["udp", "tcp", "tls"]
MAX_PINGS_KEPT = 120
MAX_OUTSTANDING_PINGS = 8


@dataclass(frozen=True)
class StreamCounters:
    """One incoming RTP stream's receive statistics (RFC 3550), as the server counts them."""

    ssrc: int
    kind: str
    clock_rate: int
    packets_received: int
    packets_lost: int
    jitter: int
    """Interarrival jitter in RTP timestamp units of this stream's clock."""

    @property
    def jitter_ms(self) -> float:
        return 1000.0 * self.jitter / self.clock_rate if self.clock_rate > 0 else 0.0


@dataclass(frozen=True)
class TransportSample:
    """The connection's counters at one moment (`at` in monotonic seconds)."""

    at: float
    bytes_received: int
    bytes_sent: int
    streams: tuple[StreamCounters, ...] = ()
    remote_rtt_s: float | None = None
    """Round trip from RTCP receiver reports the browser sends about our loopback."""
    remote_fraction_lost: float | None = None
    """Share (0-1) of our loopback the browser reports lost in its latest receiver report."""


@dataclass(frozen=True)
class Candidate:
    """The selected ICE pair's remote side, as this server sees it."""

    type: CandidateType
    """host, srflx or relay (peer-reflexive counts as srflx: the address is behind a NAT)."""
    transport: Literal["udp", "tcp"]
    """Between the browser (or its relay) and this server."""


@dataclass(frozen=True)
class PhaseTimings:
    """Server-side milliseconds, from sending the answer."""

    ice_ms: float | None = None
    dtls_ms: float | None = None
    first_frame_ms: float | None = None


@dataclass(frozen=True)
class BrowserReport:
    """What the page says about its side; stored apart from the server's own measurements."""

    download_kbps: float | None = None
    relay_protocol: Transport | None = None
    """How the browser reaches its TURN server, when it relays."""
    timings_ms: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class NetworkSummary:
    rtt_ms: float | None
    jitter_ms: float | None
    packet_loss_pct: float | None
    bitrate_kbps: float | None
    """Upload: what the server received from the browser in the window (the media's own rate)."""
    probe_kbps: float | None
    """Upload: what the path carried during the upload probe; None without a probe."""
    download_kbps: float | None
    """What the server sent back; what the browser says arrived is in `browser`."""
    download_loss_pct: float | None
    candidate_type: CandidateType | None
    transport: Transport | None
    connect_ms: float | None
    timings: PhaseTimings
    browser: BrowserReport

    @property
    def upload_kbps(self) -> float | None:
        """The most the upload is known to carry: the probe's rate, or the media's when higher
        (or when there was no probe)."""
        known = [v for v in (self.bitrate_kbps, self.probe_kbps) if v is not None]
        return max(known) if known else None


class PingClock:
    """Times data-channel pings: the page echoes each `seq` straight back."""

    def __init__(self) -> None:
        self._next = 0
        self._outstanding: dict[int, float] = {}
        self._rtts: deque[float] = deque(maxlen=MAX_PINGS_KEPT)

    def send(self, now: float) -> int:
        seq = self._next
        self._next += 1
        self._outstanding[seq] = now
        # A page that never answers must not make this grow.
        while len(self._outstanding) > MAX_OUTSTANDING_PINGS:
            del self._outstanding[min(self._outstanding)]
        return seq

    def answered(self, seq: int, now: float) -> float | None:
        """The round trip in ms for a pong, or None for one never sent or already answered."""
        sent = self._outstanding.pop(seq, None)
        if sent is None:
            return None
        rtt = 1000.0 * (now - sent)
        self._rtts.append(rtt)
        return rtt

    @property
    def rtts_ms(self) -> list[float]:
        return list(self._rtts)


def median_or_none(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def kbps(first: int, last: int, seconds: float) -> float | None:
    return None if seconds < 0.5 else 8.0 * (last - first) / seconds / 1000.0


def jitter_ms(streams: tuple[StreamCounters, ...]) -> float | None:
    """Audio's jitter when there is audio: a video frame's packets share one timestamp and leave
    in a burst, which reads as jitter that a call does not suffer."""
    audio = [s.jitter_ms for s in streams if s.kind == "audio"]
    if audio:
        return max(audio)
    video = [s.jitter_ms for s in streams if s.kind == "video"]
    return max(video) if video else None


def loss_pct(before: tuple[StreamCounters, ...], after: tuple[StreamCounters, ...]) -> float | None:
    """Packets lost between two samples, over every stream; a stream new since `before` counts
    from its start."""
    earlier = {s.ssrc: s for s in before}
    received = lost = 0
    for stream in after:
        start = earlier.get(stream.ssrc)
        received += stream.packets_received - (start.packets_received if start else 0)
        lost += max(0, stream.packets_lost) - (max(0, start.packets_lost) if start else 0)
    lost = max(0, lost)
    if received + lost <= 0:
        return None
    return 100.0 * lost / (received + lost)


def summarise(
    *,
    first: TransportSample | None,
    last: TransportSample | None,
    ping_rtts_ms: list[float],
    candidate: Candidate | None,
    timings: PhaseTimings,
    browser: BrowserReport,
    probe_kbps: float | None = None,
) -> NetworkSummary:
    """The session's network figures; rates are counted between the `first` and `last` samples."""
    rtt = median_or_none(ping_rtts_ms)
    if rtt is None and last is not None and last.remote_rtt_s is not None:
        rtt = 1000.0 * last.remote_rtt_s
    upload = download = None
    if first is not None and last is not None:
        seconds = last.at - first.at
        upload = kbps(first.bytes_received, last.bytes_received, seconds)
        download = kbps(first.bytes_sent, last.bytes_sent, seconds)
    transport: Transport | None = candidate.transport if candidate else None
    if candidate and candidate.type == "relay" and browser.relay_protocol is not None:
        # Between the browser and its TURN server: only the browser can see that leg.
        transport = browser.relay_protocol
    return NetworkSummary(
        rtt_ms=rtt,
        jitter_ms=None if last is None else jitter_ms(last.streams),
        packet_loss_pct=None
        if last is None
        else loss_pct(first.streams if first else (), last.streams),
        bitrate_kbps=upload,
        probe_kbps=probe_kbps,
        download_kbps=download,
        download_loss_pct=None
        if last is None or last.remote_fraction_lost is None
        else 100.0 * last.remote_fraction_lost,
        candidate_type=candidate.type if candidate else None,
        transport=transport,
        connect_ms=timings.dtls_ms,
        timings=timings,
        browser=browser,
    )
