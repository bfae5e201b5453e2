"""The verdict rules: pure functions from measured summaries to pass / warn / fail with reasons.

Thresholds are DESIGN.md's starting values. They speak of light and sound, never of faces.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from server.media.audio import AudioSummary
from server.media.network import NetworkSummary
from server.media.video import VideoSummary


class Status(StrEnum):
    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"
    SKIPPED = "skipped"


SEVERITY = {Status.SKIPPED: 0, Status.PASS: 0, Status.WARN: 1, Status.FAIL: 2}


@dataclass(frozen=True)
class Outcome:
    """One check's verdict."""

    status: Status
    reasons: list[str] = field(default_factory=list)
    metrics: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {"status": self.status.value, "reasons": self.reasons, "metrics": self.metrics}


class Findings:
    """Collects (status, reason) pairs; the worst status wins."""

    def __init__(self) -> None:
        self.status = Status.PASS
        self.reasons: list[str] = []

    def add(self, status: Status, reason: str) -> None:
        self.reasons.append(reason)
        if SEVERITY[status] > SEVERITY[self.status]:
            self.status = status

    def outcome(self, metrics: dict[str, Any]) -> Outcome:
        return Outcome(self.status, self.reasons, metrics)


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


def judge_camera(video: VideoSummary) -> Outcome:
    metrics: dict[str, Any] = {"width": video.width, "height": video.height, "fps": video.fps}
    found = Findings()
    if video.frames == 0:
        found.add(Status.FAIL, "camera.no_frames")
        return found.outcome(metrics)
    if is_black(video):
        found.add(Status.FAIL, "camera.black")
    if video.longest_frozen_s >= FROZEN_SECONDS:
        found.add(Status.WARN, "camera.frozen")
    if video.fps is not None and video.fps < FPS_FAIL:
        found.add(Status.FAIL, "camera.low_fps")
    elif video.fps is not None and video.fps < FPS_WARN:
        found.add(Status.WARN, "camera.low_fps")
    long_side, short_side = max(video.width, video.height), min(video.width, video.height)
    if long_side < RESOLUTION_FAIL[0] or short_side < RESOLUTION_FAIL[1]:
        found.add(Status.FAIL, "camera.low_resolution")
    elif long_side < RESOLUTION_WARN[0] or short_side < RESOLUTION_WARN[1]:
        found.add(Status.WARN, "camera.low_resolution")
    return found.outcome(metrics)


def judge_lighting(video: VideoSummary) -> Outcome:
    light = video.light
    if light is None or is_black(video) or video.duration_s < MIN_LIGHT_SECONDS:
        # Without a usable picture for long enough there is no light to judge; the camera says why.
        return Outcome(Status.SKIPPED)
    metrics = {
        "mean_luma": round(light.mean_luma, 1),
        "center_luma": round(light.center_luma, 1),
        "border_luma": round(light.border_luma, 1),
        "overexposed_fraction": round(light.overexposed_fraction, 4),
        "contrast": round(light.contrast, 1),
    }
    found = Findings()
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


def judge_microphone(audio: AudioSummary | None) -> Outcome:
    if audio is None:
        return Outcome(Status.FAIL, ["microphone.no_audio"])
    metrics = {
        "rms_dbfs": round(audio.rms_dbfs, 1),
        "peak_dbfs": round(audio.peak_dbfs, 1),
        "noise_floor_dbfs": round(audio.noise_floor_dbfs, 1),
        "clipping_fraction": round(audio.clipping_fraction, 4),
        "speech_detected": audio.speech_detected,
    }
    found = Findings()
    if audio.rms_dbfs < SILENT:
        found.add(Status.FAIL, "microphone.silent")
    elif audio.rms_dbfs < TOO_QUIET:
        found.add(Status.WARN, "microphone.too_quiet")
    if audio.clipping_fraction > CLIPPING_SHARE:
        found.add(Status.WARN, "microphone.clipping")
    if audio.noise_floor_dbfs > NOISY_FLOOR:
        found.add(Status.WARN, "microphone.noisy")
    return found.outcome(metrics)


def judge_network(network: NetworkSummary) -> Outcome:
    found = Findings()
    for value, (warn, fail), reason in (
        (network.rtt_ms, RTT_MS, "network.high_rtt"),
        (network.jitter_ms, JITTER_MS, "network.high_jitter"),
        (network.packet_loss_pct, LOSS_PCT, "network.high_loss"),
    ):
        if value is not None and value >= fail:
            found.add(Status.FAIL, reason)
        elif value is not None and value >= warn:
            found.add(Status.WARN, reason)
    bitrate = network.bitrate_kbps
    if bitrate is not None and bitrate < BITRATE_KBPS[1]:
        found.add(Status.FAIL, "network.low_bitrate")
    elif bitrate is not None and bitrate < BITRATE_KBPS[0]:
        found.add(Status.WARN, "network.low_bitrate")
    if network.candidate_type == "relay":
        # Information, not a fault: calls work through a relay, and IT may want to know.
        found.reasons.append("network.relay")
    return found.outcome(network.metrics())


def network_blocked(metrics: dict[str, Any] | None = None) -> Outcome:
    return Outcome(Status.FAIL, ["network.blocked"], metrics or {})


class Speakers(StrEnum):
    """How the speakers step ended."""

    HEARD = "heard"
    """The server heard the chime in the microphone."""
    CONFIRMED = "confirmed"
    NOT_HEARD = "not_heard"
    """The candidate said they did not hear the chime."""
    UNANSWERED = "unanswered"


def judge_speakers(answer: Speakers) -> Outcome:
    metrics = {
        "heard_by_server": answer is Speakers.HEARD,
        "confirmed": answer in (Speakers.HEARD, Speakers.CONFIRMED),
    }
    if answer is Speakers.NOT_HEARD:
        return Outcome(Status.FAIL, ["speakers.not_heard"], metrics)
    if answer is Speakers.UNANSWERED:
        return Outcome(Status.WARN, ["speakers.not_confirmed"], metrics)
    return Outcome(Status.PASS, [], metrics)


def overall(outcomes: Iterable[Outcome]) -> str:
    """Any fail: not_ready; any warn (unconfirmed speakers are one): warnings; else ready."""
    worst = max((SEVERITY[o.status] for o in outcomes), default=0)
    return ("ready", "warnings", "not_ready")[worst]
