"""Video analysis on synthetic luma planes: light statistics, frozen pictures, frame rate, size.

Pictures here are not encoded; `test_frozen_through_vp8.py` sends them through the codec."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from server.media.analysis.video import VideoAnalyser, VideoSummary, frame_stats
from server.media.verdict.rules import judge_camera, judge_lighting
from server.models.result import Status
from tests.support.synthetic import Luma, live_scene, scene, sitting_still, uniform


def record(pictures: Sequence[Luma], fps: float = 15.0) -> VideoSummary:
    analyser = VideoAnalyser()
    for i, picture in enumerate(pictures):
        analyser.add(picture, i / fps)
    return analyser.summary()


def noisy(center: float, border: float, seconds: float = 2.0, *, noise: float = 2.0) -> list[Luma]:
    """Frames at 15 fps whose sensor noise differs from frame to frame, as a live camera's does."""
    return [scene(center, border, noise=noise, seed=i) for i in range(int(seconds * 15) + 1)]


@pytest.mark.parametrize(
    ("width", "height"), [(640, 480), (320, 240), (640, 360), (1280, 720), (480, 640)]
)
def test_centre_is_the_middle_half_by_half_exactly(width: int, height: int) -> None:
    stats = frame_stats(scene(100, 200, width=width, height=height, noise=0))
    assert stats.center_luma == 100.0
    assert stats.border_luma == 200.0
    assert stats.mean_luma == 0.25 * 100 + 0.75 * 200
    assert stats.overexposed_fraction == 0.0


def test_uniform_picture_has_no_contrast_and_equal_centre_and_border() -> None:
    stats = frame_stats(uniform(128, noise=0))
    assert stats.center_luma == stats.border_luma == stats.mean_luma == 128.0
    assert stats.contrast == 0.0


def test_overexposed_fraction_counts_pixels_at_or_above_250() -> None:
    assert frame_stats(scene(249, 0, noise=0)).overexposed_fraction == 0.0
    assert frame_stats(scene(250, 0, noise=0)).overexposed_fraction == 0.25
    assert frame_stats(scene(0, 255, noise=0)).overexposed_fraction == 0.75


def test_tiny_picture_without_border_uses_the_centre_for_both() -> None:
    stats = frame_stats(np.full((4, 4), 90, dtype=np.uint8))
    assert stats.center_luma == stats.border_luma == 90.0


@pytest.mark.parametrize(
    ("center", "border", "noise", "status", "reasons"),
    [
        pytest.param(25, 25, 2.0, Status.FAIL, ["lighting.too_dark"], id="dark"),
        pytest.param(55, 55, 2.0, Status.WARN, ["lighting.dim"], id="dim"),
        pytest.param(130, 130, 2.0, Status.PASS, [], id="bright"),
        pytest.param(60, 220, 2.0, Status.WARN, ["lighting.backlit"], id="backlit"),
        pytest.param(30, 230, 2.0, Status.FAIL, ["lighting.backlit"], id="backlit-dark-face"),
        pytest.param(252, 252, 0.0, Status.WARN, ["lighting.overexposed"], id="overexposed-share"),
        pytest.param(215, 215, 0.0, Status.WARN, ["lighting.overexposed"], id="overexposed-mean"),
    ],
)
def test_scenes_are_judged_on_their_light(
    center: float, border: float, noise: float, status: Status, reasons: list[str]
) -> None:
    summary = record(noisy(center, border, noise=noise))
    assert summary.light is not None
    assert summary.light.center_luma == pytest.approx(center, abs=0.5)
    assert summary.light.border_luma == pytest.approx(border, abs=0.5)
    outcome = judge_lighting(summary)
    assert (outcome.status, outcome.reasons) == (status, reasons)


def test_black_picture_fails_the_camera_and_skips_lighting() -> None:
    summary = record(noisy(3, 3, noise=1.0))
    assert summary.light is not None
    assert summary.light.mean_luma < 8
    assert summary.light.contrast < 3
    camera = judge_camera(summary)
    assert (camera.status, camera.reasons) == (Status.FAIL, ["camera.black"])
    assert judge_lighting(summary).status == Status.SKIPPED


def test_dark_but_textured_picture_is_not_black() -> None:
    summary = record(noisy(3, 3, noise=6.0))
    assert "camera.black" not in judge_camera(summary).reasons


def moved_share(summary: VideoSummary) -> float:
    assert summary.motion is not None
    return summary.motion.moved_share


def test_same_frame_for_two_seconds_is_frozen() -> None:
    summary = record([uniform(120, seed=7)] * 31)
    assert summary.duration_s == pytest.approx(2.0)
    assert moved_share(summary) == 0.0
    assert judge_camera(summary).reasons == ["camera.frozen"]


def test_less_than_two_seconds_of_video_is_not_judged_frozen() -> None:
    summary = record([uniform(120, seed=7)] * 30)
    assert moved_share(summary) == 0.0
    assert judge_camera(summary).status == Status.PASS


def test_a_person_sitting_still_moves() -> None:
    summary = record(sitting_still("room", seconds=4.0, fps=15))
    assert moved_share(summary) > 0.01
    assert judge_camera(summary).status == Status.PASS


def test_sensor_noise_alone_is_no_motion() -> None:
    """Noise averages out in block means: a room with nothing moving in it reads as frozen.
    Through a codec noise cannot be told from the refinement of a frozen picture."""
    assert moved_share(record(noisy(120, 120, seconds=4.0))) == 0.0


def test_the_shimmer_of_live_test_scenes_moves_everywhere() -> None:
    summary = record(live_scene(120, 120, frames=61, fps=15))
    assert moved_share(summary) == 1.0
    assert judge_camera(summary).status == Status.PASS


def test_movement_anywhere_in_the_window_counts() -> None:
    """The window is judged as a whole: a camera moving for its last second is not frozen."""
    person = sitting_still("plain", seconds=4.0, fps=15)
    summary = record([person[0]] * 45 + person[45:])
    assert moved_share(summary) > 0.01


def test_fps_from_media_timestamps() -> None:
    analyser = VideoAnalyser()
    assert analyser.fps is None
    for i in range(46):
        analyser.add(uniform(120, seed=i), 10.0 + i / 15)
    assert analyser.fps == 15.0
    assert analyser.duration_s == pytest.approx(3.0)


@pytest.mark.parametrize(("fps", "expected"), [(30.0, 30.0), (9.0, 9.0), (14.9, 14.9)])
def test_fps_follows_the_camera(fps: float, expected: float) -> None:
    assert record(noisy(120, 120), fps=fps).fps == expected


def test_one_frame_has_no_fps_and_no_duration() -> None:
    summary = record([uniform(120)])
    assert (summary.frames, summary.fps, summary.duration_s) == (1, None, 0.0)


def test_summary_without_frames() -> None:
    summary = VideoAnalyser().summary()
    assert (summary.frames, summary.light, summary.fps, summary.motion) == (0, None, None, None)
    assert (summary.width, summary.height) == (0, 0)


@pytest.mark.parametrize(("width", "height"), [(640, 480), (1280, 720), (320, 180), (480, 640)])
def test_resolution_is_width_by_height(width: int, height: int) -> None:
    summary = record([scene(120, 120, width=width, height=height, seed=i) for i in range(3)])
    assert (summary.width, summary.height) == (width, height)


def test_resolution_follows_the_last_frame() -> None:
    analyser = VideoAnalyser()
    analyser.add(scene(120, 120, width=320, height=240), 0.0)
    analyser.add(scene(120, 120, width=640, height=480), 0.1)
    assert (analyser.width, analyser.height) == (640, 480)


def test_the_same_picture_at_another_size_has_not_moved() -> None:
    """Blocks are a fraction of the picture: an encoder scaling a frozen picture down to spare
    the CPU does not make it move."""
    analyser = VideoAnalyser()
    for i in range(31):
        width, height = (640, 480) if i < 15 else (320, 240)
        analyser.add(scene(100, 140, width=width, height=height, seed=i), i / 15)
    assert moved_share(analyser.summary()) == 0.0


def test_a_turned_picture_is_no_frozen_picture() -> None:
    analyser = VideoAnalyser()
    analyser.add(scene(120, 120, width=640, height=480), 0.0)
    analyser.add(scene(120, 120, width=480, height=640), 0.1)
    assert moved_share(analyser.summary()) == 1.0


def test_light_is_the_median_so_one_odd_frame_does_not_decide() -> None:
    pictures = noisy(130, 130)
    pictures[10] = uniform(0, noise=0)
    summary = record(pictures)
    assert summary.light is not None
    assert summary.light.mean_luma == pytest.approx(130, abs=0.5)


def test_add_returns_the_frames_own_stats() -> None:
    analyser = VideoAnalyser()
    stats = analyser.add(scene(50, 150, noise=0), 0.0)
    assert (stats.center_luma, stats.border_luma) == (50.0, 150.0)
    assert analyser.last == stats
