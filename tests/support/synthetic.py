"""Synthetic pictures and sounds with known light and level, shared by every test layer."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

WIDTH, HEIGHT = 640, 480
SAMPLE_RATE = 48000

Luma = npt.NDArray[np.uint8]


def scene(
    center: float,
    border: float,
    *,
    width: int = WIDTH,
    height: int = HEIGHT,
    noise: float = 2.0,
    seed: int = 0,
) -> Luma:
    """A picture whose middle 50%x50% has luma `center` and the rest `border`, plus sensor noise."""
    rng = np.random.default_rng(seed)
    picture = np.full((height, width), border, dtype=np.float32)
    picture[height // 4 : height - height // 4, width // 4 : width - width // 4] = center
    picture += rng.normal(0.0, noise, picture.shape).astype(np.float32) if noise else 0
    return np.clip(np.rint(picture), 0, 255).astype(np.uint8)


def uniform(level: float, *, noise: float = 2.0, seed: int = 0) -> Luma:
    return scene(level, level, noise=noise, seed=seed)


def tone(
    seconds: float, *, dbfs: float, frequency: float = 440.0, rate: int = SAMPLE_RATE
) -> npt.NDArray[np.int16]:
    """A sine whose RMS is `dbfs` relative to int16 full scale."""
    t = np.arange(int(seconds * rate)) / rate
    amplitude = 32768 * 10 ** (dbfs / 20) * np.sqrt(2)
    samples: npt.NDArray[np.int16] = np.rint(amplitude * np.sin(2 * np.pi * frequency * t)).astype(
        np.int16
    )
    return samples


def noise(
    seconds: float, *, dbfs: float, seed: int = 0, rate: int = SAMPLE_RATE
) -> npt.NDArray[np.int16]:
    rng = np.random.default_rng(seed)
    values = rng.normal(0.0, 32768 * 10 ** (dbfs / 20), int(seconds * rate))
    return np.clip(np.rint(values), -32768, 32767).astype(np.int16)


def speech_like(
    seconds: float, *, dbfs: float = -20.0, rate: int = SAMPLE_RATE
) -> npt.NDArray[np.int16]:
    """Tone bursts (0.6 s on, 0.4 s off) over a quiet room: loud moments and a low floor."""
    out = noise(seconds, dbfs=-70.0, rate=rate).astype(np.int32)
    burst = tone(0.6, dbfs=dbfs, rate=rate).astype(np.int32)
    for start in range(0, out.size - burst.size, rate):
        out[start : start + burst.size] += burst
    return np.clip(out, -32768, 32767).astype(np.int16)


def silence(seconds: float, rate: int = SAMPLE_RATE) -> npt.NDArray[np.int16]:
    return np.zeros(int(seconds * rate), dtype=np.int16)
