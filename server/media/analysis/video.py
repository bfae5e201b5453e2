"""Video analysis: pure functions over luma (Y) planes as uint8 numpy arrays."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Luma = npt.NDArray[np.uint8]

OVEREXPOSED_LEVEL = 250
# Mean absolute difference (0-255 scale) below which two decoded frames count as the same picture.
# Real cameras add sensor noise that survives VP8; a frozen source or stalled capture does not.
IDENTICAL_DIFF = 0.1
# Sub-sampling step for the statistics: 640x480 becomes 320x240, which changes medians by far less
# than the thresholds' resolution and halves the cost.
STEP = 2
MAX_FRAMES_KEPT = 900


@dataclass(frozen=True)
class FrameStats:
    """What one frame's light looks like."""

    mean_luma: float
    """Mean of the whole picture, 0-255."""
    center_luma: float
    """Mean of the middle 50% x 50%, where a face usually is."""
    border_luma: float
    """Mean of everything outside the centre."""
    overexposed_fraction: float
    """Share of pixels at or above 250."""
    contrast: float
    """Standard deviation of luma."""


def frame_stats(y: Luma) -> FrameStats:
    """Light statistics of one luma plane (any size of at least 4x4)."""
    sample = y[::STEP, ::STEP].astype(np.float32)
    h, w = sample.shape
    top, left = h // 4, w // 4
    center = sample[top : h - top, left : w - left]
    total = float(sample.sum())
    center_sum = float(center.sum())
    border_count = sample.size - center.size
    return FrameStats(
        mean_luma=total / sample.size,
        center_luma=center_sum / center.size,
        border_luma=(total - center_sum) / border_count
        if border_count
        else center_sum / center.size,
        overexposed_fraction=float(np.count_nonzero(sample >= OVEREXPOSED_LEVEL)) / sample.size,
        contrast=float(sample.std()),
    )


def thumbnail(y: Luma) -> npt.NDArray[np.int16]:
    """A coarse copy of the picture for comparing consecutive frames (kept in memory only)."""
    return y[:: STEP * 4, :: STEP * 4].astype(np.int16)


def frame_difference(a: npt.NDArray[np.int16], b: npt.NDArray[np.int16]) -> float:
    """Mean absolute luma difference between two thumbnails; inf when their sizes differ."""
    if a.shape != b.shape:
        return float("inf")
    return float(np.abs(a - b).mean())


@dataclass(frozen=True)
class VideoSummary:
    """What arrived on the video track, as judged by the rules."""

    frames: int
    duration_s: float
    """Media time between the first and the last frame."""
    fps: float | None
    width: int
    height: int
    light: FrameStats | None
    """Median of each statistic over the frames; None without frames."""
    longest_frozen_s: float
    """Longest stretch of media time over which the picture did not change."""


class FrameClock:
    """Frames per second over the last couple of seconds of media time, from timestamps alone."""

    def __init__(self, window_s: float = 2.0) -> None:
        self.window_s = window_s
        self._times: deque[float] = deque(maxlen=256)

    def add(self, t: float) -> None:
        self._times.append(t)
        while self._times and t - self._times[0] > self.window_s:
            self._times.popleft()

    @property
    def fps(self) -> float | None:
        if len(self._times) < 2 or self._times[-1] <= self._times[0]:
            return None
        return round((len(self._times) - 1) / (self._times[-1] - self._times[0]), 1)


class VideoAnalyser:
    """Accumulates per-frame numbers for one session. Holds no picture beyond the last thumbnail."""

    def __init__(self) -> None:
        self.frames = 0
        self.width = 0
        self.height = 0
        self._first_t: float | None = None
        self._last_t: float | None = None
        self._stats: deque[FrameStats] = deque(maxlen=MAX_FRAMES_KEPT)
        self.last: FrameStats | None = None
        self._thumb: npt.NDArray[np.int16] | None = None
        self._prev_t = 0.0
        self._frozen_since: float | None = None
        self._longest_frozen = 0.0

    def add(self, y: Luma, t: float) -> FrameStats:
        """Take one frame's luma plane and its media time in seconds."""
        self.frames += 1
        self.height, self.width = y.shape
        if self._first_t is None:
            self._first_t = t
        self._last_t = t
        stats = frame_stats(y)
        self._stats.append(stats)
        self.last = stats
        thumb = thumbnail(y)
        if self._thumb is not None and frame_difference(thumb, self._thumb) <= IDENTICAL_DIFF:
            if self._frozen_since is None:
                self._frozen_since = self._prev_t
            self._longest_frozen = max(self._longest_frozen, t - self._frozen_since)
        else:
            self._frozen_since = None
        self._thumb = thumb
        self._prev_t = t
        return stats

    @property
    def duration_s(self) -> float:
        if self._first_t is None or self._last_t is None:
            return 0.0
        return self._last_t - self._first_t

    @property
    def fps(self) -> float | None:
        """Frames per second of media time, to one decimal (a 15 fps camera reads 15.0)."""
        duration = self.duration_s
        return round((self.frames - 1) / duration, 1) if self.frames > 1 and duration > 0 else None

    def summary(self) -> VideoSummary:
        return VideoSummary(
            frames=self.frames,
            duration_s=self.duration_s,
            fps=self.fps,
            width=self.width,
            height=self.height,
            light=median_stats(list(self._stats)) if self._stats else None,
            longest_frozen_s=self._longest_frozen,
        )


def median_stats(stats: list[FrameStats]) -> FrameStats:
    def median(values: list[float]) -> float:
        return float(np.median(np.asarray(values, dtype=np.float64)))

    return FrameStats(
        mean_luma=median([s.mean_luma for s in stats]),
        center_luma=median([s.center_luma for s in stats]),
        border_luma=median([s.border_luma for s in stats]),
        overexposed_fraction=median([s.overexposed_fraction for s in stats]),
        contrast=median([s.contrast for s in stats]),
    )
