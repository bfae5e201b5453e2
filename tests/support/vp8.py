"""Pictures through libvpx, encoded and decoded as the server would receive them."""

from __future__ import annotations

import fractions
from collections.abc import Sequence

import av
import numpy as np

from tests.support.synthetic import Luma

ENCODERS: dict[str, dict[str, str]] = {
    # libwebrtc's settings for VP8 (which every browser uses), as aiortc copies them: constant
    # bitrate, realtime, the denoiser on. A still picture keeps changing after this encoder.
    "webrtc": {
        "cpu-used": "-6",
        "deadline": "realtime",
        "lag-in-frames": "0",
        "noise-sensitivity": "4",
        "overshoot-pct": "15",
        "partitions": "0",
        "static-thresh": "1",
        "undershoot-pct": "100",
    },
    # libvpx's realtime defaults with a bitrate: a still picture settles within a few frames.
    "plain": {"cpu-used": "8", "deadline": "realtime", "lag-in-frames": "0"},
}


def through_vp8(
    pictures: Sequence[Luma],
    *,
    fps: int = 15,
    kbps: int = 500,
    encoder: str = "webrtc",
    keyframe_every_s: float = 1.0,
) -> list[Luma]:
    """The decoded luma planes of `pictures` sent through VP8 at `kbps`, with a keyframe every
    `keyframe_every_s` (the loopback asks for about one a second)."""
    height, width = pictures[0].shape
    codec = av.CodecContext.create("libvpx", "w")
    assert isinstance(codec, av.VideoCodecContext)
    codec.width, codec.height, codec.pix_fmt = width, height, "yuv420p"
    codec.time_base = fractions.Fraction(1, fps)
    codec.bit_rate = kbps * 1000
    codec.gop_size = 3000
    codec.qmin, codec.qmax = 2, 56
    options = dict(ENCODERS[encoder])
    if encoder == "webrtc":
        rate = str(kbps * 1000)
        options.update({"bufsize": rate, "minrate": rate, "maxrate": rate})
    codec.options = options
    codec.thread_count = 1
    decoder = av.CodecContext.create("libvpx", "r")
    chroma = np.full((height // 2, width), 128, dtype=np.uint8)
    keyframe_every = max(1, round(keyframe_every_s * fps))
    decoded: list[Luma] = []
    for i, luma in enumerate(pictures):
        frame = av.VideoFrame.from_ndarray(np.vstack([luma, chroma]), format="yuv420p")
        frame.pts = i
        if i % keyframe_every == 0:
            frame.pict_type = av.video.frame.PictureType.I
        for packet in codec.encode(frame):
            for picture in decoder.decode(av.Packet(bytes(packet))):
                assert isinstance(picture, av.VideoFrame)
                decoded.append(np.array(picture.to_ndarray()[:height], dtype=np.uint8))
    return decoded
