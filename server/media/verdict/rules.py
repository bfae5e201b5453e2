"""The verdict rules: pure functions from measured summaries to pass / warn / fail with reasons.

Thresholds and their sources are in docs/verdicts.md. They speak of light and sound, never of
faces.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Any, Generic

from server.media.analysis.audio import AudioSummary
from server.media.analysis.network import NetworkSummary
from server.media.analysis.video import VideoSummary
from server.models.result import (
    BrowserReported,
    BrowserTimings,
    CameraMetrics,
    LightingMetrics,
    MetricsT,
    MicrophoneMetrics,
    NetworkMetrics,
    Outcome,
    Overall,
    ServerTimings,
    SpeakersMetrics,
    Status,
)

SEVERITY = {Status.SKIPPED: 0, Status.PASS: 0, Status.WARN: 1, Status.FAIL: 2}


class Findings(Generic[MetricsT]):
    """Collects (status, reason) pairs; the worst status wins."""

    def __init__(self) -> None:
        self.status = Status.PASS
        self.reasons: list[str] = []

    def add(self, status: Status, reason: str) -> None:
        self.reasons.append(reason)
        if SEVERITY[status] > SEVERITY[self.status]:
            self.status = status

    def outcome(self, metrics: MetricsT) -> Outcome[MetricsT]:
        return Outcome[Any](status=self.status, reasons=self.reasons, metrics=metrics)


# Lighting (luma 0-255)
TOO_DARK = 40
DIM = 70
BACKLIT_DIFFERENCE = 60
BACKLIT_BORDER = 150
OVEREXPOSED_SHARE = 0.25
OVEREXPOSED_MEAN = 200
MIN_LIGHT_SECONDS = 2.0
# Camera
BLACK_MEAN = 8
BLACK_STDDEV = 3
FROZEN_SECONDS = 2.0
FROZEN_MOVED_SHARE = 0.004
FPS_FAIL = 10
FPS_WARN = 15
RESOLUTION_FAIL = (320, 240)
RESOLUTION_WARN = (640, 360)
# Microphone (dBFS)
SILENT = -60
TOO_QUIET = -40
CLIPPING_SHARE = 0.01
NOISY_FLOOR = -45
# Network: (warn at or above, fail at or above); bitrate is (warn below, fail below).
RTT_MS = (250, 400)
JITTER_MS = (30, 50)
LOSS_PCT = (3, 8)
BITRATE_KBPS = (500, 150)


def is_black(video: VideoSummary) -> bool:
    light = video.light
    return light is not None and light.mean_luma < BLACK_MEAN and light.contrast < BLACK_STDDEV


def is_frozen(video: VideoSummary) -> bool:
    """Nothing in the picture moved beyond the codec's own changes, over at least 2 s of video."""
    motion = video.motion
    return (
        motion is not None
        and video.duration_s >= FROZEN_SECONDS
        and motion.moved_share < FROZEN_MOVED_SHARE
    )


def judge_camera(video: VideoSummary) -> Outcome[CameraMetrics]:
    metrics = CameraMetrics(width=video.width, height=video.height, fps=video.fps)
    found = Findings[CameraMetrics]()
    if video.frames == 0:
        found.add(Status.FAIL, "camera.no_frames")
        return found.outcome(metrics)
    frozen = False
    if is_black(video):
        # A covered lens does not move either; opening it is the one fix to give.
        found.add(Status.FAIL, "camera.black")
    elif is_frozen(video):
        frozen = True
        found.add(Status.WARN, "camera.frozen")
    # The frame rate of a picture that does not change is the encoder's choice (it thins out
    # and drops frames that add nothing), not the camera's or the network's: unsticking the
    # camera is the fix, and "choppy video" advice would send the candidate the wrong way.
    fps = None if frozen else video.fps
    if fps is not None and fps < FPS_FAIL:
        found.add(Status.FAIL, "camera.low_fps")
    elif fps is not None and fps < FPS_WARN:
        found.add(Status.WARN, "camera.low_fps")
    long_side, short_side = max(video.width, video.height), min(video.width, video.height)
    if long_side < RESOLUTION_FAIL[0] or short_side < RESOLUTION_FAIL[1]:
        found.add(Status.FAIL, "camera.low_resolution")
    elif long_side < RESOLUTION_WARN[0] or short_side < RESOLUTION_WARN[1]:
        found.add(Status.WARN, "camera.low_resolution")
    return found.outcome(metrics)


def judge_lighting(video: VideoSummary) -> Outcome[LightingMetrics]:
    light = video.light
    if light is None or is_black(video) or video.duration_s < MIN_LIGHT_SECONDS:
        # Without a usable picture for long enough there is no light to judge; the camera says why.
        return Outcome[LightingMetrics](status=Status.SKIPPED, metrics=LightingMetrics())
    metrics = LightingMetrics(
        mean_luma=round(light.mean_luma, 1),
        center_luma=round(light.center_luma, 1),
        border_luma=round(light.border_luma, 1),
        overexposed_fraction=round(light.overexposed_fraction, 4),
        contrast=round(light.contrast, 1),
    )
    found = Findings[LightingMetrics]()
    center = light.center_luma
    backlit = light.border_luma - center > BACKLIT_DIFFERENCE and light.border_luma > BACKLIT_BORDER
    if backlit:
        # Light behind the candidate is what darkens the face, so it is the one fix to give.
        found.add(Status.FAIL if center < TOO_DARK else Status.WARN, "lighting.backlit")
    elif center < TOO_DARK:
        found.add(Status.FAIL, "lighting.too_dark")
    elif center < DIM:
        found.add(Status.WARN, "lighting.dim")
    if light.overexposed_fraction > OVEREXPOSED_SHARE or light.mean_luma > OVEREXPOSED_MEAN:
        found.add(Status.WARN, "lighting.overexposed")
    return found.outcome(metrics)


def judge_microphone(audio: AudioSummary | None) -> Outcome[MicrophoneMetrics]:
    if audio is None:
        return Outcome[MicrophoneMetrics](
            status=Status.FAIL, reasons=["microphone.no_audio"], metrics=MicrophoneMetrics()
        )
    metrics = MicrophoneMetrics(
        rms_dbfs=round(audio.rms_dbfs, 1),
        peak_dbfs=round(audio.peak_dbfs, 1),
        noise_floor_dbfs=round(audio.noise_floor_dbfs, 1),
        clipping_fraction=round(audio.clipping_fraction, 4),
        speech_detected=audio.speech_detected,
    )
    found = Findings[MicrophoneMetrics]()
    if audio.rms_dbfs < SILENT:
        found.add(Status.FAIL, "microphone.silent")
    elif audio.rms_dbfs < TOO_QUIET:
        found.add(Status.WARN, "microphone.too_quiet")
    if audio.clipping_fraction > CLIPPING_SHARE:
        found.add(Status.WARN, "microphone.clipping")
    if audio.noise_floor_dbfs > NOISY_FLOOR:
        found.add(Status.WARN, "microphone.noisy")
    return found.outcome(metrics)


def judge_network(network: NetworkSummary) -> Outcome[NetworkMetrics]:
    found = Findings[NetworkMetrics]()
    for value, (warn, fail), reason in (
        (network.rtt_ms, RTT_MS, "network.high_rtt"),
        (network.jitter_ms, JITTER_MS, "network.high_jitter"),
        (network.packet_loss_pct, LOSS_PCT, "network.high_loss"),
    ):
        if value is not None and value >= fail:
            found.add(Status.FAIL, reason)
        elif value is not None and value >= warn:
            found.add(Status.WARN, reason)
    bitrate = network.upload_kbps
    if bitrate is not None and bitrate < BITRATE_KBPS[1]:
        found.add(Status.FAIL, "network.low_bitrate")
    elif bitrate is not None and bitrate < BITRATE_KBPS[0]:
        found.add(Status.WARN, "network.low_bitrate")
    if network.candidate_type == "relay":
        # Information, not a fault: calls work through a relay, and IT may want to know.
        found.reasons.append("network.relay")
    return found.outcome(network_metrics(network))


def network_metrics(network: NetworkSummary) -> NetworkMetrics:
    def rounded(value: float | None, digits: int = 1) -> float | None:
        return None if value is None else round(value, digits)

    reported = network.browser
    return NetworkMetrics(
        rtt_ms=rounded(network.rtt_ms),
        jitter_ms=rounded(network.jitter_ms),
        packet_loss_pct=rounded(network.packet_loss_pct, 2),
        bitrate_kbps=rounded(network.bitrate_kbps),
        probe_kbps=rounded(network.probe_kbps),
        download_kbps=rounded(network.download_kbps),
        download_loss_pct=rounded(network.download_loss_pct, 2),
        candidate_type=network.candidate_type,
        transport=network.transport,
        connect_ms=rounded(network.connect_ms),
        timings_ms=ServerTimings(
            ice=rounded(network.timings.ice_ms),
            dtls=rounded(network.timings.dtls_ms),
            first_frame=rounded(network.timings.first_frame_ms),
        ),
        browser_reported=BrowserReported(
            download_kbps=rounded(reported.download_kbps),
            relay_protocol=reported.relay_protocol,
            timings_ms=BrowserTimings(
                **{name: round(value, 1) for name, value in reported.timings_ms.items()}
            ),
        ),
    )


def network_blocked() -> Outcome[NetworkMetrics]:
    return Outcome[NetworkMetrics](
        status=Status.FAIL, reasons=["network.blocked"], metrics=NetworkMetrics()
    )


class Speakers(StrEnum):
    """How the speakers step ended."""

    HEARD = "heard"
    """The server heard the chime in the microphone."""
    CONFIRMED = "confirmed"
    NOT_HEARD = "not_heard"
    """The candidate said they did not hear the chime."""
    UNANSWERED = "unanswered"


def judge_speakers(answer: Speakers) -> Outcome[SpeakersMetrics]:
    metrics = SpeakersMetrics(
        heard_by_server=answer is Speakers.HEARD,
        confirmed=answer in (Speakers.HEARD, Speakers.CONFIRMED),
    )
    found = Findings[SpeakersMetrics]()
    if answer is Speakers.NOT_HEARD:
        found.add(Status.FAIL, "speakers.not_heard")
    elif answer is Speakers.UNANSWERED:
        found.add(Status.WARN, "speakers.not_confirmed")
    return found.outcome(metrics)


def overall(outcomes: Iterable[Outcome[Any]]) -> Overall:
    """Any fail: not_ready; any warn (unconfirmed speakers are one): warnings; else ready."""
    worst = max((SEVERITY[o.status] for o in outcomes), default=0)
    return (Overall.READY, Overall.WARNINGS, Overall.NOT_READY)[worst]
