"""Audio analysis on synthetic int16 sound: levels, windows, clipping, noise floor, speech."""

from __future__ import annotations

import numpy as np
import pytest

from server.media.audio import (
    SILENCE_DBFS,
    AudioAnalyser,
    AudioSummary,
    Samples,
    dbfs,
    window_rms_dbfs,
)
from tests.support.synthetic import noise, silence, speech_like, tone

WINDOW = 4800  # 100 ms at 48 kHz


def analyse(*chunks: Samples) -> AudioSummary:
    analyser = AudioAnalyser()
    for chunk in chunks:
        analyser.add(chunk)
    summary = analyser.summary()
    assert summary is not None
    return summary


def square(seconds: float) -> Samples:
    """A full-scale square wave: every sample at +32767 or -32768."""
    values = np.where(np.arange(int(seconds * 48000)) % 2, 32767, -32768)
    return values.astype(np.int16)


@pytest.mark.parametrize("rms", [0.0, -1.0, 1e-9])
def test_no_energy_is_floored_at_minus_120(rms: float) -> None:
    assert dbfs(rms) == SILENCE_DBFS == -120.0


def test_dbfs_is_relative_to_int16_full_scale() -> None:
    assert dbfs(32768.0) == 0.0
    assert dbfs(32768.0 / 10) == pytest.approx(-20.0)


def test_silence_reads_the_floor_everywhere() -> None:
    assert window_rms_dbfs(silence(0.1)) == -120.0
    summary = analyse(silence(1.0))
    assert (summary.rms_dbfs, summary.noise_floor_dbfs, summary.peak_dbfs) == (-120, -120, -120)
    assert summary.clipping_fraction == 0.0
    assert summary.speech_detected is False


@pytest.mark.parametrize("level", [-6.0, -20.0, -40.0, -60.0])
def test_tone_level_is_the_requested_dbfs(level: float) -> None:
    assert window_rms_dbfs(tone(0.1, dbfs=level)) == pytest.approx(level, abs=0.1)
    assert analyse(tone(1.0, dbfs=level)).rms_dbfs == pytest.approx(level, abs=0.1)


def test_full_scale_square_wave_does_not_overflow() -> None:
    assert window_rms_dbfs(square(0.1)) == pytest.approx(0.0, abs=0.01)
    summary = analyse(square(0.5))
    assert summary.rms_dbfs == pytest.approx(0.0, abs=0.01)
    assert summary.peak_dbfs == 0.0
    assert summary.clipping_fraction == 1.0


def test_nothing_is_summarised_before_the_first_whole_window() -> None:
    analyser = AudioAnalyser()
    analyser.add(tone(0.05, dbfs=-20))
    analyser.add(np.zeros(WINDOW // 2 - 1, dtype=np.int16))
    assert analyser.summary() is None
    assert analyser.last_level_dbfs is None
    analyser.add(np.zeros(1, dtype=np.int16))
    assert analyser.summary() is not None
    assert analyser.last_level_dbfs == pytest.approx(-23.0, abs=0.1), "half tone, half silence"


def test_windows_cut_across_add_calls_of_odd_sizes() -> None:
    sound = speech_like(3.0)
    whole = analyse(sound)
    sizes = [1, 7, 960, 4799, 4801, 13, 9600, 3333]
    chunks: list[Samples] = []
    start = 0
    while start < sound.size:
        size = sizes[len(chunks) % len(sizes)]
        chunks.append(sound[start : start + size])
        start += size
    assert analyse(*chunks) == whole
    assert whole.windows == 30


def test_leftover_samples_wait_for_the_next_call() -> None:
    analyser = AudioAnalyser()
    analyser.add(tone(0.25, dbfs=-20))
    analyser.add(np.zeros(0, dtype=np.int16))
    summary = analyser.summary()
    assert summary is not None
    assert summary.windows == 2
    assert analyser.duration_s == 0.25


def test_window_size_follows_the_sample_rate() -> None:
    analyser = AudioAnalyser(sample_rate=16000)
    analyser.add(tone(1.0, dbfs=-20, rate=16000))
    summary = analyser.summary()
    assert summary is not None
    assert summary.windows == 10
    assert summary.rms_dbfs == pytest.approx(-20.0, abs=0.1)


@pytest.mark.parametrize(
    ("value", "clipped"),
    [(32767, True), (-32768, True), (30000, True), (29205, True), (-29205, True), (29204, False)],
)
def test_clipping_counts_samples_at_or_above_minus_1_dbfs(value: int, clipped: bool) -> None:
    samples = np.zeros(WINDOW, dtype=np.int16)
    samples[:48] = value
    assert analyse(samples).clipping_fraction == (0.01 if clipped else 0.0)


def test_clipping_fraction_spans_every_call() -> None:
    loud = np.full(WINDOW, 31000, dtype=np.int16)
    summary = analyse(loud, silence(0.3))
    assert summary.clipping_fraction == 0.25


def test_peak_is_the_largest_single_sample() -> None:
    samples = silence(0.2)
    samples[1234] = -16384
    assert analyse(samples).peak_dbfs == pytest.approx(-6.02, abs=0.01)


def test_noise_floor_is_the_10th_percentile_of_window_levels() -> None:
    levels = [-80.0 + 5 * i for i in range(11)]  # -80 ... -30, one window each
    summary = analyse(*(tone(0.1, dbfs=level) for level in reversed(levels)))
    assert summary.windows == 11
    assert summary.noise_floor_dbfs == pytest.approx(-75.0, abs=0.1), "not the quietest, -80"
    assert summary.rms_dbfs == pytest.approx(-30.0, abs=0.1)


def test_noise_floor_of_speech_is_the_room_between_words() -> None:
    summary = analyse(speech_like(4.0))
    assert summary.noise_floor_dbfs == pytest.approx(-70.0, abs=1.0)
    assert summary.rms_dbfs == pytest.approx(-20.0, abs=0.5)


def test_speech_is_detected_in_speech_like_sound() -> None:
    assert analyse(speech_like(3.0)).speech_detected is True


@pytest.mark.parametrize(
    "sound",
    [
        pytest.param(noise(3.0, dbfs=-30.0), id="steady-noise"),
        pytest.param(tone(3.0, dbfs=-20.0), id="steady-tone"),
        pytest.param(speech_like(3.0, dbfs=-55.0), id="too-quiet-to-be-speech"),
    ],
)
def test_speech_is_not_detected_without_loud_moments_above_the_floor(sound: Samples) -> None:
    assert analyse(sound).speech_detected is False
