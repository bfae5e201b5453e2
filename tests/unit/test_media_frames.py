"""What the session reads from frames without the analysers: VP8 headers (keyframes, and the
size that enforces the 1080p limit before anything is decoded), the luma plane of a decoded
picture whose rows the decoder pads, and the first channel of any audio layout."""

from __future__ import annotations

import fractions

import av
import numpy as np
import pytest

from server.media.analysis.video import VideoAnalyser
from server.media.rtc import vp8
from server.media.rtc.tracks import (
    MAX_PIXELS,
    MediaRejected,
    luma_plane,
    mono_samples,
    video_feeder,
)


def encoded(width: int, height: int, frames: int = 3) -> list[bytes]:
    """Real VP8 from libvpx: a keyframe, then delta frames of a slightly changing picture."""
    codec = av.CodecContext.create("libvpx", "w")
    assert isinstance(codec, av.VideoCodecContext)
    codec.width, codec.height, codec.pix_fmt = width, height, "yuv420p"
    codec.time_base = fractions.Fraction(1, 15)
    codec.options = {"deadline": "realtime", "cpu-used": "8", "lag-in-frames": "0"}
    rng = np.random.default_rng(1)
    packets: list[bytes] = []
    for i in range(frames):
        luma = rng.integers(100, 140, (height, width), dtype=np.uint8)
        chroma = np.full((height // 2, width), 128, dtype=np.uint8)
        frame = av.VideoFrame.from_ndarray(np.vstack([luma, chroma]), format="yuv420p")
        frame.pts = i
        packets += [bytes(p) for p in codec.encode(frame)]
    packets += [bytes(p) for p in codec.encode(None)]
    return packets


@pytest.mark.parametrize(("width", "height"), [(640, 480), (1920, 1080), (2560, 1440)])
def test_a_keyframe_header_gives_the_picture_size(width: int, height: int) -> None:
    first, *rest = encoded(width, height)
    assert vp8.is_keyframe(first)
    assert vp8.keyframe_size(first) == (width, height)
    assert rest, "libvpx made delta frames"
    assert not any(vp8.is_keyframe(frame) for frame in rest)
    assert all(vp8.keyframe_size(frame) is None for frame in rest)


@pytest.mark.parametrize(("width", "height", "too_big"), [(1920, 1080, False), (2560, 1440, True)])
def test_the_1080p_limit_is_read_from_the_header(width: int, height: int, too_big: bool) -> None:
    size = vp8.keyframe_size(encoded(width, height, frames=1)[0])
    assert size is not None
    assert (size[0] * size[1] > MAX_PIXELS) is too_big


@pytest.mark.parametrize(
    "data", [b"", b"\x00" * 9, b"\x00\x00\x00\x9d\x01", b"\x01" + b"\x00" * 20, bytes(range(32))]
)
def test_short_or_foreign_bytes_are_no_keyframe(data: bytes) -> None:
    assert not vp8.is_keyframe(data)
    assert vp8.keyframe_size(data) is None


def decoded(width: int, height: int) -> av.VideoFrame:
    decoder = av.CodecContext.create("libvpx", "r")
    frames = [f for packet in encoded(width, height, 1) for f in decoder.decode(av.Packet(packet))]
    frame = frames[0]
    assert isinstance(frame, av.VideoFrame)
    return frame


@pytest.mark.parametrize(("width", "height"), [(642, 482), (320, 240), (100, 60)])
def test_the_luma_plane_is_cropped_from_the_padded_rows(width: int, height: int) -> None:
    frame = decoded(width, height)
    assert frame.planes[0].line_size > width, "the decoder pads its rows"
    luma = luma_plane(frame)
    assert luma.shape == (height, width)
    assert np.array_equal(luma, frame.to_ndarray()[:height]), "row by row, the picture's own"


def test_a_decoded_picture_above_1080p_ends_the_session() -> None:
    frame = av.VideoFrame.from_ndarray(np.zeros((1440, 2560, 3), dtype=np.uint8), format="rgb24")
    frame.pts, frame.time_base = 0, fractions.Fraction(1, 90000)
    analyser = VideoAnalyser()
    with pytest.raises(MediaRejected, match="above 1080p"):
        video_feeder(analyser)(frame)
    assert analyser.frames == 0, "nothing of it was analysed"


def audio(layout: str, fmt: str, left: np.ndarray, right: np.ndarray) -> av.AudioFrame:
    if fmt == "s16":
        data = np.stack([left, right], axis=1).reshape(1, -1) if layout == "stereo" else left[None]
    else:
        data = np.stack([left, right]) if layout == "stereo" else left[None]
    frame = av.AudioFrame.from_ndarray(data, format=fmt, layout=layout)
    frame.sample_rate = 48000
    return frame


@pytest.mark.parametrize("fmt", ["s16", "s16p"])
def test_the_first_channel_of_stereo(fmt: str) -> None:
    left = np.arange(960, dtype=np.int16)
    right = -left
    samples = mono_samples(audio("stereo", fmt, left, right))
    assert samples.dtype == np.int16
    assert np.array_equal(samples, left)


def test_mono_is_taken_as_it_is() -> None:
    left = np.arange(-480, 480, dtype=np.int16)
    assert np.array_equal(mono_samples(audio("mono", "s16", left, left)), left)


def test_float_audio_becomes_int16_at_the_same_level() -> None:
    tone = (0.5 * np.sin(np.linspace(0, 40 * np.pi, 960))).astype(np.float32)
    samples = mono_samples(audio("stereo", "fltp", tone, tone))
    assert samples.dtype == np.int16
    assert abs(int(samples.max()) - 16384) < 200, "half of full scale stays half"
