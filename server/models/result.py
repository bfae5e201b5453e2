"""The Result: one attempt's verdict per check, with the numbers it was judged on.

The same object is stored with the attempt, answered by the API and sent to the page as the
`verdict` message. Its shape is documented in docs/result.md; change it only deliberately.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Generic, Literal, TypeVar, get_args

from pydantic import Field, StringConstraints

from server.models.base import Contract, Id, Sparse, Timestamp

ReasonCode = Annotated[str, StringConstraints(pattern=r"^[a-z]+\.[a-z_]+$", max_length=64)]
"""A stable reason code such as `lighting.too_dark` (docs/result.md lists them)."""


class Status(StrEnum):
    """How one check went."""

    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"
    SKIPPED = "skipped"


class Overall(StrEnum):
    """The attempt as a whole: any fail is not ready; any warning, warnings."""

    READY = "ready"
    WARNINGS = "warnings"
    NOT_READY = "not_ready"


class Metrics(Sparse):
    """Numbers a check was judged on. Only the fields a check measured are written: a check that
    could not run has `{}`, and a field measured as unknown is `null`."""


class LocalMetrics(Metrics):
    measured_by: Literal["browser"] | None = None
    """Present when the browser measured alone (the server never saw the media)."""


class BrowserMetrics(Metrics):
    pass


class CameraMetrics(LocalMetrics):
    width: int | None = None
    height: int | None = None
    fps: float | None = None


class LightingMetrics(LocalMetrics):
    """Luma 0-255 on the Y plane, medians over the measurement window."""

    mean_luma: float | None = None
    center_luma: float | None = None
    """The middle 50% x 50%, where a face usually is."""
    border_luma: float | None = None
    overexposed_fraction: float | None = None
    """Share of pixels at or above 250."""
    contrast: float | None = None
    """Standard deviation of luma."""


class MicrophoneMetrics(LocalMetrics):
    """dBFS over 100 ms windows."""

    rms_dbfs: float | None = None
    """The loudest window."""
    peak_dbfs: float | None = None
    noise_floor_dbfs: float | None = None
    """The 10th percentile of the windows."""
    clipping_fraction: float | None = None
    speech_detected: bool | None = None


class SpeakersMetrics(Metrics):
    heard_by_server: bool | None = None
    """The server heard the chime in the microphone."""
    confirmed: bool | None = None


class ServerTimings(Metrics):
    """Milliseconds from the server's answer, as the server saw them."""

    ice: float | None = None
    dtls: float | None = None
    first_frame: float | None = None


Milliseconds = Annotated[float, Field(ge=0, le=600_000)]


class BrowserTimings(Metrics):
    """Milliseconds per phase, as the browser reported them."""

    media: Milliseconds | None = None
    """getUserMedia"""
    gathering: Milliseconds | None = None
    signalling: Milliseconds | None = None
    connected: Milliseconds | None = None


class BrowserReported(Metrics):
    """What the page said about its side; never judged, kept apart from our measurements."""

    download_kbps: float | None = None
    relay_protocol: Literal["udp", "tcp", "tls"] | None = None
    timings_ms: BrowserTimings | None = None


class NetworkMetrics(Metrics):
    rtt_ms: float | None = None
    jitter_ms: float | None = None
    packet_loss_pct: float | None = None
    bitrate_kbps: float | None = None
    """Upload: what the server received from the browser in the window (the media's own rate)."""
    probe_kbps: float | None = None
    """Upload: what the path carried while the page sent the upload probe; null without one."""
    download_kbps: float | None = None
    """What the server sent back."""
    download_loss_pct: float | None = None
    candidate_type: Literal["host", "srflx", "relay"] | None = None
    transport: Literal["udp", "tcp", "tls"] | None = None
    connect_ms: float | None = None
    timings_ms: ServerTimings | None = None
    browser_reported: BrowserReported | None = None


MetricsT = TypeVar("MetricsT", bound=Metrics)


class Outcome(Contract, Generic[MetricsT]):
    """One check's verdict: pass / warn / fail / skipped, why, and what was measured."""

    status: Status
    reasons: list[ReasonCode] = Field(default_factory=list, max_length=16)
    metrics: MetricsT


class Checks(Contract):
    """Every check of an attempt. The field order is the order the page shows them in."""

    browser: Outcome[BrowserMetrics]
    camera: Outcome[CameraMetrics]
    lighting: Outcome[LightingMetrics]
    microphone: Outcome[MicrophoneMetrics]
    speakers: Outcome[SpeakersMetrics]
    network: Outcome[NetworkMetrics]

    def outcomes(self) -> list[Outcome[Any]]:
        return [getattr(self, name) for name in CHECK_NAMES]


class MeasuredChecks(Contract):
    """The checks judged on the measurement window's media, before the speakers step."""

    camera: Outcome[CameraMetrics]
    lighting: Outcome[LightingMetrics]
    microphone: Outcome[MicrophoneMetrics]


CheckName = Literal["browser", "camera", "lighting", "microphone", "speakers", "network"]
CHECK_NAMES: tuple[CheckName, ...] = get_args(CheckName)
"""Every check's name, in the page's order: the one list of them."""
if tuple(Checks.model_fields) != CHECK_NAMES:
    raise TypeError("Checks must have one field per CheckName, in the same order")
MEASURED: tuple[CheckName, ...] = ("camera", "lighting", "microphone")
"""The checks judged on the measurement window's media, before the speakers step."""


class Browser(Contract):
    """A coarse reading of the browser's User-Agent: nothing that identifies a person."""

    name: Annotated[str, StringConstraints(max_length=20)]
    version: Annotated[str, StringConstraints(pattern=r"^[0-9]{0,6}$")]
    os: Annotated[str, StringConstraints(max_length=20)]


NetworkPath = Literal["direct", "relay", "blocked", "unknown"]


class Result(Contract):
    attempt_id: Id
    check_id: Id
    overall: Overall
    started_at: Timestamp
    finished_at: Timestamp
    browser: Browser
    checks: Checks

    def network_path(self) -> NetworkPath:
        """How the candidate's media reached us: direct, through the relay, or not at all."""
        network = self.checks.network
        if "network.blocked" in network.reasons:
            return "blocked"
        kind = network.metrics.candidate_type
        if kind == "relay":
            return "relay"
        if kind in ("host", "srflx"):
            return "direct"
        return "unknown"

    def reason_codes(self) -> set[str]:
        return {code for outcome in self.checks.outcomes() for code in outcome.reasons}
