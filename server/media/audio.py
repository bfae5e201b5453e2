"""Audio analysis: pure functions over int16 mono samples as numpy arrays."""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Samples = npt.NDArray[np.int16]

FULL_SCALE = 32768.0
WINDOW_SECONDS = 0.1
# Opus smears hard clipping, so samples near full scale count, not only 32767/-32768.
CLIP_LEVEL_DBFS = -1.0
CLIP_LEVEL = FULL_SCALE * 10 ** (CLIP_LEVEL_DBFS / 20)
SILENCE_DBFS = -120.0
NOISE_PERCENTILE = 10
# An energy test, not a voice detector: the loudest moments stand well clear of the room's floor.
SPEECH_ABOVE_FLOOR_DB = 15.0
SPEECH_MIN_DBFS = -50.0
MAX_WINDOWS_KEPT = 3000


def dbfs(rms: float) -> float:
    """Level of an RMS amplitude relative to int16 full scale, floored at -120 dBFS."""
    if rms <= 0:
        return SILENCE_DBFS
    return max(SILENCE_DBFS, 20 * math.log10(rms / FULL_SCALE))


def window_rms_dbfs(window: Samples) -> float:
    # float64: the sum of squares of a window of int16 overflows int32.
    values = window.astype(np.float64)
    return dbfs(math.sqrt(float(np.mean(values * values))))


@dataclass(frozen=True)
class AudioSummary:
    """What arrived on the audio track, in 100 ms windows."""

    windows: int
    rms_dbfs: float
    """The loudest window's level: how loud the candidate is when speaking."""
    peak_dbfs: float
    """The largest single sample."""
    noise_floor_dbfs: float
    """The 10th percentile of window levels: the room when nobody speaks."""
    clipping_fraction: float
    """Share of samples at or above -1 dBFS."""
    speech_detected: bool


class AudioAnalyser:
    """Cuts a stream of samples into 100 ms windows and keeps one number per window."""

    def __init__(self, sample_rate: int = 48000) -> None:
        self.sample_rate = sample_rate
        self.window_size = int(sample_rate * WINDOW_SECONDS)
        self._pending = np.zeros(0, dtype=np.int16)
        self._levels: deque[float] = deque(maxlen=MAX_WINDOWS_KEPT)
        self.samples = 0
        self._clipped = 0
        self._peak = 0

    def use_sample_rate(self, sample_rate: int) -> None:
        """Set the rate from the first frame (Opus is 48 kHz, G.711 8 kHz); fixed once data came."""
        if self.samples == 0 and sample_rate > 0:
            self.sample_rate = sample_rate
            self.window_size = int(sample_rate * WINDOW_SECONDS)

    def add(self, samples: Samples) -> None:
        self.samples += samples.size
        self._clipped += int(np.count_nonzero(np.abs(samples.astype(np.int32)) >= CLIP_LEVEL))
        if samples.size:
            self._peak = max(self._peak, int(np.abs(samples.astype(np.int32)).max()))
        pending = np.concatenate((self._pending, samples))
        whole = pending.size - pending.size % self.window_size
        for start in range(0, whole, self.window_size):
            self._levels.append(window_rms_dbfs(pending[start : start + self.window_size]))
        self._pending = pending[whole:]

    @property
    def duration_s(self) -> float:
        return self.samples / self.sample_rate

    @property
    def last_level_dbfs(self) -> float | None:
        return self._levels[-1] if self._levels else None

    @property
    def peak_dbfs(self) -> float:
        return dbfs(float(self._peak))

    def summary(self) -> AudioSummary | None:
        if not self._levels:
            return None
        levels = np.asarray(self._levels, dtype=np.float64)
        loudest = float(levels.max())
        floor = float(np.percentile(levels, NOISE_PERCENTILE))
        return AudioSummary(
            windows=levels.size,
            rms_dbfs=loudest,
            peak_dbfs=self.peak_dbfs,
            noise_floor_dbfs=floor,
            clipping_fraction=self._clipped / self.samples,
            speech_detected=loudest >= SPEECH_MIN_DBFS and loudest - floor >= SPEECH_ABOVE_FLOOR_DB,
        )
