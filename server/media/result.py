"""Assembles one attempt's result, in the shape of DESIGN.md's Result contract."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from server.media.audio import AudioSummary
from server.media.verdict import (
    Outcome,
    Status,
    judge_camera,
    judge_lighting,
    judge_microphone,
    overall,
)
from server.media.video import VideoSummary


def build_result(
    *,
    check_id: str,
    attempt_id: str,
    started_at: datetime,
    finished_at: datetime,
    browser: dict[str, str],
    video: VideoSummary,
    audio: AudioSummary | None,
) -> dict[str, Any]:
    outcomes = {
        # The browser negotiated WebRTC with camera and microphone, which is what it must support.
        "browser": Outcome(Status.PASS),
        "camera": judge_camera(video),
        "lighting": judge_lighting(video),
        "microphone": judge_microphone(audio),
        "speakers": Outcome(Status.SKIPPED),
        "network": Outcome(Status.SKIPPED),
    }
    return {
        "attempt_id": attempt_id,
        "check_id": check_id,
        "overall": overall(outcomes.values()),
        "started_at": started_at.isoformat(),
        "finished_at": finished_at.isoformat(),
        "browser": browser,
        "checks": {name: outcome.as_json() for name, outcome in outcomes.items()},
    }
