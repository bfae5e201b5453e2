"""Audio analysis: pure functions over int16 mono samples as numpy arrays."""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import webrtcvad  # type: ignore[import-untyped]

Samples = npt.NDArray[np.int16]

FULL_SCALE = 32768.0
WINDOW_SECONDS = 0.1
# Opus smears hard clipping, so samples near full scale count, not only 32767/-32768.
CLIP_LEVEL_DBFS = -1.0
CLIP_LEVEL = FULL_SCALE * 10 ** (CLIP_LEVEL_DBFS / 20)
SILENCE_DBFS = -120.0
NOISE_PERCENTILE = 10
MAX_WINDOWS_KEPT = 3000

VAD_RATES = (8000, 16000, 32000, 48000)
VAD_FALLBACK_RATE = 16000
VAD_FRAME_SECONDS = 0.03
# Mode 2 of 0-3: mode 3 lost most of a voice 10 dB above a pink-noise room, and the checks below
# already reject the steady noise that mode 2 lets through.
VAD_MODE = 2
SPEECH_MIN_SECONDS = 0.3
SPEECH_MIN_DBFS = -50.0
# webrtcvad takes loud steady pink noise for a voice; a voice stands out of the room it is in.
SPEECH_ABOVE_FLOOR_DB = 6.0
FLOOR_WINDOWS = 30
# A syllable lasts 100 ms or more; what webrtcvad wrongly hears in rumble comes in single frames.
SPEECH_MIN_RUN = 3
# Below this a window is a stream's digital silence (its first frames, a muted input), not a room.
ROOM_MIN_DBFS = -90.0
# webrtcvad also calls a pure tone a voice. A tone puts nearly all of a frame's energy in one
# spectral peak; in nine of ten frames of a vowel the strongest harmonic holds less than 0.9. A
# high "ee" comes close to a tone and loses a few frames, which costs a voice little.
TONAL_SHARE = 0.95
TONAL_BAND_HZ = (60.0, 4000.0)


def dbfs(rms: float) -> float:
    """Level of an RMS amplitude relative to int16 full scale, floored at -120 dBFS."""
    if rms <= 0:
        return SILENCE_DBFS
    return max(SILENCE_DBFS, 20 * math.log10(rms / FULL_SCALE))


def window_rms_dbfs(window: Samples) -> float:
    # float64: the sum of squares of a window of int16 overflows int32.
    values = window.astype(np.float64)
    return dbfs(math.sqrt(float(np.mean(values * values))))


class Tonality:
    """Share of a frame's 60-4000 Hz energy in its strongest spectral peak (1.0: a pure tone)."""

    def __init__(self, frame_size: int, sample_rate: int) -> None:
        self._window = np.hanning(frame_size)
        frequencies = np.fft.rfftfreq(frame_size, 1 / sample_rate)
        low, high = TONAL_BAND_HZ
        self._band = slice(
            int(np.searchsorted(frequencies, low)), int(np.searchsorted(frequencies, high, "right"))
        )

    def peak_share(self, frame: Samples) -> float:
        spectrum = np.fft.rfft(frame * self._window)[self._band]
        power = spectrum.real**2 + spectrum.imag**2
        total = float(power.sum())
        if total <= 0:
            return 0.0
        # A Hann window holds a tone in its main lobe: the peak bin and two on either side.
        peak = int(power.argmax())
        return float(power[max(0, peak - 2) : peak + 3].sum()) / total


class VoiceFrames:
    """Cuts samples into 30 ms frames at a rate webrtcvad accepts and asks it about each one."""

    def __init__(self, sample_rate: int) -> None:
        self.rate = sample_rate if sample_rate in VAD_RATES else VAD_FALLBACK_RATE
        self.frame_size = round(self.rate * VAD_FRAME_SECONDS)
        # Other rates are resampled frame by frame, linearly: rounding a frame to whole samples
        # shifts pitch by a fraction of a percent, and what folds down from above 8 kHz is
        # little in speech; webrtcvad notices neither.
        self._input_size = round(sample_rate * VAD_FRAME_SECONDS)
        self._pending = np.zeros(0, dtype=np.int16)
        self._vad = webrtcvad.Vad(VAD_MODE)
        self._tonality = Tonality(self.frame_size, self.rate)

    def frames(self, samples: Samples) -> list[Samples]:
        """The whole frames completed by `samples`; the rest waits for the next call."""
        pending = np.concatenate((self._pending, samples))
        whole = pending.size - pending.size % self._input_size
        self._pending = pending[whole:]
        return [
            self._at_vad_rate(pending[start : start + self._input_size])
            for start in range(0, whole, self._input_size)
        ]

    def is_speech(self, frame: Samples) -> bool:
        return bool(self._vad.is_speech(frame.astype("<i2", copy=False).tobytes(), self.rate))

    def is_tonal(self, frame: Samples) -> bool:
        return self._tonality.peak_share(frame) >= TONAL_SHARE

    def _at_vad_rate(self, frame: Samples) -> Samples:
        if frame.size == self.frame_size:
            return frame
        positions = np.linspace(0, frame.size - 1, self.frame_size)
        resampled = np.interp(positions, np.arange(frame.size), frame.astype(np.float64))
        return np.rint(resampled).astype(np.int16)


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
    """At least 0.3 s of voice, and the loudest window at -50 dBFS or above."""
    speech_seconds: float = 0.0
    """Total time of 30 ms frames judged to be voice."""


class AudioAnalyser:
    """Cuts a stream of samples into 100 ms windows and keeps one number per window.

    Alongside, 30 ms frames are checked for voice: webrtcvad says voice, the frame is at least
    6 dB above the quietest window of the last 3 s that was not digital silence, and it is not a
    pure tone. Voice counts in runs of at least three such frames (90 ms).
    """

    def __init__(self, sample_rate: int = 48000) -> None:
        self.sample_rate = sample_rate
        self.window_size = int(sample_rate * WINDOW_SECONDS)
        self._pending = np.zeros(0, dtype=np.int16)
        self._levels: deque[float] = deque(maxlen=MAX_WINDOWS_KEPT)
        self._room: deque[float] = deque(maxlen=FLOOR_WINDOWS)
        self._loudest = SILENCE_DBFS
        self._voice = VoiceFrames(sample_rate)
        self._voice_frames = 0
        self._run = 0
        self.samples = 0
        self._clipped = 0
        self._peak = 0

    def use_sample_rate(self, sample_rate: int) -> None:
        """Set the rate from the first frame (Opus is 48 kHz, G.711 8 kHz); fixed once data came."""
        if self.samples == 0 and sample_rate > 0:
            self.sample_rate = sample_rate
            self.window_size = int(sample_rate * WINDOW_SECONDS)
            self._voice = VoiceFrames(sample_rate)

    def add(self, samples: Samples) -> None:
        self.samples += samples.size
        self._clipped += int(np.count_nonzero(np.abs(samples.astype(np.int32)) >= CLIP_LEVEL))
        if samples.size:
            self._peak = max(self._peak, int(np.abs(samples.astype(np.int32)).max()))
        # Cut at window ends, so each voice frame is judged on the room heard before it,
        # however the stream is split into calls.
        start = 0
        while start < samples.size:
            piece = samples[start : start + self.window_size - self._pending.size]
            start += piece.size
            self._find_voice(piece)
            self._pending = np.concatenate((self._pending, piece))
            if self._pending.size == self.window_size:
                self._close_window(self._pending)
                self._pending = self._pending[:0]

    def _close_window(self, window: Samples) -> None:
        level = window_rms_dbfs(window)
        self._levels.append(level)
        self._loudest = max(self._loudest, level)
        if level > ROOM_MIN_DBFS:
            self._room.append(level)

    def _find_voice(self, samples: Samples) -> None:
        for frame in self._voice.frames(samples):
            if not self._is_voice(frame):
                self._run = 0
                continue
            self._run += 1
            if self._run == SPEECH_MIN_RUN:
                self._voice_frames += SPEECH_MIN_RUN
            elif self._run > SPEECH_MIN_RUN:
                self._voice_frames += 1

    def _is_voice(self, frame: Samples) -> bool:
        # webrtcvad goes first for every frame: it learns the room from each one.
        if not self._voice.is_speech(frame):
            return False
        # Until a window of room has been heard, nothing says what stands out of it.
        if not self._room or window_rms_dbfs(frame) < min(self._room) + SPEECH_ABOVE_FLOOR_DB:
            return False
        return not self._voice.is_tonal(frame)

    @property
    def duration_s(self) -> float:
        return self.samples / self.sample_rate

    @property
    def last_level_dbfs(self) -> float | None:
        return self._levels[-1] if self._levels else None

    @property
    def peak_dbfs(self) -> float:
        return dbfs(float(self._peak))

    @property
    def speech_seconds(self) -> float:
        """Total time judged to be voice so far."""
        return round(self._voice_frames * VAD_FRAME_SECONDS, 2)

    @property
    def speech_detected(self) -> bool:
        """Enough voice, loud enough: a faint murmur in the next room does not count."""
        enough = self._voice_frames >= round(SPEECH_MIN_SECONDS / VAD_FRAME_SECONDS)
        return enough and self._loudest >= SPEECH_MIN_DBFS

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
            speech_detected=self.speech_detected,
            speech_seconds=self.speech_seconds,
        )
