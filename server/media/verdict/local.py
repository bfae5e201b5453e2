"""A check that could not reach the media server: the browser measured alone, and says so.

The page's own numbers (`server/models/fallback.py`) are judged by the same rules as the
server's measurements but marked as the browser's, because the server never saw that media.
The network verdict is the server's: no connection, or no slot free.
"""

from __future__ import annotations

from typing import Any, TypeVar

from server.media.analysis.audio import AudioSummary
from server.media.analysis.video import FrameStats, VideoSummary
from server.media.verdict.result import AttemptHeader, assemble, judge_media
from server.media.verdict.rules import Speakers, judge_speakers, network_blocked
from server.models.fallback import LocalCamera, LocalCheck, LocalMicrophone
from server.models.result import MeasuredChecks, NetworkMetrics, Outcome, Result, Status


def local_result(measured: LocalCheck, attempt: AttemptHeader) -> Result:
    judged = judge_media(video_of(measured.camera), audio_of(measured.microphone))
    media = MeasuredChecks(
        camera=by_browser(judged.camera),
        lighting=by_browser(judged.lighting),
        microphone=by_browser(judged.microphone),
    )
    network = (
        network_blocked()
        if measured.why == "blocked"
        # The candidate's network was never tried: nothing to hold against them.
        else Outcome[NetworkMetrics](
            status=Status.SKIPPED, reasons=["network.server_busy"], metrics=NetworkMetrics()
        )
    )
    # Not tested, so not confirmed: a local check never reads as fully ready.
    return assemble(attempt, media, judge_speakers(Speakers.UNANSWERED), network)


OutcomeT = TypeVar("OutcomeT", bound=Outcome[Any])


def by_browser(outcome: OutcomeT) -> OutcomeT:
    return outcome.model_copy(
        update={"metrics": outcome.metrics.model_copy(update={"measured_by": "browser"})}
    )


def video_of(camera: LocalCamera | None) -> VideoSummary:
    if camera is None:
        return VideoSummary(
            frames=0, duration_s=0.0, fps=None, width=0, height=0, light=None, motion=None
        )
    light = None
    if camera.frames:
        light = FrameStats(
            mean_luma=camera.mean_luma or 0.0,
            center_luma=camera.center_luma or 0.0,
            border_luma=camera.border_luma or 0.0,
            overexposed_fraction=camera.overexposed_fraction or 0.0,
            contrast=camera.contrast or 0.0,
        )
    return VideoSummary(
        frames=camera.frames,
        duration_s=camera.duration_s,
        fps=camera.fps,
        width=camera.width,
        height=camera.height,
        light=light,
        # A canvas sampled a few times a second cannot tell a frozen camera from a still room.
        motion=None,
    )


def audio_of(microphone: LocalMicrophone | None) -> AudioSummary | None:
    if microphone is None:
        return None
    return AudioSummary(
        windows=microphone.windows,
        rms_dbfs=microphone.rms_dbfs,
        peak_dbfs=microphone.peak_dbfs,
        noise_floor_dbfs=microphone.noise_floor_dbfs,
        clipping_fraction=microphone.clipping_fraction,
        # WebAudio levels say nothing about whether it was a voice.
        speech_detected=False,
        speech_seconds=0.0,
    )
