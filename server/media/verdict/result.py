"""Assembles one attempt's Result (`server/models/result.py`) from the checks' outcomes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from server.media.analysis.audio import AudioSummary
from server.media.analysis.network import NetworkSummary
from server.media.analysis.video import VideoSummary
from server.media.verdict.rules import (
    Speakers,
    judge_camera,
    judge_lighting,
    judge_microphone,
    judge_network,
    judge_speakers,
    overall,
)
from server.models.result import (
    Browser,
    BrowserMetrics,
    Checks,
    MeasuredChecks,
    NetworkMetrics,
    Outcome,
    Result,
    SpeakersMetrics,
    Status,
)


def judge_media(video: VideoSummary, audio: AudioSummary | None) -> MeasuredChecks:
    return MeasuredChecks(
        camera=judge_camera(video),
        lighting=judge_lighting(video),
        microphone=judge_microphone(audio),
    )


def browser_passed() -> Outcome[BrowserMetrics]:
    """The browser negotiated WebRTC (or ran the local check) with camera and microphone, which
    is what it must support."""
    return Outcome[BrowserMetrics](status=Status.PASS, metrics=BrowserMetrics())


@dataclass(frozen=True)
class AttemptHeader:
    """Who, when and with what browser: the parts of a Result that are not verdicts."""

    check_id: str
    attempt_id: str
    started_at: datetime
    finished_at: datetime
    browser: Browser


def assemble(
    attempt: AttemptHeader,
    media: MeasuredChecks,
    speakers: Outcome[SpeakersMetrics],
    network: Outcome[NetworkMetrics],
) -> Result:
    checks = Checks(
        browser=browser_passed(),
        camera=media.camera,
        lighting=media.lighting,
        microphone=media.microphone,
        speakers=speakers,
        network=network,
    )
    return Result(
        attempt_id=attempt.attempt_id,
        check_id=attempt.check_id,
        overall=overall(checks.outcomes()),
        started_at=attempt.started_at,
        finished_at=attempt.finished_at,
        browser=attempt.browser,
        checks=checks,
    )


def build_result(
    attempt: AttemptHeader, media: MeasuredChecks, speakers: Speakers, network: NetworkSummary
) -> Result:
    """A session's Result: everything measured by the server."""
    return assemble(attempt, media, judge_speakers(speakers), judge_network(network))
