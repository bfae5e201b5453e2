"""The speakers chime: the sound the page plays, and a detector that hears it in the microphone.

The chime is three pure tones rising A5, E6, A6, played twice. The detector measures each 20 ms
block's power at the three frequencies, labels a block with a tone when that tone holds most of
the block's power, and matches the labels against the chime's timing, so that a whistle, speech,
music or the tones in another order do not pass.
"""

from __future__ import annotations

import io
import sys
import wave
from collections import deque
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

CHIME_SAMPLE_RATE = 16000
CHIME_TONES_HZ = (880.0, 1320.0, 1760.0)
TONE_SECONDS = 0.15
GAP_SECONDS = 0.02
PAUSE_SECONDS = 0.15
REPEATS = 2
FADE_SECONDS = 0.01
PEAK_DBFS = -6.0

BLOCK_SECONDS = 0.02
# Most of a block's power in one chime tone: the tone stands at least level with everything else.
MIN_TONE_SHARE = 0.5
# Quieter than this, a labelled block would rest on Opus's and the microphone's own low-level noise.
MIN_TONE_DBFS = -60.0
# Share of the chime's blocks that must carry the right tone at the right time; the rest is the
# room's echo, a lost block or two, and clock drift at the far end of the chime.
MIN_SCORE = 0.6
# A note counts as heard when half of its blocks carry its tone; each tone must be heard once.
MIN_NOTE_SCORE = 0.5


@dataclass(frozen=True)
class Note:
    tone: int
    """Index into CHIME_TONES_HZ."""
    start_s: float
    seconds: float


def chime_notes() -> tuple[Note, ...]:
    notes: list[Note] = []
    start = 0.0
    for repeat in range(REPEATS):
        if repeat:
            start += PAUSE_SECONDS - GAP_SECONDS
        for tone in range(len(CHIME_TONES_HZ)):
            notes.append(Note(tone, start, TONE_SECONDS))
            start += TONE_SECONDS + GAP_SECONDS
    return tuple(notes)


NOTES = chime_notes()
CHIME_SECONDS = NOTES[-1].start_s + NOTES[-1].seconds


def chime_waveform(sample_rate: int) -> npt.NDArray[np.int16]:
    """The chime as int16 mono samples at `sample_rate`, peaking at -6 dBFS."""
    amplitude = 32768 * 10 ** (PEAK_DBFS / 20)
    out = np.zeros(round(CHIME_SECONDS * sample_rate), dtype=np.float64)
    fade = round(FADE_SECONDS * sample_rate)
    ramp = 0.5 - 0.5 * np.cos(np.pi * np.arange(fade) / fade)
    for note in NOTES:
        size = round(note.seconds * sample_rate)
        envelope = np.ones(size)
        envelope[:fade] = ramp
        envelope[size - fade :] = ramp[::-1]
        t = np.arange(size) / sample_rate
        tone = np.sin(2 * np.pi * CHIME_TONES_HZ[note.tone] * t) * envelope
        start = round(note.start_s * sample_rate)
        out[start : start + size] += amplitude * tone
    return np.rint(out).astype(np.int16)


def chime_wav_bytes() -> bytes:
    """The chime as a 16 kHz mono 16-bit WAV file."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(CHIME_SAMPLE_RATE)
        out.writeframes(chime_waveform(CHIME_SAMPLE_RATE).astype("<i2").tobytes())
    return buffer.getvalue()


def write_chime_wav(path: str | Path) -> None:
    Path(path).write_bytes(chime_wav_bytes())


def _template(block_seconds: float) -> tuple[npt.NDArray[np.int8], npt.NDArray[np.int8]]:
    """Per block of the chime: the tone it must carry (-1: any) and the note it belongs to.

    A block counts only if it lies inside its note wherever the chime starts within a block, so
    the best of the alignments tried block by block always scores the whole chime.
    """
    size = int(np.ceil(CHIME_SECONDS / block_seconds))
    tones = np.full(size, -1, dtype=np.int8)
    notes = np.full(size, -1, dtype=np.int8)
    for index, note in enumerate(NOTES):
        first = int(np.ceil((note.start_s + block_seconds) / block_seconds - 1e-9))
        last = int(np.floor((note.start_s + note.seconds) / block_seconds + 1e-9)) - 1
        tones[first : last + 1] = note.tone
        notes[first : last + 1] = index
    return tones, notes


class ChimeDetector:
    """Listens to microphone samples for the chime; `heard` turns True once and stays True."""

    def __init__(self, sample_rate: int) -> None:
        self.sample_rate = sample_rate
        self.block_size = round(sample_rate * BLOCK_SECONDS)
        window = np.hanning(self.block_size)
        self._window = window
        time = np.arange(self.block_size) / sample_rate
        self._basis = window * np.exp(-2j * np.pi * np.outer(CHIME_TONES_HZ, time))
        # A tone of mean square p gives |X|^2 = p * sum(w)^2 / 2; the block's windowed mean
        # square is its power times sum(w^2): both are scaled to mean squares so they compare.
        self._tone_scale = 2 / float(window.sum()) ** 2
        self._power_scale = 1 / float((window * window).sum())
        self._min_tone_power = (32768 * 10 ** (MIN_TONE_DBFS / 20)) ** 2
        self._tones, self._notes = _template(self.block_size / sample_rate)
        self._core = self._tones >= 0
        self._note_sizes = np.bincount(self._notes[self._core], minlength=len(NOTES))
        self._labels: deque[int] = deque(maxlen=self._tones.size)
        self._labelled = 0
        self._pending = np.zeros(0, dtype=np.int16)
        self.heard = False
        self.score = 0.0
        """The best share of the chime's blocks heard right so far: 1.0 is the whole chime."""

    def add(self, samples: npt.NDArray[np.int16]) -> None:
        if self.heard:
            return
        pending = np.concatenate((self._pending, samples))
        whole = pending.size - pending.size % self.block_size
        self._pending = pending[whole:]
        if not whole:
            return
        blocks = pending[:whole].reshape(-1, self.block_size).astype(np.float64)
        for label in self._label(blocks):
            self._push(int(label))
            if self.heard:
                return

    def _label(self, blocks: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
        """Per block: the chime tone that holds most of its power, or -1."""
        spectrum = blocks @ self._basis.T
        tone_power = (spectrum.real**2 + spectrum.imag**2) * self._tone_scale
        windowed = blocks * self._window
        total = (windowed * windowed).sum(axis=1) * self._power_scale
        strongest = tone_power.argmax(axis=1)
        power = tone_power[np.arange(blocks.shape[0]), strongest]
        clear = (power >= MIN_TONE_SHARE * total) & (power >= self._min_tone_power)
        labels: npt.NDArray[np.int64] = np.where(clear, strongest, -1)
        return labels

    def _push(self, label: int) -> None:
        if len(self._labels) == self._labels.maxlen and self._labels[0] >= 0:
            self._labelled -= 1
        self._labels.append(label)
        if label >= 0:
            self._labelled += 1
        # Not enough tone blocks in the last chime's length to score: skip the comparison.
        if len(self._labels) < self._tones.size or self._labelled < MIN_SCORE * self._core.sum():
            return
        labels = np.fromiter(self._labels, dtype=np.int8, count=self._tones.size)
        right = self._core & (labels == self._tones)
        score = float(right.sum()) / float(self._core.sum())
        self.score = max(self.score, score)
        if score < MIN_SCORE:
            return
        per_note = np.bincount(self._notes[right], minlength=len(NOTES)) / self._note_sizes
        tones = {NOTES[n].tone for n in np.flatnonzero(per_note >= MIN_NOTE_SCORE)}
        self.heard = len(tones) == len(CHIME_TONES_HZ)


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m server.media.chime PATH.wav", file=sys.stderr)
        return 2
    write_chime_wav(argv[0])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
