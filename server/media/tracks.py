"""The bridge from aiortc tracks to the pure analysers: decoded frames in, numpy views out."""

from __future__ import annotations

from collections.abc import Callable

import av
import numpy as np
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from av.frame import Frame

from server.media.audio import AudioAnalyser, Samples
from server.media.video import Luma, VideoAnalyser

PLANAR_YUV = {"yuv420p", "yuvj420p", "yuv422p", "yuv444p", "nv12"}


def luma_plane(frame: av.VideoFrame) -> Luma:
    """The Y plane without copying, cropped from the decoder's padded line size."""
    if frame.format.name not in PLANAR_YUV:
        frame = frame.reformat(format="yuv420p")
    plane = frame.planes[0]
    rows = np.frombuffer(memoryview(plane), dtype=np.uint8).reshape(frame.height, plane.line_size)
    return rows[:, : frame.width]


def mono_samples(frame: av.AudioFrame) -> Samples:
    """The first channel as int16."""
    if frame.format.name not in ("s16", "s16p"):
        frame = av.AudioResampler(format="s16", layout="mono", rate=frame.sample_rate).resample(
            frame
        )[0]
    data = frame.to_ndarray().astype(np.int16, copy=False)
    if frame.format.is_planar:
        plane: Samples = data[0]
        return plane
    channels = len(frame.layout.channels)
    first: Samples = data.reshape(-1, channels)[:, 0]
    return first


async def consume(track: MediaStreamTrack, handle: Callable[[Frame], None]) -> None:
    """Hand every frame the relay delivers to `handle` until the track ends."""
    while True:
        try:
            frame = await track.recv()
        except MediaStreamError:
            return
        # Decoded tracks deliver frames; only a pre-encoded source would hand over packets.
        if isinstance(frame, Frame):
            handle(frame)


def video_feeder(analyser: VideoAnalyser) -> Callable[[Frame], None]:
    def feed(frame: Frame) -> None:
        assert isinstance(frame, av.VideoFrame)
        if frame.pts is not None and frame.time_base is not None:
            analyser.add(luma_plane(frame), float(frame.pts * frame.time_base))

    return feed


def audio_feeder(analyser: AudioAnalyser) -> Callable[[Frame], None]:
    def feed(frame: Frame) -> None:
        assert isinstance(frame, av.AudioFrame)
        analyser.add(mono_samples(frame))

    return feed
