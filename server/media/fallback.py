"""A check that could not reach the media server: the browser measured alone, and says so.

The page measures its own camera picture (canvas) and microphone (WebAudio) and posts the numbers.
They are judged by the same rules as the server's measurements but are marked as the browser's,
because the server never saw that media. The network verdict is the server's: no connection.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from server.errors import InvalidInput
from server.media.audio import AudioSummary
from server.media.result import assemble, judge_media
from server.media.verdict import Outcome, Speakers, Status, judge_speakers, network_blocked
from server.media.video import FrameStats, VideoSummary


class Why(StrEnum):
    BLOCKED = "blocked"
    """WebRTC could not connect: UDP and the relays are blocked, or nothing answered in time."""
    BUSY = "busy"
    """Every media slot was in use, after waiting and asking again."""


@dataclass(frozen=True)
class LocalMeasurement:
    why: Why
    video: VideoSummary
    audio: AudioSummary | None


def parse_fallback(data: dict[str, Any]) -> LocalMeasurement:
    try:
        why = Why(str(data.get("why")))
    except ValueError:
        raise InvalidInput("why must be blocked or busy", code="invalid_fallback") from None
    return LocalMeasurement(
        why=why, video=_video(data.get("camera")), audio=_audio(data.get("microphone"))
    )


def fallback_result(
    measured: LocalMeasurement,
    *,
    check_id: str,
    attempt_id: str,
    started_at: datetime,
    finished_at: datetime,
    browser: dict[str, str],
) -> dict[str, Any]:
    media = {
        name: Outcome(
            outcome.status, outcome.reasons, {**outcome.metrics, "measured_by": "browser"}
        )
        for name, outcome in judge_media(measured.video, measured.audio).items()
    }
    network = (
        network_blocked()
        if measured.why is Why.BLOCKED
        # The candidate's network was never tried: nothing to hold against them.
        else Outcome(Status.SKIPPED, ["network.server_busy"])
    )
    outcomes = {
        "browser": Outcome(Status.PASS),
        **media,
        # Not tested, so not confirmed: a local check never reads as fully ready.
        "speakers": judge_speakers(Speakers.UNANSWERED),
        "network": network,
    }
    return assemble(check_id, attempt_id, started_at, finished_at, browser, outcomes)


def _video(raw: object) -> VideoSummary:
    if raw is None:
        return VideoSummary(
            frames=0, duration_s=0.0, fps=None, width=0, height=0, light=None, longest_frozen_s=0.0
        )
    camera = _object(raw, "camera")
    frames = int(_number(camera, "frames", 0, 10_000, whole=True))
    light = None
    if frames:
        light = FrameStats(
            mean_luma=_number(camera, "mean_luma", 0, 255),
            center_luma=_number(camera, "center_luma", 0, 255),
            border_luma=_number(camera, "border_luma", 0, 255),
            overexposed_fraction=_number(camera, "overexposed_fraction", 0, 1),
            contrast=_number(camera, "contrast", 0, 255),
        )
    fps = camera.get("fps")
    return VideoSummary(
        frames=frames,
        duration_s=_number(camera, "duration_s", 0, 60),
        fps=None if fps is None else _number(camera, "fps", 0, 240),
        width=int(_number(camera, "width", 0, 8192, whole=True)),
        height=int(_number(camera, "height", 0, 8192, whole=True)),
        light=light,
        # A canvas sampled a few times a second cannot tell a frozen camera from a still room.
        longest_frozen_s=0.0,
    )


def _audio(raw: object) -> AudioSummary | None:
    if raw is None:
        return None
    mic = _object(raw, "microphone")
    return AudioSummary(
        windows=int(_number(mic, "windows", 1, 10_000, whole=True)),
        rms_dbfs=_number(mic, "rms_dbfs", -120, 0),
        peak_dbfs=_number(mic, "peak_dbfs", -120, 0),
        noise_floor_dbfs=_number(mic, "noise_floor_dbfs", -120, 0),
        clipping_fraction=_number(mic, "clipping_fraction", 0, 1),
        # WebAudio levels say nothing about whether it was a voice.
        speech_detected=False,
        speech_seconds=0.0,
    )


def _object(raw: object, name: str) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise InvalidInput(f"{name} must be an object or null", code="invalid_fallback")
    return raw


def _number(
    data: dict[str, Any], key: str, low: float, high: float, *, whole: bool = False
) -> float:
    value = data.get(key)
    valid = (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        # Range first: a 400-digit JSON integer does not fit in a float.
        and low <= value <= high
        and math.isfinite(value)
        and (not whole or float(value).is_integer())
    )
    if not valid:
        kind = "a whole number" if whole else "a number"
        raise InvalidInput(
            f"{key} must be {kind} from {low:g} to {high:g}", code="invalid_fallback"
        )
    return float(value)  # type: ignore[arg-type]
