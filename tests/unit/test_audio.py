"""Audio analysis on synthetic int16 sound: levels, windows, clipping, noise floor, speech."""

from __future__ import annotations

import numpy as np
import pytest

from server.media.analysis.audio import (
    SILENCE_DBFS,
    AudioAnalyser,
    AudioSummary,
    Samples,
    Tonality,
    VoiceFrames,
    dbfs,
    window_rms_dbfs,
)
from server.media.analysis.chime import chime_waveform
from tests.support.synthetic import (
    mix,
    noise,
    resample,
    room,
    shaped_noise,
    silence,
    speech_like,
    tone,
    tone_bursts,
    voice,
)

WINDOW = 4800  # 100 ms at 48 kHz


def analyse(*chunks: Samples, rate: int = 48000) -> AudioSummary:
    analyser = AudioAnalyser(rate)
    for chunk in chunks:
        analyser.add(chunk)
    summary = analyser.summary()
    assert summary is not None
    return summary


def in_frames(sound: Samples, size: int = 960) -> list[Samples]:
    """As Opus delivers it: 20 ms at a time."""
    return [sound[start : start + size] for start in range(0, sound.size, size)]


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
    summary = analyse(*in_frames(speech_like(3.0)))
    assert summary.speech_detected is True
    assert 0.9 <= summary.speech_seconds <= 2.5


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_every_synthetic_voice_is_speech(seed: int) -> None:
    assert analyse(*in_frames(voice(3.0, seed=seed))).speech_detected is True


@pytest.mark.parametrize("rate", [8000, 16000, 32000, 44100, 22050])
def test_speech_is_detected_at_any_sample_rate(rate: int) -> None:
    """webrtcvad takes 8, 16, 32 and 48 kHz; other rates are resampled to 16 kHz first."""
    sound = voice(3.0, rate=rate)
    assert analyse(*in_frames(sound, rate // 50), rate=rate).speech_detected is True


def test_a_voice_10_db_above_a_room_is_speech() -> None:
    """VAD mode 3 hears under 0.3 s of voice here; mode 2 about 0.5 s."""
    sound = mix(voice(3.0, dbfs=-45.0), shaped_noise(3.0, dbfs=-55.0, tilt=-3.0))
    summary = analyse(*in_frames(sound))
    assert summary.speech_detected is True


@pytest.mark.parametrize(
    ("level", "detected"),
    [(-48.0, True), (-50.0, True), (-52.0, False), (-65.0, False)],
)
def test_speech_needs_a_window_at_minus_50_dbfs(level: float, detected: bool) -> None:
    summary = analyse(*in_frames(speech_like(3.0, dbfs=level)))
    assert summary.speech_detected is detected


def test_the_chime_is_not_speech() -> None:
    """The speakers check plays its chime into the microphone that listens for a voice."""
    chime = room(resample(chime_waveform(16000), 16000, 48000))
    sound = mix(np.tile(np.concatenate((chime, silence(0.5))), 4), noise(7.0, dbfs=-60.0))
    summary = analyse(*in_frames(sound))
    assert summary.speech_detected is False
    assert summary.speech_seconds == 0.0


@pytest.mark.parametrize(("seconds", "detected"), [(0.25, False), (0.5, True)])
def test_speech_needs_about_0_3_s_of_voice(seconds: float, detected: bool) -> None:
    """One short syllable in a quiet room, cut from the start of a phrase."""
    start = int(0.05 * 48000)
    syllable = speech_like(3.0)[start : start + int(seconds * 48000)]
    sound = mix(noise(3.0, dbfs=-70.0), np.concatenate((silence(1.5), syllable)))
    assert analyse(*in_frames(sound)).speech_detected is detected


@pytest.mark.parametrize(
    "sound",
    [
        pytest.param(silence(3.0), id="silence"),
        pytest.param(noise(3.0, dbfs=-30.0), id="steady-noise"),
        pytest.param(noise(20.0, dbfs=-30.0, seed=1), id="white-noise-20s"),
        pytest.param(shaped_noise(20.0, dbfs=-30.0, tilt=-3.0), id="pink-noise-20s"),
        pytest.param(shaped_noise(60.0, dbfs=-30.0, tilt=-6.0), id="rumble-60s"),
        pytest.param(tone(3.0, dbfs=-20.0), id="steady-tone"),
        pytest.param(tone(3.0, dbfs=-20.0, frequency=1000.0), id="steady-1khz"),
        pytest.param(tone_bursts(3.0), id="beeps"),
        pytest.param(speech_like(3.0, dbfs=-55.0), id="too-quiet-to-be-speech"),
        pytest.param(speech_like(3.0, dbfs=-65.0), id="murmur"),
    ],
)
def test_speech_is_not_detected(sound: Samples) -> None:
    assert analyse(*in_frames(sound)).speech_detected is False


def test_rumble_that_webrtcvad_takes_for_a_voice_does_not_count() -> None:
    """The floor and run rules undo what webrtcvad hears in rumble; a voice over it still counts."""
    rumble = shaped_noise(20.0, dbfs=-30.0, tilt=-6.0, seed=2)
    frames = VoiceFrames(48000)
    said = sum(frames.is_speech(frame) for frame in frames.frames(rumble))
    assert said * 0.03 > 5.0
    assert analyse(*in_frames(rumble)).speech_seconds == 0.0
    spoken = mix(rumble, np.concatenate((silence(10.0), voice(3.0, dbfs=-20.0))))
    assert analyse(*in_frames(spoken)).speech_detected is True


def test_speech_seconds_grow_live_and_do_not_depend_on_call_sizes() -> None:
    sound = speech_like(4.0)
    analyser = AudioAnalyser()
    seen = []
    for chunk in in_frames(sound, 4800):
        analyser.add(chunk)
        seen.append(analyser.speech_seconds)
    assert seen == sorted(seen)
    assert seen[-1] == analyse(sound).speech_seconds == analyse(*in_frames(sound, 7)).speech_seconds
    assert analyser.speech_detected is True


def test_a_voice_before_any_room_was_heard_does_not_count_yet() -> None:
    """Until a quieter window shows the room, nothing says what stands out of it."""
    analyser = AudioAnalyser()
    analyser.add(speech_like(0.7))
    assert analyser.speech_seconds == 0.0
    analyser.add(silence(0.3))
    analyser.add(speech_like(3.0))
    assert analyser.speech_seconds > 0.9


def test_digital_silence_is_not_the_room() -> None:
    """A stream that starts silent and then hums must not make the hum stand out."""
    sound = np.concatenate((silence(1.0), shaped_noise(10.0, dbfs=-30.0, tilt=-3.0)))
    assert analyse(*in_frames(sound)).speech_seconds == 0.0


def test_pending_samples_stay_bounded() -> None:
    analyser = AudioAnalyser()
    for chunk in in_frames(speech_like(10.0), 1234):
        analyser.add(chunk)
        assert analyser._pending.size < analyser.window_size
        assert analyser._voice._pending.size < 1440


def test_the_rate_set_from_the_first_frame_also_sets_the_voice_frames() -> None:
    analyser = AudioAnalyser()
    analyser.use_sample_rate(8000)
    analyser.add(voice(3.0, rate=8000))
    assert analyser.speech_detected is True
    assert analyser.duration_s == 3.0


@pytest.mark.parametrize("frequency", [100.0, 440.0, 1000.0, 3500.0])
def test_a_pure_tone_is_tonal_in_room_noise(frequency: float) -> None:
    tonality = Tonality(1440, 48000)
    sound = mix(tone(0.03, dbfs=-30.0, frequency=frequency), noise(0.03, dbfs=-50.0))
    assert tonality.peak_share(sound) > 0.95


def test_a_voice_is_mostly_not_tonal() -> None:
    """A high "ee" is nearly one harmonic and a few of its frames read as a tone: they are lost."""
    tonality = Tonality(1440, 48000)
    sound = speech_like(20.0)
    frames = [sound[i : i + 1440] for i in range(0, sound.size - 1440, 1440)]
    shares = [tonality.peak_share(frame) for frame in frames if window_rms_dbfs(frame) > -40]
    assert np.percentile(shares, 90) < 0.9
    assert np.mean(np.array(shares) >= 0.95) < 0.05


def test_a_frame_of_nothing_has_no_tone() -> None:
    assert Tonality(1440, 48000).peak_share(silence(0.03)) == 0.0
