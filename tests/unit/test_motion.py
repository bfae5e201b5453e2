"""Motion on block means: the pieces that tell a person's movement from the codec's own."""

from __future__ import annotations

import numpy as np
import pytest

from server.media.analysis.motion import (
    BIN_SECONDS,
    MOTION_FLOOR,
    MotionTracker,
    block_means,
    block_side,
    motion_level,
    moved_share,
    summarise,
)


@pytest.mark.parametrize(
    ("height", "width", "side"),
    [(240, 320, 8), (120, 160, 4), (360, 640, 12), (540, 960, 18), (320, 240, 8), (2, 2, 1)],
)
def test_blocks_are_a_thirtieth_of_the_short_side(height: int, width: int, side: int) -> None:
    assert block_side(height, width) == side


def test_block_means_average_whole_blocks_and_leave_out_partial_ones() -> None:
    picture = np.arange(10 * 9, dtype=np.float32).reshape(10, 9)
    means = block_means(picture, 4)
    assert means.shape == (2, 2)
    assert means[0, 0] == pytest.approx(picture[:4, :4].mean())
    assert means[1, 1] == pytest.approx(picture[4:8, 4:8].mean())


def ranges(*values: float, size: int = 1200) -> np.ndarray:
    """Block ranges: the given values, then zeros up to `size` blocks."""
    out = np.zeros(size, dtype=np.float32)
    out[: len(values)] = values
    return out


def test_the_level_is_at_least_the_floor() -> None:
    assert motion_level(ranges()) == MOTION_FLOOR
    assert motion_level(np.zeros((0, 0), dtype=np.float32)) == MOTION_FLOOR


def test_the_level_is_twice_the_wobble_of_the_busiest_tenth() -> None:
    wobbly = np.full(1200, 2.5, dtype=np.float32)
    wobbly[:600] = 0.5
    assert motion_level(wobbly) == pytest.approx(5.0)


def test_a_change_of_the_whole_picture_is_judged_against_the_floor_alone() -> None:
    lit = np.full(1200, 8.0, dtype=np.float32)
    assert motion_level(lit) == MOTION_FLOOR
    assert moved_share(lit) == 1.0


def test_moved_share_counts_blocks_above_the_level() -> None:
    assert moved_share(ranges(3.0, 3.1, 12.0)) == pytest.approx(2 / 1200)
    assert moved_share(np.zeros((0, 0), dtype=np.float32)) == 0.0


def grid(value: float) -> np.ndarray:
    return np.full((30, 40), value, dtype=np.float32)


def test_half_second_medians_ignore_a_keyframe_jump() -> None:
    """A keyframe changes every block for a frame; the codec settles back within the next."""
    tracker = MotionTracker()
    for i in range(60):
        tracker.add(grid(105.0 if i % 15 == 0 else 100.0), i / 15)
    assert float(tracker.ranges().max()) == 0.0


def test_a_slow_change_adds_up_over_the_window() -> None:
    """0.1 a frame is below any frame-to-frame noise, and 6 levels over 4 s."""
    tracker = MotionTracker()
    for i in range(61):
        tracker.add(grid(100.0 + 0.1 * i), i / 15)
    assert 5.0 < float(tracker.ranges().min()) <= 6.0
    assert summarise(tracker).moved_share == 1.0


def test_the_current_half_second_counts() -> None:
    tracker = MotionTracker()
    tracker.add(grid(100.0), 0.0)
    tracker.add(grid(120.0), BIN_SECONDS)
    assert float(tracker.ranges().max()) == 20.0


def test_a_change_of_size_is_no_frozen_picture() -> None:
    tracker = MotionTracker()
    tracker.add(grid(100.0), 0.0)
    tracker.add(np.full((45, 80), 100.0, dtype=np.float32), 0.6)
    assert tracker.resized
    assert summarise(tracker).moved_share == 1.0


def test_no_frames_no_ranges() -> None:
    assert MotionTracker().ranges().size == 0
