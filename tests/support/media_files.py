"""Camera and microphone files for Chromium's fake capture devices (y4m video, WAV audio)."""

from __future__ import annotations

import wave
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from tests.support.synthetic import SAMPLE_RATE, Luma


def write_y4m(path: Path, pictures: Sequence[Luma], fps: int = 20) -> Path:
    """Grey-chroma I420 frames; Chromium loops the file."""
    height, width = pictures[0].shape
    chroma = np.full((height // 2) * (width // 2), 128, dtype=np.uint8).tobytes()
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
        for y in pictures:
            out.write(b"FRAME\n")
            out.write(np.ascontiguousarray(y).tobytes())
            out.write(chroma)
            out.write(chroma)
    return path


def write_wav(path: Path, samples: npt.NDArray[np.int16], rate: int = SAMPLE_RATE) -> Path:
    """48 kHz mono 16-bit PCM; Chromium loops the file."""
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(samples.astype("<i2").tobytes())
    return path
