"""Synthetic camera and microphone tracks for the fake candidate (`server/bench/candidate.py`),
which stands in for the candidate's browser in the test process."""

from __future__ import annotations

import asyncio
import fractions
import time
from collections.abc import Sequence

import av
import numpy as np
import numpy.typing as npt
from aiortc import MediaStreamTrack

from tests.support.synthetic import SAMPLE_RATE, Luma

VIDEO_CLOCK = 90000
AUDIO_FRAME = 960  # 20 ms at 48 kHz


class PictureTrack(MediaStreamTrack):
    """Plays the given luma planes in a loop at `fps` (grey chroma)."""

    kind = "video"

    def __init__(self, pictures: Sequence[Luma], fps: int = 15) -> None:
        super().__init__()
        self.pictures = list(pictures)
        self.fps = fps
        self.sent = 0
        self._start: float | None = None

    async def recv(self) -> av.VideoFrame:
        if self._start is None:
            self._start = time.monotonic()
        await asyncio.sleep(max(0.0, self._start + self.sent / self.fps - time.monotonic()))
        y = self.pictures[self.sent % len(self.pictures)]
        h, w = y.shape
        chroma = np.full((h // 2, w), 128, dtype=np.uint8)
        frame = av.VideoFrame.from_ndarray(np.vstack([y, chroma]), format="yuv420p")
        frame.pts = self.sent * VIDEO_CLOCK // self.fps
        frame.time_base = fractions.Fraction(1, VIDEO_CLOCK)
        self.sent += 1
        return frame


class SoundTrack(MediaStreamTrack):
    """Plays int16 mono samples in a loop, 20 ms a frame, in real time; at the speakers step,
    `chime` instead, if given (the chime as the microphone hears it from the speakers)."""

    kind = "audio"

    def __init__(
        self, samples: npt.NDArray[np.int16], chime: npt.NDArray[np.int16] | None = None
    ) -> None:
        super().__init__()
        self.frames = self._framed(samples)
        self.chime = chime
        self.sent = 0
        self._start: float | None = None

    @staticmethod
    def _framed(samples: npt.NDArray[np.int16]) -> npt.NDArray[np.int16]:
        padded = np.concatenate((samples, np.zeros(-samples.size % AUDIO_FRAME, dtype=np.int16)))
        return padded.reshape(-1, AUDIO_FRAME)

    def play(self, samples: npt.NDArray[np.int16]) -> None:
        """From the next frame on, loop these samples instead."""
        self.frames = self._framed(samples)

    def play_chime(self) -> None:
        assert self.chime is not None, "this track was given no chime to play"
        self.play(self.chime)

    async def recv(self) -> av.AudioFrame:
        if self._start is None:
            self._start = time.monotonic()
        due = self._start + self.sent * AUDIO_FRAME / SAMPLE_RATE
        await asyncio.sleep(max(0.0, due - time.monotonic()))
        # Stereo, as aiortc's Opus encoder sends: a mono frame would be upmixed 3 dB lower.
        mono = self.frames[self.sent % len(self.frames)]
        data = np.repeat(mono, 2).reshape(1, -1)
        frame = av.AudioFrame.from_ndarray(data, format="s16", layout="stereo")
        frame.sample_rate = SAMPLE_RATE
        frame.pts = self.sent * AUDIO_FRAME
        frame.time_base = fractions.Fraction(1, SAMPLE_RATE)
        self.sent += 1
        return frame
