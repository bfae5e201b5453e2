"""The verdict rules at the edges of each threshold: just below, at, and just above."""

from __future__ import annotations

from typing import Any

import pytest

from server.media.analysis.audio import AudioSummary
from server.media.analysis.motion import Motion
from server.media.analysis.video import FrameStats, VideoSummary
from server.media.verdict.rules import judge_camera, judge_lighting, judge_microphone, overall
from server.models.result import BrowserMetrics, Outcome, Status


def light(
    center: float = 120.0,
    border: float | None = None,
    *,
    mean: float | None = None,
    overexposed: float = 0.0,
    contrast: float = 30.0,
) -> FrameStats:
    border = center if border is None else border
    return FrameStats(
        mean_luma=0.25 * center + 0.75 * border if mean is None else mean,
        center_luma=center,
        border_luma=border,
        overexposed_fraction=overexposed,
        contrast=contrast,
    )


def video(
    stats: FrameStats | None = None,
    *,
    frames: int = 61,
    duration: float = 4.0,
    fps: float | None = 15.0,
    size: tuple[int, int] = (640, 480),
    moved: float | None = 0.05,
) -> VideoSummary:
    return VideoSummary(
        frames=frames,
        duration_s=duration,
        fps=fps,
        width=size[0],
        height=size[1],
        light=light() if stats is None else stats,
        motion=None if moved is None else Motion(moved_share=moved, level=3.0),
    )


def audio(
    rms: float = -20.0, *, floor: float = -70.0, clipping: float = 0.0, speech: bool = True
) -> AudioSummary:
    return AudioSummary(
        windows=40,
        rms_dbfs=rms,
        peak_dbfs=rms + 3,
        noise_floor_dbfs=floor,
        clipping_fraction=clipping,
        speech_detected=speech,
    )


def verdict(outcome: Outcome[Any]) -> tuple[Status, list[str]]:
    return outcome.status, outcome.reasons


P, W, F, S = Status.PASS, Status.WARN, Status.FAIL, Status.SKIPPED
PASS: tuple[Status, list[str]] = (P, [])
NO_FRAMES = VideoSummary(0, 0.0, None, 0, 0, None, None)


@pytest.mark.parametrize(
    ("stats", "expected"),
    [
        (light(39.9), (F, ["lighting.too_dark"])),
        (light(40.0), (W, ["lighting.dim"])),
        (light(69.9), (W, ["lighting.dim"])),
        (light(70.0), PASS),
        # backlit: border - centre > 60 and border > 150
        (light(100.0, 160.0), PASS),
        (light(100.0, 160.5), (W, ["lighting.backlit"])),
        (light(50.0, 150.0), (W, ["lighting.dim"])),
        (light(50.0, 150.5), (W, ["lighting.backlit"])),
        (light(39.9, 200.0), (F, ["lighting.backlit"])),
        (light(40.0, 200.0), (W, ["lighting.backlit"])),
        (light(10.0, 140.0), (F, ["lighting.too_dark"])),
        # overexposed: > 25% of pixels >= 250, or mean > 200
        (light(150.0, overexposed=0.25), PASS),
        (light(150.0, overexposed=0.2501), (W, ["lighting.overexposed"])),
        (light(200.0, mean=200.0), PASS),
        (light(200.0, mean=200.1), (W, ["lighting.overexposed"])),
        (light(60.0, mean=201.0), (W, ["lighting.dim", "lighting.overexposed"])),
        (
            light(30.0, 255.0, overexposed=0.75),
            (F, ["lighting.backlit", "lighting.overexposed"]),
        ),
    ],
)
def test_lighting_edges(stats: FrameStats, expected: tuple[Status, list[str]]) -> None:
    assert verdict(judge_lighting(video(stats))) == expected


@pytest.mark.parametrize(
    "summary",
    [
        pytest.param(NO_FRAMES, id="no-frames"),
        pytest.param(video(light(5.0, contrast=2.0)), id="black"),
        pytest.param(video(light(20.0), duration=1.99), id="under-two-seconds"),
    ],
)
def test_lighting_is_skipped_without_a_usable_picture(summary: VideoSummary) -> None:
    assert verdict(judge_lighting(summary)) == (Status.SKIPPED, [])


def test_lighting_is_judged_on_exactly_two_seconds() -> None:
    assert verdict(judge_lighting(video(light(20.0), duration=2.0))) == (F, ["lighting.too_dark"])


def test_lighting_metrics_are_rounded_numbers() -> None:
    metrics = judge_lighting(video(light(120.04, overexposed=0.123456))).metrics.model_dump()
    assert metrics["center_luma"] == 120.0
    assert metrics["overexposed_fraction"] == 0.1235


def test_camera_without_frames_fails_with_that_reason_only() -> None:
    assert verdict(judge_camera(NO_FRAMES)) == (F, ["camera.no_frames"])


@pytest.mark.parametrize(
    ("mean", "contrast", "black"),
    [(7.9, 2.9, True), (8.0, 2.9, False), (7.9, 3.0, False), (0.0, 0.0, True)],
)
def test_camera_black_edges(mean: float, contrast: float, black: bool) -> None:
    outcome = judge_camera(video(light(mean, contrast=contrast)))
    assert verdict(outcome) == ((F, ["camera.black"]) if black else PASS)


FROZEN = (W, ["camera.frozen"])


@pytest.mark.parametrize(
    ("moved", "duration", "expected"),
    [
        (0.0039, 2.0, FROZEN),
        (0.004, 2.0, PASS),
        (0.0, 1.99, PASS),
        (0.0, 2.0, FROZEN),
        (None, 4.0, PASS),
    ],
)
def test_camera_frozen_edges(
    moved: float | None, duration: float, expected: tuple[Status, list[str]]
) -> None:
    assert verdict(judge_camera(video(moved=moved, duration=duration))) == expected


@pytest.mark.parametrize("fps", [14.9, 9.9, 2.0])
def test_a_frozen_picture_is_not_also_choppy(fps: float) -> None:
    """Frames of a still picture arrive thinned out by the encoder: the camera is the fix."""
    outcome = judge_camera(video(moved=0.0, fps=fps))
    assert verdict(outcome) == FROZEN
    assert outcome.metrics.fps == fps, "the frame rate is still reported"


def test_a_covered_lens_is_black_not_frozen() -> None:
    assert verdict(judge_camera(video(light(2.0, contrast=1.0), moved=0.0))) == (
        F,
        ["camera.black"],
    )


@pytest.mark.parametrize(
    ("fps", "status"),
    [(9.9, Status.FAIL), (10.0, Status.WARN), (14.9, Status.WARN), (15.0, Status.PASS)],
)
def test_camera_fps_edges(fps: float, status: Status) -> None:
    reasons = [] if status == Status.PASS else ["camera.low_fps"]
    assert verdict(judge_camera(video(fps=fps))) == (status, reasons)


def test_camera_with_one_frame_has_no_fps_to_judge() -> None:
    assert verdict(judge_camera(video(frames=1, duration=0.0, fps=None))) == PASS


@pytest.mark.parametrize(
    ("size", "status"),
    [
        ((319, 240), Status.FAIL),
        ((320, 239), Status.FAIL),
        ((320, 240), Status.WARN),
        ((639, 360), Status.WARN),
        ((640, 359), Status.WARN),
        ((640, 360), Status.PASS),
        ((480, 640), Status.PASS),
        ((240, 320), Status.WARN),
        ((360, 639), Status.WARN),
        ((239, 320), Status.FAIL),
    ],
)
def test_camera_resolution_edges(size: tuple[int, int], status: Status) -> None:
    reasons = [] if status == Status.PASS else ["camera.low_resolution"]
    outcome = judge_camera(video(size=size))
    assert verdict(outcome) == (status, reasons)
    assert outcome.metrics.model_dump() == {"width": size[0], "height": size[1], "fps": 15.0}


def test_camera_collects_every_reason_and_the_worst_status_wins() -> None:
    outcome = judge_camera(video(light(2.0, contrast=1.0), fps=12.0, size=(320, 240)))
    assert outcome.status == Status.FAIL
    assert outcome.reasons == ["camera.black", "camera.low_fps", "camera.low_resolution"]
    frozen = judge_camera(video(fps=12.0, size=(300, 240), moved=0.0))
    assert verdict(frozen) == (F, ["camera.frozen", "camera.low_resolution"])


@pytest.mark.parametrize(
    ("summary", "expected"),
    [
        (audio(-60.1), (F, ["microphone.silent"])),
        (audio(-60.0), (W, ["microphone.too_quiet"])),
        (audio(-40.1), (W, ["microphone.too_quiet"])),
        (audio(-40.0), PASS),
        (audio(clipping=0.01), PASS),
        (audio(clipping=0.0101), (W, ["microphone.clipping"])),
        (audio(floor=-45.0), PASS),
        (audio(floor=-44.9), (W, ["microphone.noisy"])),
        (audio(-120.0, floor=-120.0, speech=False), (F, ["microphone.silent"])),
        (
            audio(-50.0, floor=-44.0, clipping=0.5),
            (W, ["microphone.too_quiet", "microphone.clipping", "microphone.noisy"]),
        ),
    ],
)
def test_microphone_edges(summary: AudioSummary, expected: tuple[Status, list[str]]) -> None:
    assert verdict(judge_microphone(summary)) == expected


def test_no_audio_fails_the_microphone() -> None:
    assert verdict(judge_microphone(None)) == (F, ["microphone.no_audio"])


def test_microphone_metrics() -> None:
    assert judge_microphone(audio(-20.04, clipping=0.000049)).model_dump(mode="json") == {
        "status": "pass",
        "reasons": [],
        "metrics": {
            "rms_dbfs": -20.0,
            "peak_dbfs": -17.0,
            "noise_floor_dbfs": -70.0,
            "clipping_fraction": 0.0,
            "speech_detected": True,
        },
    }


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        ([], "ready"),
        ([P, P, P], "ready"),
        ([P, S], "ready"),
        ([S, S], "ready"),
        ([P, W, S], "warnings"),
        ([W, W], "warnings"),
        ([P, W, F], "not_ready"),
        ([F, S], "not_ready"),
        ([S, F, W, P], "not_ready"),
    ],
)
def test_overall(statuses: list[Status], expected: str) -> None:
    assert (
        overall(Outcome(status=status, metrics=BrowserMetrics()) for status in statuses) == expected
    )
