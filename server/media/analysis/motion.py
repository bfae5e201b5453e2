"""Motion: whether any part of the picture moved beyond what the codec itself changes.

A still source does not decode to identical frames. VP8 keeps refining a static picture, every
keyframe starts it again from a coarser copy, and at a low bitrate the refinement never settles:
a picture that does not change can differ from one frame to the next as much as a live camera's
sensor noise does. Three things separate a real change from the codec's:

- Block means. The codec keeps a block's average well while it reshuffles its detail, so the
  picture is reduced to the mean of each block (about 1/30 of the short side: 16 px at 480 rows).
- Half-second medians. A keyframe and the refinement just after it last a frame or two; the
  median of each block over half a second ignores them, and a breath or a nod survives it.
- A level above the picture's own wobble. A block moved when its median changed, over the
  window, by more than both a floor and twice what the busiest tenth of the picture changed.
  The codec's changes spread over the whole picture; a person's movement is in a few places.
  When most of the picture changed (the light, a camera that pans), the floor alone is the level.

Block means are kept for the current half second only; nothing of the picture is kept beyond it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Grid = npt.NDArray[np.float32]
"""Block means of one picture (rows x columns), luma 0-255."""

BLOCK_ROWS = 30
"""The picture is cut into square blocks of about 1/30 of its short side."""
BIN_SECONDS = 0.5
"""Each block's median is taken over this much media time."""
MOTION_FLOOR = 3.0
"""A block that changed by 3 luma levels or less did not move: through VP8 at a few hundred
kbit/s the codec alone moves a block's half-second median by up to about 2 (docs/verdicts.md)."""
TYPICAL_PERCENTILE = 90
TYPICAL_FACTOR = 2.0
"""A block moved when it changed by more than twice what the busiest tenth of the picture did."""


def block_side(height: int, width: int) -> int:
    """The side of the square blocks for a picture (or a sub-sampled copy) of this size."""
    return max(1, min(height, width) // BLOCK_ROWS)


def block_means(picture: npt.NDArray[np.float32], side: int) -> Grid:
    """The mean of each whole `side` x `side` block; a partial block at the edges is left out."""
    rows, cols = picture.shape[0] // side, picture.shape[1] // side
    blocks = picture[: rows * side, : cols * side].reshape(rows, side, cols, side)
    means: Grid = blocks.mean(axis=(1, 3), dtype=np.float32)
    return means


def motion_level(ranges: Grid) -> float:
    """How much a block must have changed to count as moved, given how much every block did."""
    if not ranges.size or float(np.median(ranges)) > MOTION_FLOOR:
        return MOTION_FLOOR
    return max(TYPICAL_FACTOR * float(np.percentile(ranges, TYPICAL_PERCENTILE)), MOTION_FLOOR)


def moved_share(ranges: Grid) -> float:
    """The share of blocks whose change over the window is above the motion level."""
    if not ranges.size:
        return 0.0
    return float(np.count_nonzero(ranges > motion_level(ranges))) / ranges.size


class MotionTracker:
    """Follows each block's half-second medians over the window: their lowest and highest."""

    def __init__(self) -> None:
        self.resized = False
        """The blocks changed shape during the window (the picture turned, another camera):
        no frozen picture. The same picture at another size keeps its blocks."""
        self._reset()

    def _reset(self) -> None:
        self._first_t: float | None = None
        self._bin = -1
        self._pending: list[Grid] = []
        self._low: Grid | None = None
        self._high: Grid | None = None

    def add(self, grid: Grid, t: float) -> None:
        """Take one picture's block means and its media time in seconds."""
        if self._pending and grid.shape != self._pending[0].shape:
            # Blocks of another size cannot be compared: start again, and remember why.
            self._reset()
            self.resized = True
        if self._first_t is None:
            self._first_t = t
        index = int((t - self._first_t) // BIN_SECONDS)
        if index != self._bin and self._pending:
            self._low, self._high = self._extremes()
            self._pending = []
        self._bin = index
        self._pending.append(grid)

    def _extremes(self) -> tuple[Grid, Grid]:
        """Lowest and highest medians per block, the current half second included."""
        median: Grid = np.median(np.stack(self._pending), axis=0).astype(np.float32)
        if self._low is None or self._high is None:
            return median, median
        return np.minimum(self._low, median), np.maximum(self._high, median)

    def ranges(self) -> Grid:
        """How far each block's median moved over the window so far (zeros before any frame)."""
        if not self._pending:
            return np.zeros((0, 0), dtype=np.float32)
        low, high = self._extremes()
        spread: Grid = high - low
        return spread


@dataclass(frozen=True)
class Motion:
    """How much of the picture moved over the window, beyond the codec's own changes."""

    moved_share: float
    """Share of the blocks that moved (1.0 when the picture changed shape)."""
    level: float
    """Luma change a block needed to count as moved."""


def summarise(tracker: MotionTracker) -> Motion:
    ranges = tracker.ranges()
    if tracker.resized:
        return Motion(moved_share=1.0, level=motion_level(ranges))
    return Motion(moved_share=moved_share(ranges), level=motion_level(ranges))
