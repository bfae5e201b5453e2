"""Video analysis: pure functions over luma (Y) planes as uint8 numpy arrays."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from server.media.analysis.motion import Motion, MotionTracker, block_means, block_side, summarise

Luma = npt.NDArray[np.uint8]

OVEREXPOSED_LEVEL = 250
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
    return sample_stats(luma_sample(y))


def luma_sample(y: Luma) -> npt.NDArray[np.float32]:
    """Every STEP-th pixel each way, as float: what light and motion are measured on."""
    sample: npt.NDArray[np.float32] = y[::STEP, ::STEP].astype(np.float32)
    return sample


def sample_stats(sample: npt.NDArray[np.float32]) -> FrameStats:
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
    motion: Motion | None
    """How much of the picture moved over the window; None when not measured (no frames, or a
    local check, whose canvas cannot tell a frozen camera from a still room)."""


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
    """Accumulates per-frame numbers for one session. Holds no picture, only the block means of
    the current half second (`motion.py`)."""

    def __init__(self) -> None:
        self.frames = 0
        self.width = 0
        self.height = 0
        self._first_t: float | None = None
        self._last_t: float | None = None
        self._stats: deque[FrameStats] = deque(maxlen=MAX_FRAMES_KEPT)
        self.last: FrameStats | None = None
        self._motion = MotionTracker()

    def add(self, y: Luma, t: float) -> FrameStats:
        """Take one frame's luma plane and its media time in seconds."""
        self.frames += 1
        self.height, self.width = y.shape
        if self._first_t is None:
            self._first_t = t
        self._last_t = t
        sample = luma_sample(y)
        stats = sample_stats(sample)
        self._stats.append(stats)
        self.last = stats
        self._motion.add(block_means(sample, block_side(*sample.shape)), t)
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
            motion=summarise(self._motion) if self.frames else None,
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
