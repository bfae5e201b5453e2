"""The bridge between aiortc's decoded tracks and the pure analysers."""

from __future__ import annotations

from collections.abc import Callable

import av
import numpy as np
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from av.frame import Frame

from server.media.analysis.audio import AudioAnalyser, Samples
from server.media.analysis.video import Luma, VideoAnalyser

PLANAR_YUV = {"yuv420p", "yuvj420p", "yuv422p", "yuv444p", "nv12"}
# Decoding and re-encoding more than 1080p costs more than a device check needs from anyone.
MAX_PIXELS = 1920 * 1088


class MediaRejected(Exception):
    """The browser sends media this server will not process; the session ends."""


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


def video_feeder(analyser: VideoAnalyser) -> Callable[[Frame], None]:
    def feed(frame: Frame) -> None:
        assert isinstance(frame, av.VideoFrame)
        if frame.width * frame.height > MAX_PIXELS:
            raise MediaRejected(f"{frame.width}x{frame.height} video is above 1080p")
        # aiortc maps RTP timestamps to start at 0 and unwraps them, so pts is media time.
        if frame.pts is not None and frame.time_base is not None:
            analyser.add(luma_plane(frame), float(frame.pts * frame.time_base))

    return feed


def audio_feeder(
    analyser: AudioAnalyser, listen: Callable[[Samples, int], None]
) -> Callable[[Frame], None]:
    """Feeds the analyser, and `listen` (samples, sample rate) for whatever else hears the mic."""

    def feed(frame: Frame) -> None:
        assert isinstance(frame, av.AudioFrame)
        samples = mono_samples(frame)
        analyser.use_sample_rate(frame.sample_rate)
        analyser.add(samples)
        listen(samples, frame.sample_rate)

    return feed


async def read_frames(track: MediaStreamTrack, feed: Callable[[Frame], None]) -> None:
    """Read every decoded frame of an incoming track into its analyser, until the track ends."""
    while True:
        try:
            frame = await track.recv()
        except MediaStreamError:
            return
        if isinstance(frame, Frame):
            feed(frame)
