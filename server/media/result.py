"""Assembles one attempt's result, in the shape of DESIGN.md's Result contract."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from server.media.audio import AudioSummary
from server.media.network import NetworkSummary
from server.media.verdict import (
    Outcome,
    Speakers,
    Status,
    judge_camera,
    judge_lighting,
    judge_microphone,
    judge_network,
    judge_speakers,
    overall,
)
from server.media.video import VideoSummary


def judge_media(video: VideoSummary, audio: AudioSummary | None) -> dict[str, Outcome]:
    """The checks judged on the measurement window's media."""
    return {
        "camera": judge_camera(video),
        "lighting": judge_lighting(video),
        "microphone": judge_microphone(audio),
    }


def build_result(
    *,
    check_id: str,
    attempt_id: str,
    started_at: datetime,
    finished_at: datetime,
    browser: dict[str, str],
    media: dict[str, Outcome],
    speakers: Speakers,
    network: NetworkSummary,
) -> dict[str, Any]:
    outcomes = {
        # The browser negotiated WebRTC with camera and microphone, which is what it must support.
        "browser": Outcome(Status.PASS),
        **media,
        "speakers": judge_speakers(speakers),
        "network": judge_network(network),
    }
    return assemble(check_id, attempt_id, started_at, finished_at, browser, outcomes)


def assemble(
    check_id: str,
    attempt_id: str,
    started_at: datetime,
    finished_at: datetime,
    browser: dict[str, str],
    outcomes: dict[str, Outcome],
) -> dict[str, Any]:
    return {
        "attempt_id": attempt_id,
        "check_id": check_id,
        "overall": overall(outcomes.values()),
        "started_at": started_at.isoformat(),
        "finished_at": finished_at.isoformat(),
        "browser": browser,
        "checks": {name: outcome.as_json() for name, outcome in outcomes.items()},
    }
