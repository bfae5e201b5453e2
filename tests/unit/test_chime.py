"""The speakers chime: the committed file, its pattern, and hearing it through a room and Opus."""

from __future__ import annotations

import io
import wave
from pathlib import Path

import numpy as np
import pytest

from server.media.analysis.audio import Samples, window_rms_dbfs
from server.media.analysis.chime import (
    CHIME_SAMPLE_RATE,
    CHIME_SECONDS,
    CHIME_TONES_HZ,
    NOTES,
    ChimeDetector,
    chime_wav_bytes,
    chime_waveform,
    main,
    write_chime_wav,
)
from tests.support.synthetic import (
    gain,
    mix,
    noise,
    resample,
    room,
    shaped_noise,
    silence,
    speech_like,
    tone,
)

RATE = 48000
STATIC_CHIME = Path(__file__).resolve().parents[2] / "static" / "chime.wav"
# Each note's RMS in the generated chime: a sine peaking at -6 dBFS.
TONE_DBFS = -6.0 - 3.01


def heard(sound: Samples, rate: int = RATE, size: int = 960) -> bool:
    """Fed 20 ms at a time, as the server's audio reader does."""
    detector = ChimeDetector(rate)
    for start in range(0, sound.size, size):
        detector.add(sound[start : start + size])
    return detector.heard


def at_the_microphone(
    *, level: float = TONE_DBFS, delay: float = 0.5, drift: float = 1.0, through_room: bool = True
) -> Samples:
    """The 16 kHz file played by a browser, through speakers and a room, captured at 48 kHz."""
    played = resample(chime_waveform(CHIME_SAMPLE_RATE), CHIME_SAMPLE_RATE, RATE * drift)
    captured = room(played) if through_room else played
    return np.concatenate((silence(delay), gain(captured, level - TONE_DBFS), silence(0.5)))


def notes(order: tuple[int, int, int], *, seconds: float | None = None) -> Samples:
    """The chime's timing with other tones or other note lengths, at -20 dBFS."""
    out = silence(CHIME_SECONDS + 0.5)
    for note in NOTES:
        start = int(note.start_s * RATE)
        sound = tone(
            seconds or note.seconds, dbfs=-20.0, frequency=CHIME_TONES_HZ[order[note.tone]]
        )
        out[start : start + sound.size] = sound
    return np.concatenate((silence(0.3), out))


# The file


def test_the_committed_file_is_the_generated_chime() -> None:
    assert STATIC_CHIME.read_bytes() == chime_wav_bytes()


def test_the_file_is_a_small_16_khz_mono_wav(tmp_path: Path) -> None:
    path = tmp_path / "chime.wav"
    write_chime_wav(path)
    with wave.open(str(path), "rb") as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (1, 2, 16000)
        assert wav.getnframes() == round(CHIME_SECONDS * 16000)
    assert 30_000 < path.stat().st_size < 40_000


def test_the_module_writes_the_file(tmp_path: Path) -> None:
    path = tmp_path / "chime.wav"
    assert main([str(path)]) == 0
    assert path.read_bytes() == chime_wav_bytes()
    assert main([]) == 2


def test_the_wav_bytes_hold_the_waveform() -> None:
    with wave.open(io.BytesIO(chime_wav_bytes()), "rb") as wav:
        samples = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")
    assert np.array_equal(samples, chime_waveform(16000))


# The pattern


def test_three_rising_tones_played_twice() -> None:
    assert CHIME_TONES_HZ == (880.0, 1320.0, 1760.0)
    assert [note.tone for note in NOTES] == [0, 1, 2, 0, 1, 2]
    assert all(note.seconds == 0.15 for note in NOTES)
    assert round(CHIME_SECONDS, 9) == 1.13


@pytest.mark.parametrize("rate", [16000, 44100, 48000])
def test_the_chime_peaks_at_minus_6_dbfs_at_any_rate(rate: int) -> None:
    samples = chime_waveform(rate)
    assert samples.size == round(CHIME_SECONDS * rate)
    assert 20 * np.log10(np.abs(samples.astype(np.int32)).max() / 32768) == pytest.approx(
        -6, abs=0.01
    )


def test_each_note_is_its_tone_with_soft_edges() -> None:
    samples = chime_waveform(16000)
    for note in NOTES:
        start = round(note.start_s * 16000)
        body = samples[start + 160 : start + round(note.seconds * 16000) - 160]
        assert window_rms_dbfs(body) == pytest.approx(TONE_DBFS, abs=0.05)
        spectrum = np.abs(np.fft.rfft(body * np.hanning(body.size)))
        peak_hz = spectrum.argmax() * 16000 / body.size
        assert peak_hz == pytest.approx(CHIME_TONES_HZ[note.tone], abs=8)
        assert abs(int(samples[start])) < 50, "a 10 ms fade-in, no click"


# Heard


def test_heard_at_full_level() -> None:
    assert heard(at_the_microphone(through_room=False))


@pytest.mark.parametrize("delay", [0.3, 0.5, 0.7])
def test_heard_after_an_unknown_delay_through_a_room(delay: float) -> None:
    assert heard(at_the_microphone(delay=delay))


@pytest.mark.parametrize("drift", [0.99, 1.01])
def test_heard_with_one_percent_clock_drift(drift: float) -> None:
    assert heard(at_the_microphone(drift=drift))


def test_heard_at_minus_40_dbfs_over_white_noise_at_minus_55() -> None:
    sound = at_the_microphone(level=-40.0)
    assert heard(mix(sound, noise(sound.size / RATE, dbfs=-55.0)))


@pytest.mark.parametrize("tilt", [0.0, -3.0])
def test_heard_at_minus_45_dbfs_over_a_room_at_minus_55(tilt: float) -> None:
    sound = at_the_microphone(level=-45.0)
    assert heard(mix(sound, shaped_noise(sound.size / RATE, dbfs=-55.0, tilt=tilt)))


def test_heard_in_any_call_sizes() -> None:
    sound = at_the_microphone()
    assert heard(sound, size=7)
    assert heard(sound, size=sound.size)


def test_heard_at_the_sample_rates_browsers_send() -> None:
    for rate in (8000, 16000, 44100):
        played = resample(chime_waveform(CHIME_SAMPLE_RATE), CHIME_SAMPLE_RATE, rate)
        sound = np.concatenate((silence(0.4, rate), played, silence(0.2, rate)))
        assert heard(sound, rate=rate, size=rate // 50), rate


def test_heard_when_the_first_note_is_lost() -> None:
    """Audio output often wakes up late and swallows the start of a sound."""
    sound = at_the_microphone(through_room=False, delay=0.5)
    cut = int((0.5 + NOTES[1].start_s - 0.01) * RATE)
    sound[:cut] = 0
    assert heard(sound)


def test_heard_once_and_for_good() -> None:
    detector = ChimeDetector(RATE)
    detector.add(at_the_microphone(through_room=False))
    assert detector.heard
    assert detector.score >= 0.6
    detector.add(noise(1.0, dbfs=-20.0))
    assert detector.heard


# Not heard


@pytest.mark.parametrize(
    "sound",
    [
        pytest.param(silence(3.0), id="silence"),
        pytest.param(noise(5.0, dbfs=-30.0), id="white-noise"),
        pytest.param(shaped_noise(5.0, dbfs=-30.0, tilt=-3.0), id="pink-noise"),
        pytest.param(speech_like(10.0), id="speech"),
        pytest.param(tone(5.0, dbfs=-20.0, frequency=880.0), id="880-hz-whistle"),
        pytest.param(tone(5.0, dbfs=-20.0, frequency=1320.0), id="1320-hz-whistle"),
    ],
)
def test_not_heard_in(sound: Samples) -> None:
    assert not heard(sound)


@pytest.mark.parametrize("order", [(2, 1, 0), (1, 0, 2), (0, 2, 1), (1, 2, 0), (2, 0, 1)])
def test_not_heard_in_another_order(order: tuple[int, int, int]) -> None:
    assert heard(notes((0, 1, 2)))
    assert not heard(notes(order))


def test_not_heard_in_music_like_chords() -> None:
    """A major chords whose notes and overtones include the chime's three frequencies."""

    def chord(frequencies: list[float]) -> Samples:
        return mix(*(tone(0.5, dbfs=-28.0, frequency=f) for f in frequencies))

    a_major = chord([440.0, 554.4, 659.3, 880.0, 1108.7, 1318.5, 1760.0])
    high = chord([880.0, 1108.7, 1318.5])
    higher = chord([1318.5, 1760.0, 2217.5])
    assert not heard(np.concatenate([a_major, high, higher] * 4))


def test_not_heard_with_only_one_of_the_two_rounds() -> None:
    sound = at_the_microphone(through_room=False, delay=0.5)
    sound[: int((0.5 + NOTES[3].start_s - 0.01) * RATE)] = 0
    assert not heard(sound)


# Edges


@pytest.mark.parametrize(("level", "expected"), [(-57.0, True), (-63.0, False)])
def test_level_edge_near_minus_60_dbfs_in_a_quiet_path(level: float, expected: bool) -> None:
    assert heard(at_the_microphone(level=level, through_room=False)) is expected


@pytest.mark.parametrize(("noise_dbfs", "expected"), [(-48.0, True), (-42.0, False)])
def test_noise_edge_the_tone_must_hold_half_the_power(noise_dbfs: float, expected: bool) -> None:
    """A tone at -45 dBFS over white noise: 3 dB above it is heard, 3 dB below is not."""
    sound = at_the_microphone(level=-45.0, through_room=False)
    assert heard(mix(sound, noise(sound.size / RATE, dbfs=noise_dbfs))) is expected


@pytest.mark.parametrize(("seconds", "expected"), [(0.08, True), (0.065, False)])
def test_duration_edge_notes_must_fill_most_of_their_place(seconds: float, expected: bool) -> None:
    """Notes of 150 ms, cut short at the right places: about half of each must sound."""
    assert heard(notes((0, 1, 2), seconds=seconds)) is expected


@pytest.mark.parametrize(
    ("tempo", "expected"), [(0.9, True), (1.1, True), (0.75, False), (1.4, False)]
)
def test_tempo_edge_the_rhythm_must_be_the_chimes(tempo: float, expected: bool) -> None:
    """The same notes faster or slower: far more than clock drift, yet not another rhythm."""
    out = silence(CHIME_SECONDS * tempo + 0.5)
    for note in NOTES:
        start = int(note.start_s * tempo * RATE)
        sound = tone(note.seconds * tempo, dbfs=-20.0, frequency=CHIME_TONES_HZ[note.tone])
        out[start : start + sound.size] = sound
    assert heard(np.concatenate((silence(0.3), out))) is expected


def test_memory_stays_bounded() -> None:
    detector = ChimeDetector(RATE)
    for _ in range(20):
        detector.add(noise(1.0, dbfs=-30.0)[:-7])
    assert detector._pending.size < detector.block_size
    assert len(detector._labels) <= detector._tones.size
