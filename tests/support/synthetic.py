"""Synthetic pictures and sounds with known light and level, shared by every test layer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

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
    """A synthetic voice over a quiet room (-70 dBFS): phrases of syllables and pauses between.

    The loudest 100 ms window is at `dbfs` whatever the window grid, and pauses fill more than
    10% of the windows, so the noise floor reads the room. A voice detector must hear it as a
    voice, which the 440 Hz bursts it once was (now `tone_bursts`) are not. See `voice`.
    """
    return voice(seconds, dbfs=dbfs, rate=rate)


def tone_bursts(
    seconds: float, *, dbfs: float = -20.0, rate: int = SAMPLE_RATE
) -> npt.NDArray[np.int16]:
    """440 Hz bursts (0.6 s on, 0.4 s off) over a quiet room: loud like speech, but a beep."""
    out = noise(seconds, dbfs=-70.0, rate=rate).astype(np.int32)
    burst = tone(0.6, dbfs=dbfs, rate=rate).astype(np.int32)
    for start in range(0, out.size - burst.size, rate):
        out[start : start + burst.size] += burst
    return np.clip(out, -32768, 32767).astype(np.int16)


def silence(seconds: float, rate: int = SAMPLE_RATE) -> npt.NDArray[np.int16]:
    return np.zeros(int(seconds * rate), dtype=np.int16)


# Speech-like sound: a glottal pulse train at 100-220 Hz through vowel formants, in syllables.

Floats = npt.NDArray[np.float64]

VOWEL_FORMANTS_HZ = (
    (730.0, 1090.0, 2440.0),  # a as in "father" (Peterson & Barney's adult averages)
    (530.0, 1840.0, 2480.0),  # e as in "bed"
    (270.0, 2290.0, 3010.0),  # i as in "beet"
    (570.0, 840.0, 2410.0),  # o as in "bought"
    (300.0, 870.0, 2240.0),  # u as in "boot"
)
FORMANT_BANDWIDTHS_HZ = (80.0, 100.0, 150.0)


def vowel_impulse_response(formants: tuple[float, float, float], rate: int) -> Floats:
    """Glottal pulse shape (-12 dB/octave), three formant resonators in cascade, lip radiation."""
    size = 1 << int(np.ceil(np.log2(0.05 * rate)))
    z = np.exp(-2j * np.pi * np.fft.rfftfreq(size))
    response = np.ones(z.size, dtype=np.complex128)
    for frequency, bandwidth in zip(formants, FORMANT_BANDWIDTHS_HZ, strict=True):
        radius = np.exp(-np.pi * bandwidth / rate)
        c = 2 * radius * np.cos(2 * np.pi * frequency / rate)
        response *= (1 - c + radius * radius) / (1 - c * z + radius * radius * z * z)
    pole = np.exp(-2 * np.pi * 100.0 / rate)
    response *= ((1 - pole) / (1 - pole * z)) ** 2
    response *= 1 - z
    impulse: Floats = np.fft.irfft(response, size)
    return impulse


def _convolve(signal: Floats, impulse: Floats) -> Floats:
    size = 1 << int(np.ceil(np.log2(signal.size + impulse.size)))
    out: Floats = np.fft.irfft(np.fft.rfft(signal, size) * np.fft.rfft(impulse, size), size)
    return out[: signal.size + impulse.size - 1]


def _ramps(size: int, attack: int, release: int) -> Floats:
    envelope = np.ones(size)
    envelope[:attack] = 0.5 - 0.5 * np.cos(np.pi * np.arange(attack) / attack)
    envelope[size - release :] = 0.5 + 0.5 * np.cos(np.pi * np.arange(release) / release)
    return envelope


def _moving_mean(values: Floats, span: int) -> Floats:
    sums = np.concatenate(([0.0], np.cumsum(values)))
    half = span // 2
    hi = np.minimum(np.arange(values.size) + half + 1, values.size)
    lo = np.maximum(np.arange(values.size) - half, 0)
    mean: Floats = (sums[hi] - sums[lo]) / (hi - lo)
    return mean


def _syllable(
    rng: np.random.Generator, size: int, pitch: tuple[float, float], stress: float, rate: int
) -> Floats:
    """A voiced syllable at steady loudness (a 30 ms RMS follows its envelope)."""
    f0 = np.linspace(*pitch, size) * (1 + 0.03 * np.sin(np.linspace(0, np.pi, size)))
    periods = np.floor(np.cumsum(f0) / rate)
    pulses = np.zeros(size)
    pulses[1:][np.diff(periods) > 0] = 1.0
    formants = VOWEL_FORMANTS_HZ[int(rng.integers(len(VOWEL_FORMANTS_HZ)))]
    voiced = _convolve(pulses, vowel_impulse_response(formants, rate))[:size]
    power = _moving_mean(voiced * voiced, int(0.03 * rate))
    power = np.maximum(power, 1e-3 * float(np.median(power)))
    envelope = _ramps(size, int(0.04 * rate), int(0.06 * rate))
    out: Floats = voiced / np.sqrt(power) * stress * envelope
    return out


def _fricative(rng: np.random.Generator, size: int, rate: int) -> Floats:
    """A consonant: noise above 2.5 kHz, unit RMS."""
    spectrum = np.fft.rfft(rng.normal(0.0, 1.0, size))
    spectrum[np.fft.rfftfreq(size, 1 / rate) < 2500] = 0
    hiss = np.fft.irfft(spectrum, size) * _ramps(size, size // 4, size // 2)
    out: Floats = hiss / max(float(np.sqrt(np.mean(hiss * hiss))), 1e-12)
    return out


def voice(
    seconds: float, *, dbfs: float = -20.0, seed: int = 0, rate: int = SAMPLE_RATE
) -> npt.NDArray[np.int16]:
    """Phrases of 2-3 syllables (about 4 a second) and a 0.35-0.45 s pause, over a room at -70 dBFS.

    Pitch falls through each phrase from about 220 to 100 Hz; each syllable has a random vowel
    and sometimes a consonant before it. The first syllable of a phrase is stressed and long, so
    the loudest 100 ms window is at `dbfs` wherever the window grid falls.
    """
    rng = np.random.default_rng(seed)
    total = int(seconds * rate)
    out = np.zeros(total + rate)
    at = 0.05
    while at < seconds:
        count = int(rng.integers(2, 4))
        pitches = np.linspace(rng.uniform(180.0, 220.0), rng.uniform(100.0, 125.0), count + 1)
        for i in range(count):
            length = rng.uniform(0.30, 0.34) if i == 0 else rng.uniform(0.12, 0.2)
            stress = 1.0 if i == 0 else rng.uniform(0.5, 0.8)
            start, size = int(at * rate), int(length * rate)
            syllable = _syllable(rng, size, (pitches[i], pitches[i + 1]), stress, rate)
            out[start : start + size] += syllable
            if rng.random() < 0.5:
                hiss = int(0.05 * rate)
                onset = max(0, start - hiss)
                out[onset : onset + hiss] += 0.3 * stress * _fricative(rng, hiss, rate)
            at += length + rng.uniform(0.03, 0.06)
        at += rng.uniform(0.35, 0.45)
    out = out[:total]
    window = int(0.1 * rate)
    whole = total - total % window
    windows = out[:whole].reshape(-1, window) if whole else out.reshape(1, -1)
    loudest = float(np.sqrt((windows**2).mean(axis=1).max()))
    out *= 32768 * 10 ** (dbfs / 20) / loudest
    out += noise(seconds, dbfs=-70.0, rate=rate)
    return np.clip(np.rint(out), -32768, 32767).astype(np.int16)


# Rooms and paths: noise with a colour, mixing, gain, resampling, a simple room.


def shaped_noise(
    seconds: float, *, dbfs: float, tilt: float, seed: int = 0, rate: int = SAMPLE_RATE
) -> npt.NDArray[np.int16]:
    """Noise whose spectrum falls by `tilt` dB per octave above 50 Hz (-3: pink, -6: a rumble).

    Nothing below 50 Hz: microphones and the browser cut it, and it would swing the levels of
    100 ms windows as no room does.
    """
    size = int(seconds * rate)
    rng = np.random.default_rng(seed)
    frequencies = np.fft.rfftfreq(size, 1 / rate)
    shape = (np.maximum(frequencies, 50.0) / 50.0) ** (tilt / (20 * np.log10(2)))
    spectrum = np.fft.rfft(rng.normal(0.0, 1.0, size)) * np.where(frequencies >= 50.0, shape, 0.0)
    values = np.fft.irfft(spectrum, size)
    values *= 32768 * 10 ** (dbfs / 20) / float(np.sqrt(np.mean(values * values)))
    return np.clip(np.rint(values), -32768, 32767).astype(np.int16)


def mix(*sounds: npt.NDArray[np.int16]) -> npt.NDArray[np.int16]:
    """The sum of the sounds, as long as the longest, clipped to int16."""
    out = np.zeros(max(sound.size for sound in sounds), dtype=np.int64)
    for sound in sounds:
        out[: sound.size] += sound
    return np.clip(out, -32768, 32767).astype(np.int16)


def gain(sound: npt.NDArray[np.int16], db: float) -> npt.NDArray[np.int16]:
    values = sound.astype(np.float64) * 10 ** (db / 20)
    return np.clip(np.rint(values), -32768, 32767).astype(np.int16)


def resample(
    sound: npt.NDArray[np.int16], from_rate: float, to_rate: float
) -> npt.NDArray[np.int16]:
    """Band-limited resampling by FFT; a `to_rate` 1% off plays the sound 1% slower (drift)."""
    size = round(sound.size * to_rate / from_rate)
    spectrum = np.fft.rfft(sound.astype(np.float64))
    kept = np.zeros(size // 2 + 1, dtype=np.complex128)
    common = min(spectrum.size, kept.size)
    kept[:common] = spectrum[:common]
    values = np.fft.irfft(kept, size) * size / sound.size
    return np.clip(np.rint(values), -32768, 32767).astype(np.int16)


def room(sound: npt.NDArray[np.int16], rate: int = SAMPLE_RATE) -> npt.NDArray[np.int16]:
    """Small speakers and a room: a low-pass at 3 kHz and echoes after 12, 31 and 67 ms.

    The result is 0.1 s longer than the sound, for the echoes to die out.
    """
    size = 1 << int(np.ceil(np.log2(sound.size + rate)))
    z = np.exp(-2j * np.pi * np.fft.rfftfreq(size))
    pole = np.exp(-2 * np.pi * 3000.0 / rate)
    lowpass = (1 - pole) / (1 - pole * z)
    response = lowpass.copy()
    for delay, level in ((0.012, 0.5), (0.031, 0.35), (0.067, 0.2)):
        response += level * lowpass * z ** round(delay * rate)
    values = np.fft.irfft(np.fft.rfft(sound.astype(np.float64), size) * response, size)
    values = values[: sound.size + int(0.1 * rate)]
    return np.clip(np.rint(values), -32768, 32767).astype(np.int16)


# Pictures that move a little, or not at all: what the frozen-camera rule is tested on.

Plane = npt.NDArray[np.float32]

BACKDROPS = ("plain", "room", "detailed")
"""Rooms behind the candidate, from the easiest picture for an encoder to the hardest."""


def _box(plane: Plane, radius: int, axis: int) -> Plane:
    """The mean of 2 * `radius` + 1 neighbours along `axis`, edges repeated."""
    pad = [(0, 0), (0, 0)]
    pad[axis] = (radius + 1, radius)
    sums = np.cumsum(np.pad(plane, pad, mode="edge"), axis=axis, dtype=np.float64)
    size = plane.shape[axis]
    ahead = sums.take(range(2 * radius + 1, 2 * radius + 1 + size), axis=axis)
    behind = sums.take(range(size), axis=axis)
    out: Plane = ((ahead - behind) / (2 * radius + 1)).astype(np.float32)
    return out


def _patches(rng: np.random.Generator, height: int, width: int, radius: int) -> Plane:
    """Noise blurred three times by a box (close to a Gaussian of about `radius`), unit spread."""
    plane = rng.normal(0.0, 1.0, (height, width)).astype(np.float32)
    for _ in range(3):
        plane = _box(_box(plane, radius, 0), radius, 1)
    out: Plane = plane / max(float(plane.std()), 1e-6)
    return out


def backdrop(kind: str, *, width: int = WIDTH, height: int = HEIGHT, seed: int = 0) -> Plane:
    """A room without noise: `plain` (an even wall, luma 130), `room` (walls and furniture:
    smooth patches, spread about 50), `detailed` (shelves, plants, posters: edges at every scale,
    spread about 45, the hardest for an encoder)."""
    rng = np.random.default_rng(seed)
    if kind == "plain":
        return np.full((height, width), 130.0, dtype=np.float32)
    if kind == "room":
        room: Plane = 120.0 + 50.0 * _patches(rng, height, width, 24)
        return room
    if kind == "detailed":
        mix = np.zeros((height, width), dtype=np.float32)
        for radius, weight in ((2, 0.5), (6, 0.7), (20, 1.0)):
            mix += weight * _patches(rng, height, width, radius)
        detailed: Plane = 120.0 + 45.0 * mix / float(np.std(mix))
        detailed[:, width // 3 : width // 3 + 4] = 40.0  # a door frame
        detailed[height // 5 :: 37, :] -= 25.0  # shelves
        return detailed
    raise ValueError(f"no backdrop {kind!r}")


def _plate(picture: npt.NDArray[np.floating[Any]], noise: float, rng: np.random.Generator) -> Luma:
    if noise:
        picture = picture + rng.normal(0.0, noise, picture.shape).astype(np.float32)
    plate: Luma = np.clip(np.rint(picture), 0, 255).astype(np.uint8)
    return plate


def still_picture(kind: str, *, noise: float = 2.0, seed: int = 0) -> Luma:
    """One noisy picture of a room: the frame a frozen camera delivers over and over."""
    return _plate(backdrop(kind, seed=seed), noise, np.random.default_rng(seed + 1))


def _paint(
    picture: Plane,
    center: tuple[float, float],
    radii: tuple[float, float],
    colour: Callable[[Plane, Plane], Plane] | float,
) -> None:
    """Paints an ellipse (centre x, y; radii x, y in pixels) with edges 1.5 px soft, in place.

    `colour` is a luma or a function of the (x, y) coordinates and the normalised distance.
    Only the ellipse's bounding box is computed.
    """
    height, width = picture.shape
    (cx, cy), (rx, ry) = center, radii
    top, bottom = max(0, int(cy - ry) - 2), min(height, int(cy + ry) + 3)
    left, right = max(0, int(cx - rx) - 2), min(width, int(cx + rx) + 3)
    if top >= bottom or left >= right:
        return
    ys, xs = np.mgrid[top:bottom, left:right].astype(np.float32)
    distance = np.hypot((xs - cx) / rx, (ys - cy) / ry)
    inside = np.clip(0.5 - (distance - 1.0) * min(rx, ry) / 1.5, 0.0, 1.0)
    region = picture[top:bottom, left:right]
    value = colour(xs, distance) if callable(colour) else colour
    region += inside * (value - region)


def sitting_still(
    kind: str,
    *,
    seconds: float,
    fps: int = 15,
    noise: float = 1.0,
    breath_px: float = 1.5,
    blink: bool = True,
    sway_px: float = 0.0,
    scale: float = 1.0,
    light: float = 1.0,
    seed: int = 0,
) -> list[Luma]:
    """A candidate sitting as still as a person can in front of backdrop `kind`.

    Head and shoulders fill the lower middle of the picture (`scale` 0.5: a person twice as far
    away). The shoulders rise and fall `breath_px` with a breath every 4 s, the head a third of
    that; the eyes close for 150 ms every 4 s (`blink`); the body sways `sway_px` sideways every
    8 s. Each frame has fresh sensor noise (`noise`, luma levels). `light` scales the whole
    picture, 0.5 being a dim room. A file of 4 s loops without a jump (with no sway).
    """
    room = backdrop(kind, seed=seed)
    rng = np.random.default_rng(seed + 2)
    middle, bottom = WIDTH / 2, float(HEIGHT)
    half_shoulders = 230 * scale

    def shirt(xs: Plane, distance: Plane) -> Plane:
        shade: Plane = (70.0 + 10.0 * np.clip((xs - middle) / half_shoulders, -1, 1)).astype(
            np.float32
        )
        return shade

    def face(xs: Plane, distance: Plane) -> Plane:
        shade: Plane = (150.0 - 20.0 * np.minimum(distance, 1.0) ** 2).astype(np.float32)
        return shade

    frames = []
    for i in range(round(seconds * fps) + 1):
        t = i / fps
        rise = scale * breath_px * np.sin(2 * np.pi * t / 4.0)
        x = middle + scale * sway_px * np.sin(2 * np.pi * t / 8.0)
        picture = room.copy()
        _paint(picture, (x, bottom + 60 * scale - rise), (half_shoulders, 170 * scale), shirt)
        head_y = bottom - 290 * scale - rise / 3
        _paint(picture, (x, head_y), (85 * scale, 110 * scale), face)
        eye_height = (1.5 if blink and 2.0 <= t % 4.0 < 2.15 else 6.0) * scale
        for side in (-1, 1):
            eye = (x + side * 32 * scale, head_y - 15 * scale)
            _paint(picture, eye, (14 * scale, eye_height), 45.0)
        frames.append(_plate(picture * light, noise, rng))
    return frames


SHIMMER_LEVEL = 6.0
SHIMMER_PERIOD_PX = 80
SHIMMER_SECONDS = 2.0


def live_scene(
    center: float,
    border: float,
    *,
    frames: int,
    fps: int,
    width: int = WIDTH,
    height: int = HEIGHT,
    noise: float = 2.0,
    seed: int = 0,
) -> list[Luma]:
    """`scene` as a live camera gives it, for tests about other things than the picture.

    Fresh sensor noise each frame, and faint upright stripes (`SHIMMER_LEVEL` luma levels,
    `SHIMMER_PERIOD_PX` wide) drifting across by one stripe every 2 s, standing in for a
    candidate's movements: noise alone does not tell a live camera from a frozen one. Every
    region of `scene` spans whole stripes (for widths that are multiples of 320), so the light
    figures stay those of `scene`; `frames` = 2 s of video loops without a jump.
    """
    rng = np.random.default_rng(seed)
    base = scene(center, border, width=width, height=height, noise=0).astype(np.float32)
    xs = np.arange(width, dtype=np.float32)
    out = []
    for i in range(frames):
        phase = 2 * np.pi * (xs / SHIMMER_PERIOD_PX - i / (fps * SHIMMER_SECONDS))
        out.append(_plate(base + SHIMMER_LEVEL * np.sin(phase)[None, :], noise, rng))
    return out
